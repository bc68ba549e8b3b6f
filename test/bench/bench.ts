// npm run bench: how fast the host transport and a whole converge are, locally and over a real
// sshd on 127.0.0.1 (non-root user + sudo, pooled connection). The converges run through the
// harness, so every provider call crosses gRPC into the real dynamic provider host process, as
// under `pulumi up`. SSH connections are counted by the sshd itself (its "Accepted" log lines).
// Prints numbers, asserts nothing. Ends with one line of figures for CI logs and issue notes.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { File } from "../../providers/file";
import { Directory } from "../../providers/directory";
import { Connection } from "../../providers/host/connection";
import { writeFile } from "../../providers/host/files";
import { closeAllConnections, connect } from "../../providers/host/transport";
import { destroy, up } from "../harness/engine";
import { startSshd } from "../support/sshd";

const N = Number(process.env.BENCH_FILES ?? 100);
const ITER = Number(process.env.BENCH_ITER ?? 200);

function p50(samples: number[]): number {
    const s = [...samples].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

async function timeOp(iter: number, op: () => Promise<unknown>): Promise<number> {
    const samples: number[] = [];
    for (let i = 0; i < iter; i++) {
        const t = process.hrtime.bigint();
        await op();
        samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return p50(samples);
}

async function latencies(label: string, conn: Connection, dir: string): Promise<number> {
    const host = await connect(conn);
    await host.run("true"); // connect outside the measurement
    const exec = await timeOp(ITER, () => host.run("true"));
    const stdin = await timeOp(ITER, () => host.run("cat >/dev/null", { stdin: "x".repeat(1024) }));
    const write = await timeOp(ITER / 2, () => writeFile(host, `${dir}/bench-${label}`, "hello\n", { owner: "root", group: "root", mode: "0644" }));
    const stat = await timeOp(ITER / 2, () => host.run(`stat -c %a ${dir}/bench-${label}`));
    console.log(`${label.padEnd(5)} exec p50 ${exec.toFixed(2)} ms | exec+1KiB stdin ${stdin.toFixed(2)} ms | atomic write ${write.toFixed(2)} ms | stat ${stat.toFixed(2)} ms`);
    await closeAllConnections();
    return exec;
}

function hundredFiles(root: string) {
    return () => {
        const dir = new Directory("root", { path: root });
        for (let i = 0; i < N; i++) {
            new File(`f${i}`, { path: `${root}/file-${i}.conf`, content: `[DEFAULT]\nindex = ${i}\n`, mode: "0640" }, { dependsOn: dir });
        }
    };
}

async function main(): Promise<void> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-bench-"));
    const sshd = await startSshd();
    try {
        console.log(`host transport latency (${ITER} sequential ops, p50); ssh = ${sshd.sudoConnection.user}@127.0.0.1 via sudo, pooled`);
        const execLocal = await latencies("local", { kind: "local" }, work);
        const execSsh = await latencies("ssh", sshd.sudoConnection, work);

        console.log(`\n${N} File resources + 1 Directory over SSH through the harness (refresh on, like Pulumi.yaml)`);
        const stateFile = path.join(work, "state.json");
        const program = hundredFiles(`${work}/files`);
        const c = sshd.sudoConnection;
        const config = { host: `ssh://${c.user}@127.0.0.1:${c.port}`, sshPrivateKey: c.privateKey, sshHostKey: c.hostKeySha256 };
        const stack = { stateFile, config, secretConfig: ["sshPrivateKey"] };
        const run = async (what: string, fn: () => Promise<{ ops: object; durationMs: number }>) => {
            const before = sshd.accepted();
            const r = await fn();
            const conns = sshd.accepted() - before;
            console.log(`${what.padEnd(8)} ${String(r.durationMs).padStart(6)} ms  ssh connections ${conns}  ops ${JSON.stringify(r.ops)}`);
            return { ms: r.durationMs, conns };
        };
        const created = await run("create", () => up(program, { ...stack }));
        const noop = await run("no-op", () => up(program, { ...stack, refresh: true }));
        const destroyed = await run("destroy", () => destroy({ ...stack, refresh: true }));
        console.log(
            `\nexec_local_ms=${execLocal.toFixed(2)} exec_ssh_ms=${execSsh.toFixed(2)} create_100_ssh_ms=${created.ms} noop_100_ssh_ms=${noop.ms} destroy_100_ssh_ms=${destroyed.ms} ssh_connections=${noop.conns}`,
        );
    } finally {
        await closeAllConnections();
        await sshd.stop();
        fs.rmSync(work, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
