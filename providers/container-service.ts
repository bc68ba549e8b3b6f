// ContainerService: one container as a podman Quadlet unit. The whole runtime contract of the
// container (image by ID, network and address, volumes, secrets, health command, ordering) is
// one readable file, /etc/containers/systemd/hotstack-os-<name>.container, rendered by the
// program. systemd runs it: boot ordering, restart on failure, journald, reboot survival.
// Create/update writes the file, reloads systemd (Quadlet generates the unit), starts or
// restarts only this unit and waits, bounded, until it is active and healthy; a failure
// carries the unit's journal tail. Why not docker.Container: see README ("Why Quadlet").
import * as pulumi from "@pulumi/pulumi";
import { claim, release } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { startUnitScript, stopUnitScript, unitScope, writeUnitScript } from "./host/units";
import { GONE, checker, defined, diffFields, hostProvider, isUnknown, keyValues, lines as onLines, progress, sha256 } from "./kit";
import { HostArgs, HostResource } from "./resource";

export const QUADLET_DIR = "/etc/containers/systemd";

export interface ContainerServiceArgs extends HostArgs {
    /** Service name: container and unit are hotstack-os-<name>. */
    name: pulumi.Input<string>;
    /** The Quadlet .container file text. */
    content: pulumi.Input<string>;
    /** Values whose change restarts the service (hashes of its config files, secret digests). */
    triggers?: pulumi.Input<pulumi.Input<string>[]>;
    /** Longest wait for active and healthy after a start, in seconds. */
    startTimeoutSeconds?: pulumi.Input<number>;
}

interface ServiceInputs {
    name: string;
    content: string;
    triggers: string[];
    startTimeoutSeconds: number;
}

interface ServiceOutputs extends Omit<ServiceInputs, "content"> {
    contentSha256: string;
    active: boolean;
    /** The digest of the inputs the running container was started with (the host's record). */
    applied?: string;
    adopted?: boolean;
}

const KIND = "container-service";
const unitOf = (name: string) => `hotstack-os-${name}.service`;
const fileOf = (name: string) => `${QUADLET_DIR}/hotstack-os-${name}.container`;
/**
 * What the running container was started with — a digest of its unit (image ID included) and
 * of its triggers (config file hashes, secret digests) — written beside the unit after every
 * successful (re)start. Create and update compare the desired inputs with this record, not with
 * the state: a run killed after it changed a secret but before it recorded anything still
 * restarts the services that use it on the next run. (Quadlet ignores files of other suffixes.)
 */
const appliedOf = (name: string) => `${QUADLET_DIR}/hotstack-os-${name}.container.applied`;

/** The digest of a container's inputs: its unit text and its restart triggers. */
export function inputsDigest(content: string, triggers: string[]): string {
    return sha256(JSON.stringify({ unit: sha256(content), triggers }));
}

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): ServiceInputs {
    return defined({ name: p.name, content: p.content, triggers: p.triggers, startTimeoutSeconds: p.startTimeoutSeconds });
}

/** The unit's scope for the shared unit steps: a system unit generated from the Quadlet file. */
function scope(name: string): string {
    return `${unitScope({ scope: "system", name: unitOf(name) }, { manager: "wait", unitDir: QUADLET_DIR, journalLines: 60, plainJournal: true })}\nf=${sh(fileOf(name))}`;
}

async function observe(host: Host, name: string): Promise<{ sha?: string; active: boolean; applied?: string }> {
    const r = await host.run([
        `f=${sh(fileOf(name))}; a=${sh(appliedOf(name))}`,
        'if [ -f "$f" ]; then echo "sha=$(sha256sum < "$f" | cut -d" " -f1)"; fi',
        'if [ -f "$a" ]; then echo "applied=$(cat "$a")"; fi',
        // is-active exits non-zero for "inactive": the text is the answer.
        `echo "active=$(systemctl is-active ${sh(unitOf(name))} 2>/dev/null || true)"`,
    ].join("\n"), { what: `inspect container service ${name}` });
    const get = keyValues(r.stdout);
    return { sha: get("sha") || undefined, active: get("active") === "active", applied: get("applied") || undefined };
}

/**
 * Writes the unit file when it differs, reloads, and starts (or restarts) the unit; `systemctl
 * start` returns once the unit's start-up (including its health wait) is over.
 */
