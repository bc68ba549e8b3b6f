import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { fileProvider } from "../../providers/file";
import { checked, create, read, serialized, sh, suffix, transports, update } from "../support/providers";
import { SSH_TEST_USER } from "../support/sshd";

const sha = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

for (const t of transports()) {
    describe(`File [${t.name}]`, () => {
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

        test(`content never appears in the command line [${t.name}]`, async () => {
            const p = await serialized(fileProvider);
            const path = `/tmp/hotstack-test-argv-${suffix()}`;
            const secret = `argv-secret-${suffix()}`;
            // Watch every process' argv while the write runs.
            const seen: string[] = [];
            const timer = setInterval(() => seen.push(sh("ps -eo args")), 2);
            try {
                const made = await create(p, await checked(p, { host: t.host, path, content: secret, mode: "0600" }));
                await p.delete(path, made.outs);
            } finally {
                clearInterval(timer);
            }
            assert.ok(seen.length > 0);
            assert.ok(!seen.some((s) => s.includes(secret)));
        });
    });
}
