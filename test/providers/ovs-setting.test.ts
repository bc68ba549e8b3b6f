import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { ovsSettingProvider } from "../../providers/ovs-setting";
import { checked, create, read, serialized, sh, suffix, transports, update } from "../support/providers";

const get = (key: string) => sh(`ovs-vsctl --if-exists get Open_vSwitch . other_config:${key}`).trim().replace(/"/g, "");
const vswitchdPid = () => fs.readFileSync("/var/run/openvswitch/ovs-vswitchd.pid", "utf8").trim();

for (const t of transports()) {
    describe(`OvsSetting [${t.name}]`, () => {
        test(`create, read, no-op, drift, update, delete of a key the program set [${t.name}]`, async () => {
            const p = await serialized(ovsSettingProvider);
            const key = `hotstack-test-${suffix()}`;
            try {
                const inputs = await checked(p, { host: t.host, key, value: "true" });
                const made = await create(p, inputs);
                assert.equal(get(key), "true");
                assert.equal(made.outs.adopted, false);
                const back = await read(p, made.id, made.outs);
                assert.equal((await p.diff(made.id, back.props, inputs)).changes, false);

                sh(`ovs-vsctl set Open_vSwitch . other_config:${key}=false`);
                const drifted = await read(p, made.id, back.props);
                assert.equal(drifted.props.value, "false");
                assert.equal((await p.diff(made.id, drifted.props, inputs)).changes, true);
                await update(p, made.id, drifted.props, inputs);
                assert.equal(get(key), "true");

                await p.delete(made.id, made.outs);
                assert.equal(get(key), "", "a key the program set is removed");
                assert.equal((await read(p, made.id, made.outs)).id, "");
            } finally {
                sh(`ovs-vsctl remove Open_vSwitch . other_config ${key}`);
            }
        });

        test(`a key set before is put back on delete [${t.name}]`, async () => {
            const p = await serialized(ovsSettingProvider);
            const key = `hotstack-test-${suffix()}`;
            sh(`ovs-vsctl set Open_vSwitch . other_config:${key}=mine`);
            try {
                const made = await create(p, await checked(p, { host: t.host, key, value: "true" }));
                assert.equal(made.outs.adopted, true);
                assert.equal(get(key), "true");
                await p.delete(made.id, made.outs);
                assert.equal(get(key), "mine");
            } finally {
                sh(`ovs-vsctl remove Open_vSwitch . other_config ${key}`);
            }
        });
    });
}

describe("OvsSetting restarts ovs-vswitchd", () => {
    const t = transports()[0];
    test("a change restarts it, a no-op does not, a restart owed after a crash happens on the next run", async () => {
        const p = await serialized(ovsSettingProvider);
        const key = `hotstack-test-${suffix()}`;
        try {
            const inputs = await checked(p, { host: t.host, key, value: "true", restartDaemon: true });
            const before = vswitchdPid();
            const made = await create(p, inputs);
            const afterChange = vswitchdPid();
            assert.notEqual(afterChange, before, "the change restarted ovs-vswitchd");
            sh("ovs-vsctl --timeout=10 show >/dev/null");

            await create(p, inputs); // the same value again
            assert.equal(vswitchdPid(), afterChange, "no change, no restart");

            // A run that set the key but died before the restart left the marker.
            sh("touch /run/hotstack-os-ovs-restart-pending");
            await create(p, inputs);
            assert.notEqual(vswitchdPid(), afterChange, "the owed restart happened");
            assert.ok(!fs.existsSync("/run/hotstack-os-ovs-restart-pending"));
            await p.delete(made.id, made.outs);
            assert.equal(get(key), "");
        } finally {
            sh(`ovs-vsctl remove Open_vSwitch . other_config ${key}; rm -f /run/hotstack-os-ovs-restart-pending`);
        }
    });
});
