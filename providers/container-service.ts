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
import { GONE, checker, defined, diffFields, hostProvider, isUnknown, keyValues, sha256 } from "./kit";
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
    adopted?: boolean;
}

const KIND = "container-service";
const unitOf = (name: string) => `hotstack-os-${name}.service`;
const fileOf = (name: string) => `${QUADLET_DIR}/hotstack-os-${name}.container`;

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): ServiceInputs {
    return defined({ name: p.name, content: p.content, triggers: p.triggers, startTimeoutSeconds: p.startTimeoutSeconds });
}

/** The unit's scope for the shared unit steps: a system unit generated from the Quadlet file. */
function scope(name: string): string {
    return `${unitScope({ scope: "system", name: unitOf(name) }, { manager: "wait", unitDir: QUADLET_DIR, journalLines: 60, plainJournal: true })}\nf=${sh(fileOf(name))}`;
}

async function observe(host: Host, name: string): Promise<{ sha?: string; active: boolean }> {
    const r = await host.run([
        `f=${sh(fileOf(name))}`,
        'if [ -f "$f" ]; then echo "sha=$(sha256sum < "$f" | cut -d" " -f1)"; fi',
        // is-active exits non-zero for "inactive": the text is the answer.
        `echo "active=$(systemctl is-active ${sh(unitOf(name))} 2>/dev/null || true)"`,
    ].join("\n"), { what: `inspect container service ${name}` });
    const get = keyValues(r.stdout);
    return { sha: get("sha") || undefined, active: get("active") === "active" };
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
    ];
    await host.run(lines.join("\n"), { stdin: p.content, what: `start container service ${p.name}` });
    const { content, ...rest } = p;
    return { ...rest, contentSha256: sha256(content), active: true };
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
        return diffFields(olds, news, { name: "replace", content: "update", triggers: "update", startTimeoutSeconds: "update", active: "update" },
            (f) => (f === "content" ? olds.contentSha256 : olds[f]),
            (f) => (f === "content" ? (isUnknown(news.content) ? news.content : sha256(news.content)) : f === "active" ? true : news[f]));
    },

    async create(host, inputs) {
        const p = own(inputs);
        const found = await observe(host, p.name);
        const entry = await claim(host, KIND, p.name, found.sha ? {} : undefined);
        try {
            return { id: p.name, outs: { ...(await converge(host, p, false)), adopted: !entry.created } };
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
        return { id, props: defined({ ...p, contentSha256: o.sha, active: o.active, adopted: props.adopted }) };
    },

    async update(host, _id, olds, news) {
        const p = own(news);
        const changed = sha256(p.content) !== olds.contentSha256 || JSON.stringify(p.triggers) !== JSON.stringify(olds.triggers);
        // Only this unit restarts: dependants are ordered after it with Wants=, which does not propagate restarts.
        const outs = await converge(host, p, changed && olds.active === true);
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
                    'rm -f "$f"',
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
