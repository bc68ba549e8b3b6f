import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { hostsBlockProvider, parseBlock, renderHosts } from "../../providers/hosts-block";
import { checked, create, read, serialized, sh, suffix, transports, update } from "../support/providers";

const BASE = "127.0.0.1 localhost\n10.0.0.5 db.example # keep me\n";

describe("hosts block parsing", () => {
    test("render then parse returns the same entries and keeps every other line", () => {
        const entries = [{ ip: "172.31.0.129", names: ["keystone.hotstack-os.local", "glance.hotstack-os.local"] }];
        const text = renderHosts(BASE.trimEnd().split("\n"), "m", entries);
        const parsed = parseBlock(text, "m");
        assert.deepEqual(parsed.entries, entries);
        assert.equal(renderHosts(parsed.outside, "m", undefined), BASE);
    });
});

for (const t of transports()) {
    describe(`HostsBlock [${t.name}]`, () => {
        test(`create, read, no-op diff, drift, update, delete [${t.name}]`, async () => {
            const p = await serialized(hostsBlockProvider);
            const file = `/tmp/hotstack-test-hosts-${suffix()}`;
            fs.writeFileSync(file, BASE);
            try {
                const entries = [{ ip: "172.31.0.129", names: ["keystone.hotstack-os.local", "nova.hotstack-os.local"] }];
                const inputs = await checked(p, { host: t.host, file, entries });
                const made = await create(p, inputs);
                assert.equal(fs.readFileSync(file, "utf8"), `${BASE}# BEGIN hotstack-os managed entries\n172.31.0.129 keystone.hotstack-os.local nova.hotstack-os.local\n# END hotstack-os managed entries\n`);

                const back = await read(p, made.id, made.outs);
                assert.equal((await p.diff(made.id, back.props, inputs)).changes, false);
                await create(p, inputs); // idempotent: still one block
                assert.equal(fs.readFileSync(file, "utf8").match(/# BEGIN/g)?.length, 1);

                sh(`sed -i 's/^172.31.0.129 /172.31.0.99 /' ${file}`);
                const drifted = await read(p, made.id, back.props);
                assert.equal(drifted.props.entries[0].ip, "172.31.0.99");
                assert.equal((await p.diff(made.id, drifted.props, inputs)).changes, true);
                await update(p, made.id, drifted.props, inputs);
                assert.match(fs.readFileSync(file, "utf8"), /^172\.31\.0\.129 keystone/m);

                sh(`echo '192.168.1.1 added-later' >> ${file}`); // someone else's line, after ours
                await p.delete(made.id, made.outs);
                assert.equal(fs.readFileSync(file, "utf8"), `${BASE}192.168.1.1 added-later\n`);
                assert.equal((await read(p, made.id, made.outs)).id, "");
            } finally {
                fs.rmSync(file, { force: true });
            }
        });
    });
}
