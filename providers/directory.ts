// Directory: a directory with exact owner, group and mode (setgid/sticky included). An attribute
// left out is not managed: services that chown their own data dirs are never fought over.
import * as pulumi from "@pulumi/pulumi";
import { statPath } from "./host/files";
import { claim, readLedger, release } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { checker, GONE, OWNER, diffFields, hostProvider, isUnknown, lines, normaliseMode, defined, progress } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface DirectoryArgs extends HostArgs {
    path: pulumi.Input<string>;
    owner?: pulumi.Input<string>;
    group?: pulumi.Input<string>;
    /** Octal mode, e.g. "0755" or "2775" (setgid). */
    mode?: pulumi.Input<string>;
    /** SELinux file type for the tree (e.g. "virt_var_lib_t"), applied only where SELinux is enabled. */
    selinuxType?: pulumi.Input<string>;
    /** Binds of this directory below these paths are the services' (nova's volume mounts): delete detaches them. */
    bindsUnder?: pulumi.Input<pulumi.Input<string>[]>;
}

interface DirectoryProps {
    path: string;
    owner?: string;
    group?: string;
    mode?: string;
    selinuxType?: string;
    bindsUnder?: string[];
    adopted?: boolean;
}

const KIND = "directory";

/** Sets owner and mode; clears set-id/sticky bits first because chmod keeps them on directories. */
function applyScript(p: DirectoryProps): string {
    return [
        "set -e",
        `p=${sh(p.path)}`,
        'mkdir -p -- "$p"',
        ...(p.owner ? [`chown ${sh(p.owner)} "$p"`] : []),
        ...(p.group ? [`chgrp ${sh(p.group)} "$p"`] : []),
        ...(p.mode ? ['chmod u-s,g-s,-t "$p"', `chmod ${sh(p.mode)} "$p"`] : []),
        // A file-context rule survives relabels; restorecon applies it now. Only where SELinux is on.
        ...(p.selinuxType
            ? [`if command -v selinuxenabled >/dev/null && selinuxenabled && command -v semanage >/dev/null; then semanage fcontext -a -t ${sh(p.selinuxType)} "$p(/.*)?" 2>/dev/null || semanage fcontext -m -t ${sh(p.selinuxType)} "$p(/.*)?"; restorecon -R "$p"; fi`]
            : []),
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

/** Only what this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): DirectoryProps {
    return defined({ path: p.path, owner: p.owner, group: p.group, mode: p.mode, selinuxType: p.selinuxType, bindsUnder: p.bindsUnder });
}

export const directoryProvider = hostProvider({
    async check(_olds, news) {
        const inputs = typeof news.mode === "string" ? { ...news, mode: normaliseMode(news.mode) } : { ...news };
        return checker(inputs)
            .absolutePath("path")
            .name("owner", OWNER, "a user name or uid", true)
            .name("group", OWNER, "a group name or gid", true)
            .check("mode", (v) => (typeof v === "string" && /^[0-7]{3,4}$/.test(v) ? undefined : 'must be an octal mode like "0755" or "2775"'), true)
            .name("selinuxType", /^[a-z0-9_]+_t$/, "an SELinux type like virt_var_lib_t", true)
            .check("bindsUnder", (v) => (Array.isArray(v) && v.every((x) => isUnknown(x) || (typeof x === "string" && /^\/[^\s]*[^/\s]$/.test(x))) ? undefined : "must be a list of absolute paths"), true)
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { path: "replace", owner: "update", group: "update", mode: "update", selinuxType: "update", bindsUnder: "update" });
    },

    async create(host, inputs) {
        const p = own(inputs);
        const found = await statPath(host, p.path);
        if (found && found.type !== "directory") throw new Error(`${p.path} exists on ${host.label} and is not a directory`);
        const original = found && { owner: found.owner, group: found.group, mode: found.mode };
        // (the original keeps every attribute, so delete can put back whatever was changed)
        const entry = await claim(host, KIND, p.path, original, found ? undefined : await missingAncestors(host, p.path));
        await host.run(applyScript(p), { what: `set up directory ${p.path}` });
        return { id: p.path, outs: { ...p, adopted: !entry.created } };
    },

    async read(host, id, props) {
        const p = own({ ...props, path: props.path ?? id });
        const st = await statPath(host, p.path);
        if (!st || st.type !== "directory") return GONE;
        const adopted = props.adopted ?? !(await readLedger(host, KIND, p.path))?.created;
        // Only managed attributes are reported, so an unmanaged one never shows as drift.
        return { id, props: defined({ ...p, owner: p.owner && st.owner, group: p.group && st.group, mode: p.mode && st.mode, adopted }) };
    },

    async update(host, _id, olds, news) {
        const p = own(news);
        await host.run(applyScript(p), { what: `set up directory ${p.path}` });
        return { outs: defined({ ...p, adopted: olds.adopted }) };
    },

    async delete(host, _id, props) {
        const p = own(props);
        await release(host, KIND, p.path, props.adopted, {
            async remove(entry) {
                await host.run([
                    "set -e",
                    `p=${sh(p.path)}`,
                    ...(p.selinuxType ? ['if command -v semanage >/dev/null; then semanage fcontext -d "$p(/.*)?" 2>/dev/null || true; fi'] : []),
                    // Detach, lazily, where a stop could not (a guest still holds a volume open): what is
                    // mounted below the path (services' binds), on the path itself (the shared-mounts
                    // unit binds it onto itself), and the services' binds of it below `bindsUnder` —
                    // two stacked there (nova's volume mounts land twice) make the lower one's root,
                    // this very directory, a mount point, and rmdir fails "busy". A directory this
                    // program made holds nothing of anyone else's; binds of it elsewhere are left alone.
                    // A mount can still arrive while the services' last stops settle: try again for a
                    // while, then name what is mounted on, below or of the path.
                    // The path inside its file system (mountinfo's root field of binds of it), from
                    // its parent: the path itself may still be a mount point.
                    'parent=$(dirname -- "$p"); set -- $(findmnt -rn -o MAJ:MIN,TARGET,FSROOT -T "$parent")',
                    'dev=${1:-none}; pp=${parent#"${2%/}"}; rel="${3%/}${pp%/}/${p##*/}"',
                    // Lazily detaches each mount point read from stdin, deepest (and latest stacked) first.
                    'unmount_each() { sort -r | while read -r m; do umount -l "$m"; done; }',
                    "detach() {",
                    `  awk -v p="$p/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | unmount_each`,
                    '  for i in 1 2 3 4 5 6 7 8; do mountpoint -q "$p" || break; umount -l "$p"; done',
                    ...(p.bindsUnder?.length
                        ? [`  awk -v d="$dev" -v r="$rel" ${p.bindsUnder.map((u, i) => `-v u${i}=${sh(`${u}/`)}`).join(" ")} '$3 == d && ($4 == r || index($4, r "/") == 1) && (${p.bindsUnder.map((_, i) => `index($5, u${i}) == 1`).join(" || ")}) {print $5}' /proc/self/mountinfo | unmount_each`]
                        : []),
                    "  :",
                    "}",
                    `mounts() { awk -v p="$p" -v d="$dev" -v r="$rel" '$5 == p || index($5, p "/") == 1 || ($3 == d && ($4 == r || index($4, r "/") == 1))' /proc/self/mountinfo; }`,
                    "n=0",
                    // rm decides: a detach that failed still leaves rm its chance.
                    'until detach; rm -rf --one-file-system -- "$p"; do',
                    "  n=$((n + 1))",
                    `  [ "$n" -gt 1 ] || echo "PROGRESS in use, trying again for 30 s; mounted on, below or of it: $(mounts | tr '\\n' ';')"`,
                    '  if [ "$n" -ge 15 ]; then',
                    '    echo "$p is still in use after 30 s; mounted on, below or of it (/proc/self/mountinfo):" >&2',
                    "    mounts >&2",
                    "    exit 1",
                    "  fi",
                    "  sleep 2",
                    "done",
                    // Parents this program made are removed only when nothing else was put in them.
                    ...[...(entry?.made ?? [])].reverse().map((a) => `rmdir -- ${sh(a)} 2>/dev/null || true`),
                ].join("\n"), {
                    what: `remove directory ${p.path}`,
                    onOutput: lines((l) => l.startsWith("PROGRESS ") && progress(`directory ${p.path}`, l.slice(9), true)),
                });
            },
            async restore(original) {
                const o = original as { owner: string; group: string; mode: string };
                await host.run(`[ -d ${sh(p.path)} ] || exit 0\n` + applyScript({ ...p, ...o, selinuxType: undefined }), { what: `restore directory ${p.path}` });
            },
        });
    },
});

export class Directory extends HostResource {
    declare readonly path: pulumi.Output<string>;
    declare readonly owner: pulumi.Output<string>;
    declare readonly group: pulumi.Output<string>;
    declare readonly mode: pulumi.Output<string>;
    /** True when the directory existed before and is only adopted (never removed). */
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: DirectoryArgs, opts?: pulumi.CustomResourceOptions) {
        super(directoryProvider, "Directory", name, { owner: undefined, group: undefined, mode: undefined, adopted: undefined, ...args }, opts);
    }
}
