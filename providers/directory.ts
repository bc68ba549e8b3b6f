// Directory: a directory with exact owner, group and mode (setgid/sticky included).
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./host/connection";
import { statPath } from "./host/files";
import { claim, createdByUs, dropLedger, readLedger } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { checker, GONE, OWNER, diffFields, hostOf, normaliseMode, defined } from "./kit";

export interface DirectoryArgs {
    connection: pulumi.Input<Connection>;
    path: pulumi.Input<string>;
    owner?: pulumi.Input<string>;
    group?: pulumi.Input<string>;
    /** Octal mode, e.g. "0755" or "2775" (setgid). */
    mode?: pulumi.Input<string>;
}

interface DirectoryProps {
    connection: Connection;
    path: string;
    owner: string;
    group: string;
    mode: string;
    adopted?: boolean;
}

const KIND = "directory";

/** Sets owner and mode; clears set-id/sticky bits first because chmod keeps them on directories. */
function applyScript(p: DirectoryProps): string {
    return [
        "set -e",
        `p=${sh(p.path)}`,
        'mkdir -p -- "$p"',
        `chown ${sh(`${p.owner}:${p.group}`)} "$p"`,
        'chmod u-s,g-s,-t "$p"',
        `chmod ${sh(p.mode)} "$p"`,
    ].join("\n");
}

/** Ancestors of `path` that do not exist yet, deepest last. */
async function missingAncestors(host: Host, path: string): Promise<string[]> {
    const parts = path.split("/").filter(Boolean);
    const ancestors = parts.slice(0, -1).map((_, i) => "/" + parts.slice(0, i + 1).join("/"));
    if (ancestors.length === 0) return [];
    const r = await host.run(ancestors.map((a) => `[ -e ${sh(a)} ] || echo ${sh(a)}`).join("\n"));
    return r.stdout.split("\n").filter(Boolean);
}

async function converge(p: DirectoryProps, host: Host): Promise<DirectoryProps> {
    await host.run(applyScript(p), { what: `set up directory ${p.path}` });
    return p;
}

export const directoryProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        const inputs = { ...news, owner: news.owner ?? "root", group: news.group ?? "root", mode: typeof news.mode === "string" ? normaliseMode(news.mode) : (news.mode ?? "0755") };
        return checker(inputs)
            .absolutePath("path")
            .name("owner", OWNER, "a user name or uid")
            .name("group", OWNER, "a group name or gid")
            .mode("mode")
            .result();
    },

    async diff(_id, olds, news) {
        return diffFields(olds, news, { path: "replace", owner: "update", group: "update", mode: "update" });
    },

    async create(inputs) {
        const p = inputs as DirectoryProps;
        const host = await hostOf(p);
        const found = await statPath(host, p.path);
        if (found && found.type !== "directory") throw new Error(`${p.path} exists on ${host.label} and is not a directory`);
        const original = found && { owner: found.owner, group: found.group, mode: found.mode };
        const entry = await claim(host, KIND, p.path, original, found ? undefined : await missingAncestors(host, p.path));
        await converge(p, host);
        return { id: p.path, outs: { ...p, adopted: !entry.created } };
    },

    async read(id, props) {
        const p = { ...props, path: props.path ?? id } as DirectoryProps;
        const host = await hostOf(p);
        const st = await statPath(host, p.path);
        if (!st || st.type !== "directory") return GONE;
        const adopted = p.adopted ?? !(await readLedger(host, KIND, p.path))?.created;
        return { id, props: { ...p, owner: st.owner, group: st.group, mode: st.mode, adopted } };
    },

    async update(_id, olds, news) {
        const p = news as DirectoryProps;
        return { outs: defined({ ...(await converge(p, await hostOf(p))), adopted: olds.adopted }) };
    },

    async delete(_id, props) {
        const p = props as DirectoryProps;
        const host = await hostOf(p);
        const entry = await readLedger(host, KIND, p.path);
        if (createdByUs(entry, p.adopted)) {
            // Unmount anything below first (bind mounts made by services), so rm stays on this file system.
            await host.run([
                `p=${sh(p.path)}`,
                `awk -v p="$p/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" || true; done`,
                'rm -rf --one-file-system -- "$p"',
                ...[...(entry?.made ?? [])].reverse().map((a) => `rmdir -- ${sh(a)} 2>/dev/null || true`),
            ].join("\n"), { what: `remove directory ${p.path}` });
        } else if (entry?.original) {
            const o = entry.original as { owner: string; group: string; mode: string };
            await host.run(`[ -d ${sh(p.path)} ] || exit 0\n` + applyScript({ ...p, ...o }), { what: `restore directory ${p.path}` });
        }
        await dropLedger(host, KIND, p.path);
    },
};

export class Directory extends pulumi.dynamic.Resource {
    declare readonly path: pulumi.Output<string>;
    declare readonly owner: pulumi.Output<string>;
    declare readonly group: pulumi.Output<string>;
    declare readonly mode: pulumi.Output<string>;
    /** True when the directory existed before and is only adopted (never removed). */
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: DirectoryArgs, opts?: pulumi.CustomResourceOptions) {
        super(directoryProvider, name, { adopted: undefined, ...args }, opts, "hotstack", "Directory");
    }
}
