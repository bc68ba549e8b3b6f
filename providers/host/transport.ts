// One way to run a script on the host, locally or over SSH, as root (directly or via sudo -n).
// Providers are serialized by closure capture: this module is copied into every provider, so
// shared state (the SSH pool) lives on globalThis, and ssh2 is required lazily so local-only
// stacks never load it.
import * as childProcess from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Client, ClientChannel } from "ssh2";
import { Connection, SshConnection, hostLabel, normaliseFingerprint } from "./connection";
import { PRELUDE, command } from "./shell";

export interface ExecResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface RunOptions {
    /** Bytes for the script's stdin: the only way secrets reach the host. */
    stdin?: string | Buffer;
    /** Throw HostCommandError on a non-zero exit (default true). */
    check?: boolean;
    /** What the script does, for error messages ("create directory /x"). */
    what?: string;
    /** Kill the script after this long. */
    timeoutMs?: number;
    /** Sees the output as it arrives (for progress during long commands); it is still collected. */
    onOutput?: (stream: "stdout" | "stderr", text: string) => void;
    /** stdout may hold secrets (a file's content): a failure never shows or keeps it. */
    secretOutput?: boolean;
}

export interface Host {
    readonly label: string;
    run(script: string, opts?: RunOptions): Promise<ExecResult>;
    /** The host's /etc/machine-id: its identity, which survives a new SSH host key or address. */
    machineId(): Promise<string>;
}

/**
 * A failed command: names the host, what was attempted, the exit status and the stderr tail.
 * (Not `code`: the provider host hands errors to gRPC, which would read a numeric code as a status.)
 */
export interface HostCommandError extends Error {
    host: string;
    what: string;
    exitCode: number;
    stderr: string;
    stdout: string;
}

/**
 * Builds a HostCommandError. A plain Error rather than a subclass: the closure serializer
 * rewrites classes as functions, and a rewritten Error subclass loses its message.
 */
export function hostCommandError(host: string, what: string, exitCode: number, stderr: string, stdout: string, secretOutput = false): HostCommandError {
    if (secretOutput) stdout = "";
    const tail = (stderr.trim() || stdout.trim()).split("\n").slice(-15).join("\n");
    const e = new Error(`${what} failed on ${host} (exit ${exitCode})${tail ? ":\n" + tail : ""}`) as HostCommandError;
    e.name = "HostCommandError";
    Object.assign(e, { host, what, exitCode, stderr, stdout });
    return e;
}

/**
 * A script that must not outlive its connection (an image build) writes a NUL byte to stderr
 * every few seconds: once the connection is gone the write fails and the script stops its work
 * (see container-image.ts). NUL never appears in text output; it is dropped here, on arrival.
 */
const dropHeartbeats = (d: Buffer): Buffer => (d.includes(0) ? Buffer.from(d.filter((b) => b !== 0)) : d);

/** Channels per SSH connection: sshd's MaxSessions defaults to 10. */
const MAX_CHANNELS = 8;

interface PooledSsh {
    client: Promise<Client>;
    busy: number;
    waiters: (() => void)[];
}

interface TransportStats {
    sshConnections: number;
    execs: number;
}

// Looked up by name at call time: a captured Symbol does not survive serialization.
function pool(): Map<string, PooledSsh> {
    const g = globalThis as any;
    return (g[Symbol.for("hotstack-os.transport.pool")] ??= new Map<string, PooledSsh>());
}

/** Counters for benchmarks and tests: SSH connections opened and scripts run in this process. */
export function transportStats(): TransportStats {
    const g = globalThis as any;
    return (g[Symbol.for("hotstack-os.transport.stats")] ??= { sshConnections: 0, execs: 0 });
}

/** Closes every pooled SSH connection (tests and CLI tools; a provider process just exits). */
export async function closeAllConnections(): Promise<void> {
    const entries = [...pool().values()];
    pool().clear();
    await Promise.all(entries.map(async (e) => {
        try {
            (await e.client).end();
        } catch {
            // a connection that never came up has nothing to close
        }
    }));
}

function machineIds(): Map<string, Promise<string>> {
    const g = globalThis as any;
    return (g[Symbol.for("hotstack-os.transport.machineIds")] ??= new Map<string, Promise<string>>());
}