async function converge(host: Host, p: ServiceInputs, restart: boolean): Promise<ServiceOutputs> {
    const lines = [
        "set -e",
        scope(p.name),
        writeUnitScript(sha256(p.content), [
            // Quadlet reports what it could not translate only in the generator's output.
            'systemctl cat "$n" >/dev/null 2>&1 || { echo "quadlet did not generate $n from $f:" >&2; /usr/libexec/podman/quadlet -dryrun 2>&1 | grep -i -A3 "hotstack-os-" | tail -20 >&2; exit 1; }',
        ]),
        startUnitScript({ restart, timeoutSeconds: p.startTimeoutSeconds }),
        // Only now, running with these inputs: record them.
        `printf '%s\\n' ${sh(inputsDigest(p.content, p.triggers))} > ${sh(appliedOf(p.name))}.tmp && mv -f ${sh(appliedOf(p.name))}.tmp ${sh(appliedOf(p.name))}`,
    ];
    progress(`service ${p.name}`, restart ? "restarting" : "starting", true);
    await host.run(lines.join("\n"), {
        stdin: p.content,
        what: `start container service ${p.name}`,
        onOutput: onLines((l) => l.startsWith("PROGRESS ") && progress(`service ${p.name}`, l.slice(9))),
    });
    progress(`service ${p.name}`, "active and healthy", true);
    const { content, ...rest } = p;
    return { ...rest, contentSha256: sha256(content), active: true, applied: inputsDigest(content, p.triggers) };
}

/**
 * Whether a running unit must restart: it runs with other inputs than the desired ones, as the
 * host's record says (or it has no record: started by something else than this program).
 */
function mustRestart(found: { active: boolean; applied?: string }, p: ServiceInputs): boolean {
    return found.active && found.applied !== inputsDigest(p.content, p.triggers);
}

export const containerServiceProvider = hostProvider({
    async check(_olds, news) {
        return checker({ ...news, triggers: news.triggers ?? [], startTimeoutSeconds: news.startTimeoutSeconds ?? 300 })
            .name("name", /^[a-z0-9][a-z0-9-]{0,40}$/, "a service name (lower case, digits, -)")
            .check("content", (v) => (typeof v === "string" && /^\[Container\]$/m.test(v) ? undefined : "must be a Quadlet .container file with a [Container] section"))
            .check("triggers", (v) => (Array.isArray(v) ? undefined : "must be a list of strings"))
            .integer("startTimeoutSeconds", 10, 3600)
            .result();
    },

    async diff(olds, news) {
        // `applied`: what the host says the container runs with (read back on refresh).
        return diffFields(olds, news, { name: "replace", content: "update", triggers: "update", startTimeoutSeconds: "update", active: "update", applied: "update" },
            (f) => (f === "content" ? olds.contentSha256 : olds[f]),
            (f) => (f === "content" ? (isUnknown(news.content) ? news.content : sha256(news.content))
                : f === "active" ? true
                : f === "applied" ? (isUnknown(news.content) || isUnknown(news.triggers) ? news.content : inputsDigest(news.content, news.triggers ?? []))
                : news[f]));
    },

    async create(host, inputs) {
        const p = own(inputs);
        const found = await observe(host, p.name);
        const entry = await claim(host, KIND, p.name, found.sha ? {} : undefined);
        try {
            // Found running (e.g. started by a run that was killed): adopted as it is only when it
            // runs with exactly these inputs; otherwise restarted with them.
            return { id: p.name, outs: { ...(await converge(host, p, mustRestart(found, p))), adopted: !entry.created } };
        } catch (e) {
            // The unit exists but did not come up healthy: keep it in state so the next run retries it.
            const { content, ...rest } = p;
            throw Object.assign(e as Error, { id: p.name, properties: { ...rest, contentSha256: sha256(content), active: false, adopted: !entry.created }, reasons: [(e as Error).message] });
        }
    },

    async read(host, id, props) {
        const p = own({ ...props, name: props.name ?? id });
        const o = await observe(host, p.name);
        if (!o.sha) return GONE;
        return { id, props: defined({ ...p, contentSha256: o.sha, active: o.active, applied: o.applied, adopted: props.adopted }) };
    },

    async update(host, _id, olds, news) {
        const p = own(news);
        // The host's record decides, not the state: the state may be older than what runs.
        // Only this unit restarts: dependants are ordered after it with Wants=, which does not propagate restarts.
        const outs = await converge(host, p, mustRestart(await observe(host, p.name), p));
        return { outs: defined({ ...outs, adopted: olds.adopted }) };
    },

    async delete(host, id, props) {
        const name = String(props.name ?? id);
        await release(host, KIND, name, props.adopted, {
            async remove() {
                await host.run([
                    "set -e",
                    scope(name),
                    stopUnitScript(),
                    `rm -f "$f" ${sh(appliedOf(name))}`,
                    "systemctl daemon-reload",
                    // Only a unit that failed is still loaded now: forgetting it is all that is left.
                    'systemctl reset-failed "$n" 2>/dev/null || true',
                    // -i: a container that is already gone is fine; any other failure is reported.
                    `podman rm -f -i ${sh(`hotstack-os-${name}`)} >/dev/null`,
                ].join("\n"), { what: `remove container service ${name}` });
            },
        });
    },
});

export class ContainerService extends HostResource {
    declare readonly name: pulumi.Output<string>;
    declare readonly active: pulumi.Output<boolean>;
    declare readonly contentSha256: pulumi.Output<string>;

    constructor(name: string, args: ContainerServiceArgs, opts?: pulumi.CustomResourceOptions) {
        super(containerServiceProvider, "ContainerService", name, { active: undefined, contentSha256: undefined, adopted: undefined, ...args }, opts);
    }
}
