import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { fileBlockProvider, withBlock } from "../../providers/file-block";
import { ledgerPath } from "../../providers/host/ledger";
import { checked, create, read, serialized, sh, suffix, transports, update } from "../support/providers";

const MARKER = "hotstack-os clouds (managed by pulumi)";
const ownerAndMode = (file: string) => sh(`stat -c '%U:%G %a' ${file}`).trim();

describe("block placement", () => {
    test("a new block goes after the `after` line; removing it gives back the text", () => {
        const text = "clouds:\n  mine:\n    auth: {}\n";
        const withOurs = withBlock(text, MARKER, "  ours:\n    region: r1\n", "clouds:");
        assert.equal(withOurs, `clouds:\n# BEGIN ${MARKER}\n  ours:\n    region: r1\n# END ${MARKER}\n  mine:\n    auth: {}\n`);
        assert.equal(withBlock(withOurs, MARKER, undefined), text);
    });
});

for (const t of transports()) {
    describe(`FileBlock [${t.name}]`, () => {
        test(`a private block in someone's world-readable file: root-only while there, their owner and mode back after [${t.name}]`, async () => {
            const p = await serialized(fileBlockProvider);
            const dir = fs.mkdtempSync("/tmp/hotstack-test-block-");
            const file = `${dir}/clouds.yaml`;
            fs.writeFileSync(file, "clouds:\n  mine:\n    region: x\n");
            sh(`chown nobody:nogroup ${file} && chmod 0644 ${file}`);
            try {
                const inputs = await checked(p, { host: t.host, path: file, marker: MARKER, content: "  ours:\n    password: s3cret\n", after: "clouds:", header: "clouds:\n", mode: "0600", private: true, digestKey: "k" });
                const made = await create(p, inputs);
                assert.equal(ownerAndMode(file), "root:root 600", "the file holding the secret is root's alone");
                assert.match(fs.readFileSync(file, "utf8"), /^clouds:\n# BEGIN .*\n  ours:\n    password: s3cret\n# END .*\n  mine:\n/);
                assert.equal(made.outs.createdFile, false);
                assert.ok(!JSON.stringify(made.outs).includes("s3cret"), "state keeps a digest, not the content");

                const back = await read(p, made.id, made.outs);
                assert.equal((await p.diff(made.id, back.props, inputs)).changes, false);
                await create(p, inputs); // idempotent: one block
                assert.equal(fs.readFileSync(file, "utf8").match(/# BEGIN/g)?.length, 1);

                // Drift: the block edited and the file opened up by hand.
                sh(`sed -i 's/s3cret/changed/' ${file} && chmod 0644 ${file}`);
                const drifted = await read(p, made.id, back.props);
                assert.equal((await p.diff(made.id, drifted.props, inputs)).changes, true);
                await update(p, made.id, drifted.props, inputs);
                assert.match(fs.readFileSync(file, "utf8"), /password: s3cret/);
                assert.equal(ownerAndMode(file), "root:root 600");

                await p.delete(made.id, made.outs);
                assert.equal(fs.readFileSync(file, "utf8"), "clouds:\n  mine:\n    region: x\n");
                assert.equal(ownerAndMode(file), "nobody:nogroup 644", "the owner and mode it had before");
                assert.equal((await read(p, made.id, made.outs)).id, "");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        test(`a new file is made, and removed again; the block goes even when the ledger lost its entry [${t.name}]`, async () => {
            const p = await serialized(fileBlockProvider);
            const dir = fs.mkdtempSync("/tmp/hotstack-test-block-");
            const file = `${dir}/sub/clouds-${suffix()}.yaml`;
            try {
                const inputs = await checked(p, { host: t.host, path: file, marker: MARKER, content: "  ours: {}\n", after: "clouds:", header: "clouds:\n", mode: "0600", private: true });
                const made = await create(p, inputs);
                assert.equal(ownerAndMode(file), "root:root 600");
                assert.equal(made.outs.createdFile, true);
                await p.delete(made.id, made.outs);
                assert.ok(!fs.existsSync(file), "the file the program made is gone");

                // Someone else's file, then the ledger entry lost before destroy.
                fs.writeFileSync(file, "clouds:\n  mine: {}\n");
                const again = await create(p, inputs);
                fs.rmSync(ledgerPath("file-block", file), { force: true });
                await p.delete(again.id, again.outs);
                assert.equal(fs.readFileSync(file, "utf8"), "clouds:\n  mine: {}\n", "our block removed, their lines kept");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
}
