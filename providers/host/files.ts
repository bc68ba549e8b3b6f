// File-level operations built on Host.run, so local and SSH hosts behave identically.
import { Host } from "./transport";
import { sh } from "./shell";

export interface PathStat {
    type: "file" | "directory" | "symlink" | "other";
    /** Permission bits incl. setuid/setgid/sticky, four octal digits ("2775"). */
    mode: string;
    uid: number;
    gid: number;
    owner: string;
    group: string;
    size: number;
}

const STAT_FORMAT = "%F|%a|%u|%g|%U|%G|%s";

export function parseStat(line: string): PathStat {
    const [kind, mode, uid, gid, owner, group, size] = line.trim().split("|");
    return {
        type: kind === "directory" ? "directory" : kind.startsWith("regular") ? "file" : kind === "symbolic link" ? "symlink" : "other",
        mode: mode.padStart(4, "0"),
        uid: Number(uid),
        gid: Number(gid),
        owner,
        group,
        size: Number(size),
    };
}

/** stat(1) of a path, or undefined when it does not exist. */
export async function statPath(host: Host, path: string): Promise<PathStat | undefined> {
    // Absence is an answer; stat failing on a path that is there is an error.
    const r = await host.run(`p=${sh(path)}; if [ -e "$p" ] || [ -L "$p" ]; then stat -c ${sh(STAT_FORMAT)} -- "$p"; fi`, { what: `stat ${path}` });
    return r.stdout.trim() ? parseStat(r.stdout) : undefined;
}

export interface WriteOptions {
    mode: string;
    owner: string;
    group: string;
}

/**
 * Writes a file atomically: the content goes to a 0600 temp file beside the target (through
 * stdin, so secrets never appear in argv), gets its owner and mode, then is renamed over the
 * target. A bind-mounted target (e.g. /etc/hosts inside a container) cannot be renamed over;
 * then the content is copied into it in place.
 */
export function writeFileScript(path: string, o: WriteOptions): string {
    return [
        "set -e",
        `p=${sh(path)}`,
        't=$(mktemp "$(dirname "$p")/.hotstack-os.XXXXXX")',
        "trap 'rm -f \"$t\"' EXIT",
        'cat > "$t"',
        `chown ${sh(`${o.owner}:${o.group}`)} "$t"`,
        `chmod ${sh(o.mode)} "$t"`,
        'if ! mv -f "$t" "$p" 2>/dev/null; then cat "$t" > "$p"; fi',
    ].join("\n");
}

export async function writeFile(host: Host, path: string, content: string | Buffer, o: WriteOptions): Promise<void> {
    await host.run(writeFileScript(path, o), { stdin: content, what: `write ${path}` });
}

/** File content, or undefined when the file does not exist. */
export async function readFile(host: Host, path: string): Promise<string | undefined> {
    const r = await host.run(`if [ -f ${sh(path)} ]; then printf 'Y'; cat -- ${sh(path)}; fi`, { what: `read ${path}`, secretOutput: true });
    return r.stdout.startsWith("Y") ? r.stdout.slice(1) : undefined;
}
