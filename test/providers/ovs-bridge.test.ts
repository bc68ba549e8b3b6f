// This machine has no openvswitch kernel module: bridges use the userspace (netdev) datapath,
// as on the test host; the kernel datapath is the product default.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { ovsBridgeProvider } from "../../providers/ovs-bridge";
import { inPrivateMounts } from "../support/private-mounts";
import { checked, create, read, serialized, sh, shOk, suffix, transports, update } from "../support/providers";

const mtuRequest = (b: string) => sh(`ovs-vsctl get interface ${b} mtu_request`).trim();
const linkMtu = (b: string) => sh(`cat /sys/class/net/${b}/mtu`).trim();
const addrs = (b: string) => sh(`ip -o -4 addr show dev ${b} | awk '{print $4}'`).trim();

before(() => {
    if (!shOk("ovs-vsctl show")) throw new Error("Open vSwitch is not running (start it: /usr/share/openvswitch/scripts/ovs-ctl start)");
});

for (const t of transports()) {
    describe(`OvsBridge [${t.name}]`, () => {
        test(`create, read, no-op diff, drift, update, delete [${t.name}]`, async () => {
            const p = await serialized(ovsBridgeProvider);
            const name = `hst-${suffix()}`;
            try {
                const inputs = await checked(p, { host: t.host, name, datapathType: "netdev", mtu: 9000, address: "10.251.7.1/24" });
                const made = await create(p, inputs);
                assert.equal(mtuRequest(name), "9000");
                assert.equal(addrs(name), "10.251.7.1/24");
                assert.match(sh(`ip -o link show ${name}`), /[<,]UP[,>]/);
                assert.equal(sh(`ovs-vsctl get bridge ${name} datapath_type`).trim(), "netdev");

                const back = await read(p, name, made.outs);
                assert.equal((await p.diff(name, back.props, inputs)).changes, false);

                sh(`ip addr flush dev ${name}`); // what a reboot does to the address
                const drifted = await read(p, name, back.props);
                const d = await p.diff(name, drifted.props, inputs);
                assert.equal(d.changes, true);
                assert.deepEqual(d.replaces, [], "an update, not a replacement");
                assert.deepEqual((d as any).fields, ["address"]);
                await update(p, name, drifted.props, inputs);
                assert.equal(addrs(name), "10.251.7.1/24");

                const bigger = await checked(p, { host: t.host, name, datapathType: "netdev", mtu: 9216, address: "10.251.8.1/24" });
                const d2 = await p.diff(name, back.props, bigger);
                assert.equal(d2.changes, true);
                assert.deepEqual(d2.replaces, []);
                assert.deepEqual([...(d2 as any).fields].sort(), ["address", "mtu"]);
                const outs = await update(p, name, back.props, bigger);
                assert.equal(mtuRequest(name), "9216");
                assert.equal(addrs(name), "10.251.8.1/24", "the old address is taken off");

                sh(`ovs-vsctl del-br ${name}`);
                assert.equal((await read(p, name, outs)).id, "", "a bridge deleted by hand is gone");
                const again = await create(p, bigger);
                assert.equal(again.outs.adopted, false);
                await p.delete(name, again.outs);
                assert.equal(shOk(`ovs-vsctl br-exists ${name}`), false);
            } finally {
                sh(`ovs-vsctl --if-exists del-br ${name}`);
            }
        });

        test(`an existing bridge is adopted, stays, and is put back as it was [${t.name}]`, async () => {
            const p = await serialized(ovsBridgeProvider);
            const name = `hsa-${suffix()}`;
            // As found: no mtu_request (MTU 1500), link down, an address of its own.
            sh(`ovs-vsctl add-br ${name} -- set bridge ${name} datapath_type=netdev`);
            sh(`for i in $(seq 50); do ip link show dev ${name} >/dev/null 2>&1 && break; sleep 0.1; done; ip addr add 10.251.9.9/24 dev ${name}`);
            try {
                const inputs = await checked(p, { host: t.host, name, datapathType: "netdev", mtu: 9000, address: "10.251.9.9/24" });
                const made = await create(p, inputs);
                assert.equal(made.outs.adopted, true);
                assert.equal(linkMtu(name), "9000");
                // The update takes the bridge's own address away (the old input): delete brings it back.
                const outs = await update(p, name, made.outs, await checked(p, { ...inputs, address: "10.251.9.1/24" }));
                assert.equal(addrs(name), "10.251.9.1/24");
                await p.delete(name, outs);
                assert.ok(shOk(`ovs-vsctl br-exists ${name}`), "the bridge stays");
                assert.equal(addrs(name), "10.251.9.9/24", "its own address is back, the one this program added is gone");
                assert.equal(mtuRequest(name), "[]", "no mtu_request, as found");
                assert.equal(linkMtu(name), "1500", "the MTU as found");
                assert.doesNotMatch(sh(`ip -o link show ${name}`), /[<,]UP[,>]/, "the link down, as found");
            } finally {
                sh(`ovs-vsctl --if-exists del-br ${name}`);
            }
        });

        test(`an adopted bridge gets back its datapath type and mtu_request [${t.name}]`, async () => {
            const p = await serialized(ovsBridgeProvider);
            const name = `hsd-${suffix()}`;
            // The kernel datapath as OVS stores it by default (""): no port here, without the module.
            sh(`ovs-vsctl add-br ${name} -- set interface ${name} mtu_request=1400 2>/dev/null || true`);
            try {
                const made = await create(p, await checked(p, { host: t.host, name, datapathType: "netdev", mtu: 9000 }));
                assert.equal(made.outs.adopted, true);
                assert.equal(sh(`ovs-vsctl get bridge ${name} datapath_type`).trim(), "netdev");
                assert.equal(mtuRequest(name), "9000");
                await p.delete(name, made.outs);
                assert.ok(shOk(`ovs-vsctl br-exists ${name}`), "the bridge stays");
                assert.equal(sh(`ovs-vsctl get bridge ${name} datapath_type`).trim(), '""', "the datapath type as found");
                assert.equal(mtuRequest(name), "1400", "the mtu_request as found");
            } finally {
                sh(`ovs-vsctl --if-exists del-br ${name}`);
            }
        });
    });
}

describe("OvsBridge with Open vSwitch down [local]", () => {
    // A child process sees an empty /var/run/openvswitch: no database socket, as when OVS is down.
    test("read fails naming the host and the error, and never reports the bridge as gone [local]", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-ovs-down-"));
        try {
            const r = inPrivateMounts<{ id?: string; error?: string }>({ "/var/run/openvswitch": empty }, `
                const { ovsBridgeProvider } = require(root + "/providers/ovs-bridge");
                const p = await support.serialized(ovsBridgeProvider);
                return await support.read(p, "hot-ex", { host: "main", name: "hot-ex", datapathType: "netdev", up: true, adopted: false })
                    .then((r) => ({ id: r.id }), (e: Error) => ({ error: e.message }));`);
            assert.equal(r.id, undefined, "read must not answer");
            assert.match(r.error ?? "", /inspect bridge hot-ex failed on local host \(exit 1\)/);
            assert.match(r.error ?? "", /database connection failed/);
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });
});
