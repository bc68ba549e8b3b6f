// The disposable systemd test host (test/testhost/*.sh: a privileged systemd container with SSH
// on 127.0.0.1) from TypeScript: bring it up, reach it as a Pulumi connection would, run host
// tools on it, reboot it, remove it.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SshConnection } from "../../providers/host/connection";

const DIR = path.resolve(__dirname, "../testhost");

/** Which test host: its directory, SSH port and (for a second one beside it) container name, subnet and MAC. */
export interface TestHostSpec {
    th: string;
    sshPort: number;
    name?: string;
    subnetPrefix?: string;
    ctrMac?: string;
}

/** One disposable test host; the functions below use the one this process's environment names. */
export class TestHost {
    constructor(readonly spec: TestHostSpec) {}

    /** The environment every test-host script runs with: this process's, with this test host. */
    private env(): NodeJS.ProcessEnv {
        const s = this.spec;
        return {
            ...process.env, TH: s.th, SSH_PORT: String(s.sshPort),
            ...(s.name ? { NAME: s.name } : {}), ...(s.subnetPrefix ? { SUBNET_PREFIX: s.subnetPrefix } : {}), ...(s.ctrMac ? { CTR_MAC: s.ctrMac } : {}),
        };
    }

    private script(name: string, args: string[] = [], opts: { quiet?: boolean } = {}): string {
        const r = childProcess.spawnSync("bash", [path.join(DIR, name), ...args], {
            env: this.env(),
            stdio: ["ignore", "pipe", opts.quiet ? "pipe" : "inherit"],
            maxBuffer: 64 * 1024 * 1024,
        });
        if (r.status !== 0) throw new Error(`${name} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr ?? ""}`);
        return r.stdout.toString();
    }

    /** Builds the rootfs (cached) and starts the host; `fresh` starts from an empty container. */
    start(fresh = false): SshConnection {
        this.script("build-rootfs.sh");
        this.script("start.sh", fresh ? ["--fresh"] : []);
        return this.connection();
    }

    connection(): SshConnection {
        return {
            kind: "ssh",
            address: "127.0.0.1",
            port: this.spec.sshPort,
            user: "root",
            privateKey: fs.readFileSync(path.join(this.spec.th, "ssh", "id_ed25519"), "utf8"),
            hostKeySha256: this.script("hostkey.sh", [], { quiet: true }).trim(),
        };
    }

    stop(purge = false): void {
        this.script("stop.sh", purge ? ["--purge"] : []);
    }

    /** Restarts the container: systemd shuts down and boots again, like a host reboot. */
    reboot(): void {
        this.script("reboot.sh");
    }

    /** Loads the Debian trixie base image the product builds on (no registry on the test host). */
    loadBaseImage(): void {
        this.script("load-base-image.sh");
    }

    /** Runs `cmd` on the test host through ssh.sh (every on-host helper comes here). */
    private ssh(cmd: string, opts: childProcess.SpawnSyncOptions): childProcess.SpawnSyncReturns<Buffer> {
        return childProcess.spawnSync("bash", [path.join(DIR, "ssh.sh"), cmd], { env: this.env(), ...opts }) as childProcess.SpawnSyncReturns<Buffer>;
    }

    /**
     * Starts `cmd` on the test host and returns at once: the promise settles when it ends (rejects
     * with its output tail on failure). Its output goes to a file on the host, so that the pipe never
     * fills while a synchronous onHost blocks this process's event loop.
     */
    inBackground(cmd: string, logFile: string): Promise<void> {
        const child = childProcess.spawn("bash", [path.join(DIR, "ssh.sh"), `( ${cmd} ) > ${logFile} 2>&1 || { tail -20 ${logFile}; exit 1; }`], {
            env: this.env(),
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        return new Promise((resolve, reject) => child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`on test host (background): ${cmd}\nexit ${code}\n${out}`)))));
    }

    /** Runs a shell command on the test host; throws with its output on failure. */
    run(cmd: string, opts: { allowFailure?: boolean } = {}): string {
        const r = this.ssh(cmd, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
        if (r.status !== 0 && !opts.allowFailure) throw new Error(`on test host ${this.spec.th}: ${cmd}\nexit ${r.status}\n${r.stdout}${r.stderr}`);
        return r.stdout.toString();
    }

    ok(cmd: string): boolean {
        return this.ssh(cmd, { stdio: "ignore" }).status === 0;
    }

    /** A command's exit status (null: killed after `timeoutMs`) and stderr on the test host; `input`
     *  (e.g. a password) goes to its stdin, never argv. */
    status(cmd: string, input: string, timeoutMs = 60_000): { status: number | null; stderr: string } {
        const r = this.ssh(cmd, { input, timeout: timeoutMs, stdio: ["pipe", "ignore", "pipe"] });
        return { status: r.status, stderr: r.stderr.toString() };
    }

    /** Copies a local image to the test host (podman save | podman load over ssh). */
    copyImage(image: string): void {
        if (this.ok(`podman image exists ${image}`)) return;
        childProcess.execSync(`podman save ${image} | bash ${path.join(DIR, "ssh.sh")} 'podman load -q'`, {
            env: this.env(),
            stdio: ["ignore", "ignore", "inherit"],
            shell: "/bin/bash",
        });
    }
}

/** The test host this process's environment names (TH, SSH_PORT, NAME, SUBNET_PREFIX, CTR_MAC; CI runs several side by side). */
export const TH = process.env.TH ?? "/var/tmp/hotstack-testhost";
export const SSH_PORT = Number(process.env.SSH_PORT ?? 2223);
export const defaultTestHost = new TestHost({ th: TH, sshPort: SSH_PORT });
const current = defaultTestHost;

export const startTestHost = (fresh = false): SshConnection => current.start(fresh);
export const testHostConnection = (): SshConnection => current.connection();
export const stopTestHost = (purge = false): void => current.stop(purge);
export const rebootTestHost = (): void => current.reboot();
export const loadBaseImage = (): void => current.loadBaseImage();
export const onHostInBackground = (cmd: string, logFile: string): Promise<void> => current.inBackground(cmd, logFile);
export const onHost = (cmd: string, opts: { allowFailure?: boolean } = {}): string => current.run(cmd, opts);
export const onHostOk = (cmd: string): boolean => current.ok(cmd);
export const onHostStatus = (cmd: string, input: string, timeoutMs = 60_000) => current.status(cmd, input, timeoutMs);
export const copyImageToHost = (image: string): void => current.copyImage(image);

/**
 * Stack config that makes the test host host "main" for the providers under test (pass it to
 * setTestConfig): resources name their host, and the providers look the connection up here.
 */
export function testHostConfig(c: SshConnection): Record<string, unknown> {
    return { host: `ssh://${c.user}@${c.address}:${c.port ?? 22}`, sshPrivateKey: c.privateKey, sshHostKey: c.hostKeySha256 };
}
