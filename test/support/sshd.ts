// A real OpenSSH server on 127.0.0.1 for the tests: throwaway host and client keys, a pinned
// host key, a free port, and a dedicated non-root user with a plain /bin/sh and passwordless
// sudo (so the sudo path is what gets tested, and no rc files slow every exec down).
// Everything it makes is removed by stop(), by name.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { SshConnection } from "../../providers/host/connection";

/** One test user per test process, so test files that run at the same time never share (or remove) it. */
export const SSH_TEST_USER = `hotstack-ci${process.pid % 100000}`;

export interface TestSshd {
    /** Non-root user with sudo (the normal remote case). */
    sudoConnection: SshConnection;
    /** root with the same key (no sudo). */
    rootConnection: SshConnection;
    hostKeySha256: string;
    port: number;
    /** The listening sshd's process id (sessions are its children). */
    pid: number;
    /** SSH connections accepted so far (from sshd's own log). */
    accepted(): number;
    stop(): Promise<void>;
}

const run = (cmd: string) => childProcess.execSync(cmd, { stdio: ["ignore", "pipe", "pipe"] }).toString();

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

async function waitForPort(port: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = net.connect(port, "127.0.0.1", () => {
                s.end();
                resolve(true);
            });
            s.on("error", () => resolve(false));
        });
        if (ok) return;
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd did not listen on 127.0.0.1:${port} within ${ms} ms`);
}

/** Starts an sshd with fresh host and client keys; `port` reuses a port (a key rotation on the same address). */
export async function startSshd(opts: { port?: number } = {}): Promise<TestSshd> {
    if (!fs.existsSync("/usr/sbin/sshd")) throw new Error("openssh-server is not installed (apt-get install openssh-server)");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-sshd-"));
    fs.chmodSync(dir, 0o755);
    run(`ssh-keygen -q -t ed25519 -N '' -f ${dir}/host_key`);
    run(`ssh-keygen -q -t ed25519 -N '' -f ${dir}/client_key`);
    fs.copyFileSync(`${dir}/client_key.pub`, `${dir}/authorized_keys`);
    fs.chmodSync(`${dir}/authorized_keys`, 0o644);
    const hostKeySha256 = run(`ssh-keygen -lf ${dir}/host_key.pub`).split(/\s+/)[1];

    // The test user: plain shell, unlocked for key logins (UsePAM no refuses locked accounts).
    const createdUser = !userExists(SSH_TEST_USER);
    if (createdUser) run(`useradd --create-home --shell /bin/sh ${SSH_TEST_USER} && usermod -p '*' ${SSH_TEST_USER}`);
    fs.writeFileSync(`/etc/sudoers.d/${SSH_TEST_USER}`, `${SSH_TEST_USER} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });

    const port = opts.port ?? (await freePort());
    fs.writeFileSync(`${dir}/sshd_config`, [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${dir}/host_key`,
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        `PidFile ${dir}/sshd.pid`,
        "UsePAM no",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        `AllowUsers root ${SSH_TEST_USER}`,
        "MaxStartups 100:30:200",
        "LogLevel INFO", // one "Accepted publickey" line per connection: tests count them
        "",
    ].join("\n"));
    fs.mkdirSync("/run/sshd", { recursive: true });
    const child = childProcess.spawn("/usr/sbin/sshd", ["-D", "-e", "-f", `${dir}/sshd_config`], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    try {
        await waitForPort(port, 5000);
    } catch (e) {
        child.kill();
        throw new Error(`${(e as Error).message}: ${stderr}`);
    }
    const privateKey = fs.readFileSync(`${dir}/client_key`, "utf8");
    const base = { kind: "ssh" as const, address: "127.0.0.1", port, privateKey, hostKeySha256 };
    return {
        sudoConnection: { ...base, user: SSH_TEST_USER, sudo: true },
        rootConnection: { ...base, user: "root" },
        hostKeySha256,
        port,
        pid: child.pid!,
        accepted: () => (stderr.match(/Accepted publickey for /g) ?? []).length,
        async stop() {
            child.kill("SIGTERM");
            await new Promise((r) => child.once("exit", r));
            fs.rmSync(`/etc/sudoers.d/${SSH_TEST_USER}`, { force: true });
            if (createdUser) run(`pkill -u ${SSH_TEST_USER} || true; userdel -r ${SSH_TEST_USER} 2>/dev/null || true`);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

function userExists(name: string): boolean {
    return childProcess.spawnSync("id", [name]).status === 0;
}