/** Reads (once per process and host) the identity of the machine behind a host. */
function identity(key: string, run: Host["run"]): Promise<string> {
    let id = machineIds().get(key);
    if (!id) {
        id = run("cat /etc/machine-id 2>/dev/null || cat /var/lib/dbus/machine-id", { what: "read /etc/machine-id" }).then((r) => r.stdout.trim());
        id.catch(() => machineIds().delete(key));
        machineIds().set(key, id);
    }
    return id;
}

export async function connect(conn: Connection): Promise<Host> {
    const label = hostLabel(conn);
    const wrap = (script: string) => (conn.sudo ? ["sudo", "-n", "/bin/sh", "-c", PRELUDE + script] : ["/bin/sh", "-c", PRELUDE + script]);
    const finish = (script: string, opts: RunOptions, r: ExecResult) => {
        transportStats().execs++;
        if (opts.check !== false && r.code !== 0) {
            throw hostCommandError(label, opts.what ?? firstLine(script), r.code, r.stderr, r.stdout, opts.secretOutput);
        }
        return r;
    };
    if (conn.kind === "local") {
        const run: Host["run"] = async (script, opts = {}) => finish(script, opts, await runLocal(wrap(script), opts));
        return { label, run, machineId: () => identity("local", run) };
    }
    const entry = sshEntry(conn);
    await entry.client;
    const run: Host["run"] = async (script, opts = {}) => finish(script, opts, await runSsh(entry, command(wrap(script)), opts));
    return { label, run, machineId: () => identity(`${conn.address}:${conn.port ?? 22}`, run) };
}

function firstLine(script: string): string {
    const line = script.trim().split("\n")[0];
    return line.length > 120 ? line.slice(0, 117) + "..." : line;
}

function runLocal(argv: string[], opts: RunOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
        // A process group of its own, like a script run over SSH: a signal to Pulumi's group (Ctrl-C,
        // a kill) must not reach a build directly (killed alone, podman leaves its RUN step running);
        // the closed pipes stop it instead (container-image.ts).
        const child = childProcess.spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], detached: true });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
        child.stdout.on("data", (d: Buffer) => (out.push(d), opts.onOutput?.("stdout", d.toString())));
        child.stderr.on("data", (raw: Buffer) => {
            const d = dropHeartbeats(raw);
            err.push(d);
            opts.onOutput?.("stderr", d.toString());
        });
        child.on("error", reject);
        child.on("close", (code, signal) => {
            if (timer) clearTimeout(timer);
            resolve({
                code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : -1),
                stdout: Buffer.concat(out).toString(),
                stderr: Buffer.concat(err).toString() + (signal === "SIGKILL" && timer ? `\n(killed after ${opts.timeoutMs} ms)` : ""),
            });
        });
        child.stdin.on("error", () => undefined); // the script may exit without reading stdin
        child.stdin.end(opts.stdin ?? "");
    });
}

function sshEntry(conn: SshConnection): PooledSsh {
    const key = crypto.createHash("sha256")
        .update(JSON.stringify([conn.address, conn.port ?? 22, conn.user, conn.privateKey ?? "", conn.agent ?? false, conn.hostKeySha256 ?? ""]))
        .digest("hex");
    const existing = pool().get(key);
    if (existing) return existing;
    const entry: PooledSsh = { client: openSsh(conn, () => pool().get(key) === entry && pool().delete(key)), busy: 0, waiters: [] };
    pool().set(key, entry);
    entry.client.catch(() => pool().get(key) === entry && pool().delete(key));
    return entry;
}

function openSsh(conn: SshConnection, forget: () => void): Promise<Client> {
    const { Client: SshClient } = require("ssh2") as typeof import("ssh2");
    const label = hostLabel(conn);
    return new Promise((resolve, reject) => {
        const client = new SshClient();
        let presented = "";
        let refusal = "";
        let ready = false;
        client.on("ready", () => {
            ready = true;
            // Without TCP_NODELAY every exec round trip waits ~40 ms for delayed ACKs.
            client.setNoDelay(true);
            transportStats().sshConnections++;
            resolve(client);
        });
        client.on("error", (e: Error) => {
            forget();
            if (ready) return;
            const why = refusal ? refusal : presented && /verification failed|Host denied/i.test(e.message)
                ? `host key SHA256:${presented} of ${conn.address}:${conn.port ?? 22} is not the pinned one (${conn.hostKeySha256 ?? "none pinned"}); check it with ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host`
                : e.message;
            reject(new Error(`cannot connect to ${label}: ${why}`));
        });
        client.on("close", forget);
        client.connect({
            host: conn.address,
            port: conn.port ?? 22,
            username: conn.user,
            privateKey: conn.privateKey,
            agent: conn.agent ? process.env.SSH_AUTH_SOCK : undefined,
            readyTimeout: 20000,
            keepaliveInterval: 15000,
            keepaliveCountMax: 4,
            hostVerifier: (hostKey: Buffer) => {
                presented = crypto.createHash("sha256").update(hostKey).digest("base64").replace(/=+$/, "");
                try {
                    return verifyHostKey(conn, presented);
                } catch (e) {
                    refusal = (e as Error).message;
                    return false;
                }
            },
        });
    });
}

