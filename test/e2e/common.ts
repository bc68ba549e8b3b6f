// Shared by the e2e scripts: the test stack's config for the disposable test host, running the
// real program (index.ts) through the harness, timing, and checks on the host with its own tools.
import * as fs from "node:fs";
import * as path from "node:path";
import * as childProcess from "node:child_process";
import * as readline from "node:readline";
import { HarnessOptions, Report, changeCount, up } from "../harness/engine";
import { SshConnection } from "../../providers/host/connection";
import { TH, TestHost, defaultTestHost } from "../support/testhost";

/** What the test host needs beyond the defaults: no openvswitch module, no usable KVM. */
export function testStackConfig(conn: SshConnection, extra: Record<string, string> = {}, secrets: Record<string, string> = {}): Pick<HarnessOptions, "config" | "secretConfig"> {
    return {
        config: {
            host: `ssh://${conn.user}@${conn.address}:${conn.port}`,
            sshPrivateKey: conn.privateKey!,
            sshHostKey: conn.hostKeySha256!,
            ovsDatapathType: "netdev",
            virtType: "qemu",
            // The test host runs cgroup v1 where nested containers share one cgroup: tearing down
            // one build container can kill a concurrent one ("container exited on killed").
            buildParallel: "1",
            ...extra,
            ...secrets,
        },
        secretConfig: ["sshPrivateKey", ...Object.keys(secrets)],
    };
}

export const program = (): Promise<Record<string, unknown>> => require("../../index")();

const ROOT = path.resolve(__dirname, "../..");

/**
 * A copy of the program (index.ts, components, providers, assets, project files) in the test's
 * work directory, with the repository's node_modules: for runs that edit the program's files
 * (e.g. touch a Containerfile), so that a killed run never leaves the repository dirty.
 */
export function workCopy(name: string): { dir: string; program: () => Promise<Record<string, unknown>> } {
    const dir = path.join(TH, `work-${name}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ["index.ts", "components", "providers", "assets", "Pulumi.yaml", "package.json", "tsconfig.json"]) {
        fs.cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    return { dir, program: () => require(path.join(dir, "index.ts"))() };
}

export function stateFile(name: string): string {
    return path.join(TH, `${name}-state.json`);
}

export function log(line: string): void {
    console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

export async function converge(what: string, opts: HarnessOptions, prog: () => Promise<Record<string, unknown>> = program): Promise<Report & { seconds: number }> {
    const t = Date.now();
    const r = await up(prog, { refresh: true, log: (l) => log(`    ${l}`), ...opts });
    const seconds = (Date.now() - t) / 1000;
    log(`${what}: ${seconds.toFixed(1)} s, ${changeCount(r)} changes ${JSON.stringify(r.ops)}`);
    for (const st of r.steps) log(`    ${st.op} ${st.urn.split("::").pop()}`);
    return { ...r, seconds };
}

/**
 * Destroy in a fresh process, from the state file alone, as `pulumi destroy` does with
 * `refresh: always`: read everything back first (with the connection stored in the state),
 * then delete in parallel along the dependency graph.
 */
export function destroyFresh(state: string): { ops: Record<string, number> } {
    const out = childProcess.execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "../harness/cli.ts"), "destroy", state, "--refresh"], { stdio: ["ignore", "pipe", "inherit"] });
    return JSON.parse(out.toString());
}

export interface Check {
    name: string;
    /** Shell run on the test host; its output is matched. */
    cmd: string;
    expect: RegExp;
}

/** Runs checks on a test host (default: this process's); returns the names of the failed ones (and prints each). */
export function runChecks(checks: Check[], on: TestHost = defaultTestHost): string[] {
    const failed: string[] = [];
    for (const c of checks) {
        const out = on.run(c.cmd, { allowFailure: true });
        const ok = c.expect.test(out);
        if (!ok) failed.push(c.name);
        log(`  ${ok ? "ok  " : "FAIL"} ${c.name}${ok ? "" : `: got ${JSON.stringify(out.trim().slice(0, 300))}`}`);
    }
    return failed;
}

export function figures(values: Record<string, string | number>): string {
    return Object.entries(values).map(([k, v]) => `${k}=${v}`).join(" ");
}

export function rmState(file: string): void {
    fs.rmSync(file, { force: true });
}

/** SIGKILL of a run's whole process group (its provider processes inside it). */
export function killGroup(pid: number): string | undefined {
    try {
        process.kill(-pid, "SIGKILL");
    } catch {
        // already over
    }
    return `SIGKILL of run ${pid}'s process group`;
}

/**
 * One `up` in a child process (its own process group, the provider processes inside it),
 * interrupted as soon as `killAt` matches a line of its log: by default killed with SIGKILL of
 * the whole group; `interrupt` may do otherwise (drop its connection) and says what it did, or
 * undefined when it found nothing to interrupt (then the run was not interrupted).
 */
export function killedRun(opts: object, programFile: string, killAt: RegExp, delayMs: number, onLine: (l: string) => void, interrupt: (pid: number) => string | undefined = killGroup): Promise<{ killed: boolean; line?: string }> {
    return new Promise((resolve, reject) => {
        const child = childProcess.spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "run-once.ts")], {
            detached: true, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, HOTSTACK_E2E_OPTS: JSON.stringify(opts), HOTSTACK_E2E_PROGRAM: programFile },
        });
        let killed = false;
        let hit: string | undefined;
        readline.createInterface({ input: child.stdout! }).on("line", (line) => {
            console.log(line);
            onLine(line);
            if (killed || hit || !killAt.test(line)) return;
            hit = line;
            setTimeout(() => {
                const did = interrupt(child.pid!);
                killed = did !== undefined;
                log(`  ${did ?? "nothing to interrupt"}, ${delayMs} ms after: ${line.trim()}`);
            }, delayMs);
        });
        child.once("error", reject);
        child.once("exit", () => resolve({ killed, line: hit }));
    });
}
