// ContainerService: one container as a podman Quadlet unit. The whole runtime contract of the
// container (image by ID, network and address, volumes, secrets, health command, ordering) is
// one readable file, /etc/containers/systemd/hotstack-os-<name>.container, rendered by the
// program. systemd runs it: boot ordering, restart on failure, journald, reboot survival.
// Create/update writes the file, reloads systemd (Quadlet generates the unit), starts or
// restarts only this unit and waits, bounded, until it is active and healthy; a failure
// carries the unit's journal tail. Why not docker.Container: see README ("Why Quadlet").
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./host/connection";
import { writeFileScript } from "./host/files";
import { claim, createdByUs, dropLedger, readLedger } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, defined, diffFields, hostOf, isUnknown } from "./kit";

export const QUADLET_DIR = "/etc/containers/systemd";

export interface ContainerServiceArgs {
    connection: pulumi.Input<Connection>;
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
    connection: Connection;
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
const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");
const unitOf = (name: string) => `hotstack-os-${name}.service`;
const fileOf = (name: string) => `${QUADLET_DIR}/hotstack-os-${name}.container`;

async function observe(host: Host, name: string): Promise<{ sha?: string; active: boolean }> {
    const r = await host.run([
        `f=${sh(fileOf(name))}`,
        'if [ -f "$f" ]; then echo "sha=$(sha256sum < "$f" | cut -d" " -f1)"; fi',
        `echo "active=$(systemctl is-active ${sh(unitOf(name))} 2>/dev/null || true)"`,
    ].join("\n"));
    const get = (k: string) => r.stdout.split("\n").find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
    return { sha: get("sha") || undefined, active: get("active") === "active" };
}

/**
 * Writes the unit file when it differs, reloads, and starts (or restarts) the unit; `systemctl
 * start` returns once the unit's start-up (including its health wait) is over.
 */
async function converge(host: Host, p: ServiceInputs, restart: boolean): Promise<ServiceOutputs> {
    const unit = unitOf(p.name);
    const lines = [
        "set -e",
        `f=${sh(fileOf(p.name))}; u=${sh(unit)}`,
        `journal() { journalctl -u "$u" -n 60 --no-pager -o cat 2>&1 | tail -60; }`,
        `install -d -m 0755 ${QUADLET_DIR}`,
        `if [ ! -f "$f" ] || [ "$(sha256sum < "$f" | cut -d' ' -f1)" != ${sh(sha256(p.content))} ]; then`,
        `( ${writeFileScript("__F__", { owner: "root", group: "root", mode: "0644" }).replace("p=__F__", 'p="$f"')} )`,
        "systemctl daemon-reload",
        // Quadlet reports what it could not translate only in the generator's output.
        'systemctl cat "$u" >/dev/null 2>&1 || { echo "quadlet did not generate $u from $f:" >&2; /usr/libexec/podman/quadlet -dryrun 2>&1 | grep -i -A3 "hotstack-os-" | tail -20 >&2; exit 1; }',
        "fi",
        restart ? 'action=restart' : 'action=start',
        `if ! timeout ${p.startTimeoutSeconds + 15} systemctl $action "$u"; then echo "$u did not start (systemctl $action failed or timed out after ${p.startTimeoutSeconds} s); journal:" >&2; journal >&2; exit 1; fi`,
        'systemctl is-active --quiet "$u" || { echo "$u is $(systemctl is-active "$u") after start; journal:" >&2; journal >&2; exit 1; }',
    ];
    await host.run(lines.join("\n"), { stdin: p.content, what: `start container service ${p.name}` });
    const { content, ...rest } = p;
    return { ...rest, contentSha256: sha256(content), active: true };
}

export const containerServiceProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        return checker({ ...news, triggers: news.triggers ?? [], startTimeoutSeconds: news.startTimeoutSeconds ?? 300 })
            .name("name", /^[a-z0-9][a-z0-9-]{0,40}$/, "a service name (lower case, digits, -)")
            .check("content", (v) => (typeof v === "string" && /^\[Container\]$/m.test(v) ? undefined : "must be a Quadlet .container file with a [Container] section"))
            .check("triggers", (v) => (Array.isArray(v) ? undefined : "must be a list of strings"))
            .integer("startTimeoutSeconds", 10, 3600)
            .result();
    },

    async diff(_id, olds, news) {
        return diffFields(olds, news, { name: "replace", content: "update", triggers: "update", startTimeoutSeconds: "update", active: "update" },
            (f) => (f === "content" ? olds.contentSha256 : olds[f]),
            (f) => (f === "content" ? (isUnknown(news.content) ? news.content : sha256(news.content)) : f === "active" ? true : news[f]));
    },

    async create(inputs) {
        const p = inputs as ServiceInputs;
        const host = await hostOf(p);
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

    async read(id, props) {
        const p = { ...props, name: props.name ?? id } as ServiceOutputs;
        const o = await observe(await hostOf(p), p.name);
        if (!o.sha) return GONE;
        return { id, props: defined({ ...p, contentSha256: o.sha, active: o.active }) };
    },

    async update(_id, olds, news) {
        const p = news as ServiceInputs;
        const changed = sha256(p.content) !== olds.contentSha256 || JSON.stringify(p.triggers) !== JSON.stringify(olds.triggers);
        // Only this unit restarts: dependants are ordered after it with Wants=, which does not propagate restarts.
        const outs = await converge(await hostOf(p), p, changed && olds.active === true);
        return { outs: defined({ ...outs, adopted: olds.adopted }) };
    },

    async delete(_id, props) {
        const p = props as ServiceOutputs;
        const host = await hostOf(p);
        const entry = await readLedger(host, KIND, p.name);
        if (createdByUs(entry, p.adopted)) {
            await host.run([
                `u=${sh(unitOf(p.name))}`,
                'systemctl stop "$u" 2>/dev/null || true',
                `rm -f ${sh(fileOf(p.name))}`,
                "systemctl daemon-reload",
                'systemctl reset-failed "$u" 2>/dev/null || true',
                `podman rm -f -i ${sh(`hotstack-os-${p.name}`)} >/dev/null 2>&1 || true`,
            ].join("\n"), { what: `remove container service ${p.name}` });
        }
        await dropLedger(host, KIND, p.name);
    },
};

export class ContainerService extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly active: pulumi.Output<boolean>;
    declare readonly contentSha256: pulumi.Output<string>;

    constructor(name: string, args: ContainerServiceArgs, opts?: pulumi.CustomResourceOptions) {
        super(containerServiceProvider, name, { active: undefined, contentSha256: undefined, adopted: undefined, ...args }, opts, "hotstack", "ContainerService");
    }
}
