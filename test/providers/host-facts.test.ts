import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { hostFactsProvider } from "../../providers/host-facts";
import { inPrivateMounts } from "../support/private-mounts";
import { checked, create, read, serialized, sh, transports } from "../support/providers";

for (const t of transports()) {
    describe(`HostFacts [${t.name}]`, () => {
        test(`create and read report the FQDN, the kvm gid and /dev/kvm; delete changes nothing [${t.name}]`, async () => {
            const p = await serialized(hostFactsProvider);
            const made = await create(p, await checked(p, { host: t.host }));
            assert.equal(made.outs.kvmGid, Number(sh("getent group kvm | cut -d: -f3")));
            assert.equal(made.outs.hasKvm, fs.existsSync("/dev/kvm"));
            assert.ok(made.outs.fqdn);
            const back = await read(p, made.id, made.outs);
            assert.equal(back.props.kvmGid, made.outs.kvmGid);
            assert.equal((await p.diff(made.id, back.props, await checked(p, { host: t.host }))).changes, false);
            await p.delete(made.id, back.props);
        });
    });
}

describe("HostFacts without a kvm group [local]", () => {
    // The group cannot go away on this machine (other tests use it): a child process sees an
    // /etc/group without the kvm line.
    test("read reports it (kvmGid -1) instead of failing; create and the update it triggers refuse it, saying why [local]", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-facts-"));
        try {
            fs.writeFileSync(`${dir}/group`, fs.readFileSync("/etc/group", "utf8").split("\n").filter((l) => !l.startsWith("kvm:")).join("\n"));
            const r = inPrivateMounts<any>({ "/etc/group": `${dir}/group` }, `
                const { hostFactsProvider } = require(root + "/providers/host-facts");
                const p = await support.serialized(hostFactsProvider);
                const inputs = await support.checked(p, { host: "main" });
                const read = await support.read(p, "host-facts", { host: "main", fqdn: "x", kvmGid: 993, hasKvm: false });
                const failure = (e: Error) => e.message;
                return {
                    read,
                    changes: (await p.diff("host-facts", read.props, inputs)).changes,
                    created: await support.create(p, inputs).then(() => "created", failure),
                    updated: await p.update!("host-facts", read.props, inputs).then(() => "updated", failure),
                };`);
            assert.equal(r.read.id, "host-facts", "the facts are still there");
            assert.equal(r.read.props.kvmGid, -1);
            assert.equal(r.changes, true, "the next update runs, and says why the host is not usable");
            assert.match(r.created, /has no kvm group \(it comes with the libvirt\/qemu packages\)/);
            assert.match(r.updated, /has no kvm group/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
