import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { fileProvider } from "../../providers/file";
import { closeAllConnections, connect } from "../../providers/host/transport";
import { checked, create, read, serialized, sh, suffix, transports, update } from "../support/providers";
import { SSH_TEST_USER } from "../support/sshd";

const sha = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

for (const t of transports()) {
    describe(`File [${t.name}]`, () => {
        test(`a failed read of a file never shows its content in the error; other commands show their output [${t.name}]`, async () => {
            const host = await connect(t.connection);
            // A command that printed part of a secret file, then failed (as when a channel drops mid-read).
            const failing = "printf 'password: hunter2-secret\\n'; exit 3";
            const hidden = await host.run(failing, { what: "read /etc/openstack/clouds.yaml", secretOutput: true }).then(() => "", (e: Error) => e.message + JSON.stringify(e));
            assert.match(hidden, /read \/etc\/openstack\/clouds\.yaml failed on .* \(exit 3\)/);
            assert.ok(!hidden.includes("hunter2"), hidden);
            const shown = await host.run(failing, { what: "print" }).then(() => "", (e: Error) => e.message);
            assert.ok(shown.includes("hunter2"), `without secretOutput the output explains the failure: ${shown}`);
        });

        test(`create, read, no-op diff, drift, update, delete [${t.name}]`, async () => {
            const p = await serialized(fileProvider);
            const path = `/tmp/hotstack-test-file-${suffix()}`;
            const secret = `pw-${suffix()}-${suffix()}`;
            const inputs = await checked(p, { host: t.host, path, content: `password = ${secret}\n`, mode: "0640", group: "kvm" });

            const made = await create(p, inputs);
            assert.equal(fs.readFileSync(path, "utf8"), `password = ${secret}\n`);
            assert.equal(sh(`stat -c '%a %U %G' ${path}`).trim(), "640 root kvm");
            assert.equal(made.outs.contentSha256, sha(`password = ${secret}\n`));
            assert.ok(!JSON.stringify(made.outs).includes(secret), "outputs keep a hash, never the content");

            const back = await read(p, made.id, made.outs);
            assert.equal((await p.diff(path, back.props, inputs)).changes, false);

            sh(`echo tampered > ${path}; chmod 0644 ${path}`);
            const drifted = await read(p, made.id, back.props);
            const d = await p.diff(path, drifted.props, inputs);
            assert.equal(d.changes, true);
            assert.deepEqual(d.replaces, [], "an update, not a replacement");
            assert.deepEqual([...(d as any).fields].sort(), ["content", "mode"]);

            await update(p, path, drifted.props, inputs);
            assert.equal(fs.readFileSync(path, "utf8"), `password = ${secret}\n`);
            assert.equal(sh(`stat -c '%a' ${path}`).trim(), "640");

            await p.delete(path, made.outs);
            assert.equal(fs.existsSync(path), false);
        });

        test(`a file that existed before gets its content back on delete [${t.name}]`, async () => {
            const p = await serialized(fileProvider);
            const path = `/tmp/hotstack-test-adopt-file-${suffix()}`;
            fs.writeFileSync(path, "original\n", { mode: 0o600 });
            try {
                const made = await create(p, await checked(p, { host: t.host, path, content: "managed\n" }));
                assert.equal(made.outs.adopted, true);
                assert.equal(fs.readFileSync(path, "utf8"), "managed\n");
                await p.delete(path, made.outs);
                assert.equal(fs.readFileSync(path, "utf8"), "original\n");
                assert.equal(sh(`stat -c '%a' ${path}`).trim(), "600");
            } finally {
                fs.rmSync(path, { force: true });
            }
        });

        test(`a failure names the host, the action and the command's stderr [${t.name}]`, async () => {
            // Through the serialized provider: a rewritten Error subclass would lose its message.
            const p = await serialized(fileProvider);
            const path = `/nonexistent-${suffix()}/x.conf`;
            await assert.rejects(create(p, await checked(p, { host: t.host, path, content: "x" })), (e: Error) =>
                e.message.includes(`write ${path} failed on ${t.name === "local" ? "local host" : `${SSH_TEST_USER}@127.0.0.1`}`) && /No such file or directory/.test(e.message));
        });

        test(`content never appears in any command line: every exec traced [${t.name}]`, async () => {
            // strace follows every process the host commands start (children of this process
            // locally, of the test's sshd over SSH) and records each execve with its whole argv.
            const p = await serialized(fileProvider);
            const path = `/tmp/hotstack-test-argv-${suffix()}`;
            const secret = `argv-secret-${suffix()}`;
            const control = `argv-control-${suffix()}`;
            const log = `/tmp/hotstack-test-strace-${suffix()}.log`;
            const tracer = childProcess.spawn("strace", ["-f", "-qq", "-e", "trace=execve", "-s", "65536", "-o", log, "-p", String(t.hostPid())], { stdio: "ignore" });
            try {
                // strace is attached once its log has the first line it writes for an exec.
                // Each try on a new connection: one opened before the tracer attached is not followed.
                for (let i = 0; i < 100 && !(fs.existsSync(log) && fs.readFileSync(log, "utf8").includes(control)); i++) {
                    await closeAllConnections();
                    await (await connect(t.connection)).run(`true ${control}`);
                    await new Promise((r) => setTimeout(r, 50));
                }
                const made = await create(p, await checked(p, { host: t.host, path, content: secret, mode: "0600" }));
                await p.delete(path, made.outs);
            } finally {
                tracer.kill("SIGINT");
                await new Promise((r) => tracer.once("exit", r));
            }
            const trace = fs.readFileSync(log, "utf8");
            fs.rmSync(log, { force: true });
            const execs = trace.split("\n").filter((l) => l.includes("execve("));
            assert.ok(trace.includes(control), "the tracer saw the commands of this transport (a string put in argv on purpose)");
            assert.ok(execs.some((l) => l.includes("/bin/sh")), `the write's shell was traced (${execs.length} execs)`);
            assert.ok(!trace.includes(secret), "the content was in no process's argv");
        });
    });
}
