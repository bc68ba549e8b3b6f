// The disposable systemd test host (test/testhost/*.sh: a privileged systemd container with SSH
// on 127.0.0.1) from TypeScript: bring it up, reach it as a Pulumi connection would, run host
// tools on it, reboot it, remove it.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SshConnection } from "../../providers/host/connection";

const DIR = path.resolve(__dirname, "../testhost");
export const TH = process.env.TH ?? "/var/tmp/hotstack-testhost";
export const SSH_PORT = Number(process.env.SSH_PORT ?? 2223);

/** The environment every test-host script runs with: this process's, with its test host. */
const scriptEnv = () => ({ ...process.env, TH, SSH_PORT: String(SSH_PORT) });

function script(name: string, args: string[] = [], opts: { quiet?: boolean } = {}): string {
    const r = childProcess.spawnSync("bash", [path.join(DIR, name), ...args], {
        env: scriptEnv(),
        stdio: ["ignore", "pipe", opts.quiet ? "pipe" : "inherit"],
        maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`${name} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr ?? ""}`);
    return r.stdout.toString();
}

/** Builds the rootfs (cached) and starts the host; `fresh` starts from an empty container. */
export function startTestHost(fresh = false): SshConnection {
    script("build-rootfs.sh");
    script("start.sh", fresh ? ["--fresh"] : []);
    return testHostConnection();
}

export function testHostConnection(): SshConnection {
    return {
        kind: "ssh",
        address: "127.0.0.1",
        port: SSH_PORT,
        user: "root",
        privateKey: fs.readFileSync(path.join(TH, "ssh", "id_ed25519"), "utf8"),
        hostKeySha256: script("hostkey.sh", [], { quiet: true }).trim(),
    };
}

/**
 * Stack config that makes the test host host "main" for the providers under test (pass it to
 * setTestConfig): resources name their host, and the providers look the connection up here.
 */
export function testHostConfig(c: SshConnection): Record<string, unknown> {
    return { host: `ssh://${c.user}@${c.address}:${c.port ?? 22}`, sshPrivateKey: c.privateKey, sshHostKey: c.hostKeySha256 };
}

export function stopTestHost(purge = false): void {
    script("stop.sh", purge ? ["--purge"] : []);
}

/** Restarts the container: systemd shuts down and boots again, like a host reboot. */
export function rebootTestHost(): void {
    script("reboot.sh");
}

/** Loads the Debian trixie base image the product builds on (no registry on the test host). */
export function loadBaseImage(): void {
    script("load-base-image.sh");
}

/** Runs `cmd` on the test host through ssh.sh (onHost, onHostOk and onHostStatus all come here). */
function ssh(cmd: string, opts: childProcess.SpawnSyncOptions): childProcess.SpawnSyncReturns<Buffer> {
    return childProcess.spawnSync("bash", [path.join(DIR, "ssh.sh"), cmd], { env: scriptEnv(), ...opts }) as childProcess.SpawnSyncReturns<Buffer>;
}

/**
 * Starts `cmd` on the test host and returns at once: the promise settles when it ends (rejects
 * with its output tail on failure). Its output goes to a file on the host, so that the pipe never
 * fills while a synchronous onHost blocks this process's event loop.
 */
export function onHostInBackground(cmd: string, logFile: string): Promise<void> {
    const child = childProcess.spawn("bash", [path.join(DIR, "ssh.sh"), `( ${cmd} ) > ${logFile} 2>&1 || { tail -20 ${logFile}; exit 1; }`], {
        env: scriptEnv(),
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    return new Promise((resolve, reject) => child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`on test host (background): ${cmd}\nexit ${code}\n${out}`)))));
}

/** Runs a shell command on the test host; throws with its output on failure. */
export function onHost(cmd: string, opts: { allowFailure?: boolean } = {}): string {
    const r = ssh(cmd, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0 && !opts.allowFailure) throw new Error(`on test host: ${cmd}\nexit ${r.status}\n${r.stdout}${r.stderr}`);
    return r.stdout.toString();
}

export function onHostOk(cmd: string): boolean {
    return ssh(cmd, { stdio: "ignore" }).status === 0;
}

/** A command's exit status (null: killed after `timeoutMs`) and stderr on the test host; `input`
 *  (e.g. a password) goes to its stdin, never argv. */
export function onHostStatus(cmd: string, input: string, timeoutMs = 60_000): { status: number | null; stderr: string } {
    const r = ssh(cmd, { input, timeout: timeoutMs, stdio: ["pipe", "ignore", "pipe"] });
    return { status: r.status, stderr: r.stderr.toString() };
}

/** Copies a local image to the test host (podman save | podman load over ssh). */
export function copyImageToHost(image: string): void {
    if (onHostOk(`podman image exists ${image}`)) return;
    childProcess.execSync(`podman save ${image} | bash ${path.join(DIR, "ssh.sh")} 'podman load -q'`, {
        env: scriptEnv(),
        stdio: ["ignore", "ignore", "inherit"],
        shell: "/bin/bash",
    });
}
