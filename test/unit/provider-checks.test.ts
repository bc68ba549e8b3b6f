// check() rejects bad input before anything touches the host, naming the field and the value.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { directoryProvider } from "../../providers/directory";
import { fileProvider } from "../../providers/file";
import { hostPackagesProvider } from "../../providers/host-packages";
import { ovsBridgeProvider } from "../../providers/ovs-bridge";
import { podmanNetworkProvider } from "../../providers/podman-network";
import { systemdUnitProvider } from "../../providers/systemd-unit";
import { UNKNOWN } from "../../providers/kit";
import * as pulumi from "@pulumi/pulumi";

const local = { kind: "local" };

async function failures(p: pulumi.dynamic.ResourceProvider, news: Record<string, unknown>) {
    return (await p.check!({}, news)).failures ?? [];
}

describe("check() rejects bad input, naming the field and the value", () => {
    const cases: [string, pulumi.dynamic.ResourceProvider, Record<string, unknown>, string, RegExp][] = [
        ["relative path", directoryProvider, { connection: local, path: "var/lib/x" }, "path", /absolute path.*"var\/lib\/x"/],
        ["mode 999", directoryProvider, { connection: local, path: "/x", mode: "999" }, "mode", /octal mode.*"999"/],
        ["file mode 999", fileProvider, { connection: local, path: "/x", content: "", mode: "999" }, "mode", /octal mode.*"999"/],
        ["bridge name over 15 chars", ovsBridgeProvider, { connection: local, name: "hot-ex-way-too-long" }, "name", /at most 15 characters.*"hot-ex-way-too-long"/],
        ["MTU 70000", ovsBridgeProvider, { connection: local, name: "hot-ex", mtu: 70000 }, "mtu", /integer from 68 to 65535.*70000/],
        ["datapath type", ovsBridgeProvider, { connection: local, name: "hot-ex", datapathType: "dpdk" }, "datapathType", /one of system, netdev.*"dpdk"/],
        ["CIDR /33", podmanNetworkProvider, { connection: local, name: "n", subnet: "172.31.0.0/33" }, "subnet", /IPv4 CIDR.*"172\.31\.0\.0\/33"/],
        ["unknown package family", hostPackagesProvider, { connection: local, packages: { arch: ["podman"] } }, "packages", /unknown package family "arch"/],
        ["user unit without user", systemdUnitProvider, { connection: local, name: "x.service", scope: "user" }, "user", /is required/],
        ["ssh without pinned key", directoryProvider, { connection: { kind: "ssh", address: "10.0.0.1", user: "root", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----" }, path: "/x" }, "connection.hostKeySha256", /pin the host key/],
        ["ssh non-root without sudo", directoryProvider, { connection: { kind: "ssh", address: "10.0.0.1", user: "ops", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----", hostKeySha256: "SHA256:" + "A".repeat(43) }, path: "/x" }, "connection.sudo", /not root/],
    ];
    for (const [what, provider, news, field, reason] of cases) {
        test(what, async () => {
            const f = await failures(provider, news);
            assert.equal(f.length, 1, JSON.stringify(f));
            assert.equal(f[0].property, field);
            assert.match(f[0].reason, reason);
        });
    }

    test("valid input passes and is normalised", async () => {
        const r = await directoryProvider.check!({}, { connection: local, path: "/var/lib/hotstack-os", mode: "755" });
        assert.deepEqual(r.failures, []);
        assert.deepEqual({ ...r.inputs, connection: undefined }, { connection: undefined, path: "/var/lib/hotstack-os", mode: "0755" });
        const f = await fileProvider.check!({}, { connection: local, path: "/etc/x.conf", content: "" });
        assert.deepEqual([f.inputs!.owner, f.inputs!.group, f.inputs!.mode], ["root", "root", "0644"]);
    });

    test("unknown values (preview) are not rejected", async () => {
        assert.deepEqual(await failures(ovsBridgeProvider, { connection: local, name: UNKNOWN, mtu: UNKNOWN, address: UNKNOWN }), []);
        assert.deepEqual(await failures(fileProvider, { connection: UNKNOWN, path: "/x", content: UNKNOWN }), []);
    });
});