/** Pinned keys must match; unpinned ones are accepted only with trust-on-first-use, and then remembered. */
function verifyHostKey(conn: SshConnection, presented: string): boolean {
    if (conn.hostKeySha256) return normaliseFingerprint(conn.hostKeySha256) === presented;
    if (!conn.trustOnFirstUse) return false;
    const store = process.env.HOTSTACK_KNOWN_HOSTS ?? path.join(os.homedir(), ".config", "hotstack-os", "known_hosts.json");
    const hostId = `${conn.address}:${conn.port ?? 22}`;
    let known: Record<string, string> = {};
    let text: string | undefined;
    try {
        text = fs.readFileSync(store, "utf8");
    } catch {
        // no store yet: this is the first use
    }
    if (text !== undefined) {
        // Never overwrite a store we cannot read: that would forget every other pinned host.
        try {
            known = JSON.parse(text);
        } catch (e) {
            throw new Error(`${store} is not valid JSON (${(e as Error).message}); fix or remove it (it pins the SSH host keys seen on first use)`);
        }
    }
    if (known[hostId] && known[hostId] !== presented) {
        throw new Error(`host key SHA256:${presented} of ${hostId} differs from SHA256:${known[hostId]}, remembered on first use in ${store}: refused. If the host's key was changed on purpose, pin the new one (config sshHostKey) or remove its line from that file`);
    }
    if (known[hostId]) return true;
    known[hostId] = presented;
    fs.mkdirSync(path.dirname(store), { recursive: true, mode: 0o700 });
    const tmp = `${store}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(known, null, 2) + "\n", { mode: 0o600 });
    fs.renameSync(tmp, store);
    return true;
}

async function runSsh(entry: PooledSsh, cmd: string, opts: RunOptions): Promise<ExecResult> {
    const client = await entry.client;
    // A freed slot is handed straight to the next waiter, so a newcomer can never slip in between.
    if (entry.busy < MAX_CHANNELS) entry.busy++;
    else await new Promise<void>((r) => entry.waiters.push(r));
    try {
        return await execWithRetry(client, cmd, opts);
    } finally {
        const next = entry.waiters.shift();
        if (next) next();
        else entry.busy--;
    }
}

/**
 * sshd frees a session slot a little after the client sees the channel close, so rapid
 * short commands can briefly hit MaxSessions: retry the channel open a few times.
 */
async function execWithRetry(client: Client, cmd: string, opts: RunOptions): Promise<ExecResult> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await execOnce(client, cmd, opts);
        } catch (e) {
            if (!/Channel open failure/.test((e as Error).message) || attempt >= 20) throw e;
            await new Promise((r) => setTimeout(r, 5 * attempt));
        }
    }
}

function execOnce(client: Client, cmd: string, opts: RunOptions): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
        client.exec(cmd, (err: Error | undefined, stream: ClientChannel) => {
            if (err) return reject(err);
            const out: Buffer[] = [];
            const errs: Buffer[] = [];
            const timer = opts.timeoutMs ? setTimeout(() => stream.close(), opts.timeoutMs) : undefined;
            stream.on("data", (d: Buffer) => (out.push(d), opts.onOutput?.("stdout", d.toString())));
            stream.stderr.on("data", (raw: Buffer) => {
                const d = dropHeartbeats(raw);
                errs.push(d);
                opts.onOutput?.("stderr", d.toString());
            });
            stream.on("close", (code: number | null, signal?: string) => {
                if (timer) clearTimeout(timer);
                resolve({
                    code: code ?? (signal ? 128 : -1),
                    stdout: Buffer.concat(out).toString(),
                    stderr: Buffer.concat(errs).toString(),
                });
            });
            stream.end(opts.stdin ?? "");
        });
    });
}
