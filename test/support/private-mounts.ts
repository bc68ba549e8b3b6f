// Runs a piece of test code in a child process with a private mount namespace, where some paths
// of this machine are replaced by bind mounts: how a test shows the providers a host without a
// kvm group or with Open vSwitch down, without changing this machine for the tests running beside.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/**
 * Runs `body` (TypeScript statements in an async function; `support` is test/support/providers,
 * `root` the repository) where each key of `binds` (a path on this machine) shows the value (a
 * file or directory). Returns what the body returns, through JSON.
 */
export function inPrivateMounts<T>(binds: Record<string, string>, body: string): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-private-mounts-"));
    try {
        fs.writeFileSync(`${dir}/run.ts`, [
            `import * as support from ${JSON.stringify(path.join(ROOT, "test/support/providers"))};`,
            `const root = ${JSON.stringify(ROOT)};`,
            "(async () => {",
            body,
            "})().then((r) => console.log(\"RESULT \" + JSON.stringify(r ?? null)), (e) => { console.error(e); process.exit(1); });",
        ].join("\n"));
        const mounts = Object.entries(binds).map(([target, source]) => `mount --bind '${source}' '${target}'`).join(" && ");
        const out = childProcess.execFileSync("unshare", ["--mount", "--propagation", "private", "sh", "-c",
            `${mounts} && exec "$0" -r ts-node/register/transpile-only ${dir}/run.ts`, process.execPath], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        const line = out.split("\n").find((l) => l.startsWith("RESULT "));
        if (!line) throw new Error(`no result from the child process:\n${out}`);
        return JSON.parse(line.slice("RESULT ".length)) as T;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
