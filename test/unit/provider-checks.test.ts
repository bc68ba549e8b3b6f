// check() rejects bad input before anything touches the host, naming the field and the value.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { directoryProvider } from "../../providers/directory";
import { fileProvider } from "../../providers/file";
import { hostPackagesProvider } from "../../providers/host-packages";
import { ovsBridgeProvider } from "../../providers/ovs-bridge";
import { podmanNetworkProvider } from "../../providers/podman-network";
import { podmanSecretProvider } from "../../providers/podman-secret";
import { systemdUnitProvider } from "../../providers/systemd-unit";
import { UNKNOWN } from "../../providers/kit";
import * as pulumi from "@pulumi/pulumi";

async function failures(p: pulumi.dynamic.ResourceProvider, news: Record<string, unknown>) {
    return (await p.check!({}, news)).failures ?? [];
}

describe("check() rejects bad input, naming the field and the value", () => {
    const cases: [string, pulumi.dynamic.ResourceProvider, Record<string, unknown>, string, RegExp][] = [
        ["relative path", directoryProvider, { path: "var/lib/x" }, "path", /absolute path.*"var\/lib\/x"/],
        ["mode 999", directoryProvider, { path: "/x", mode: "999" }, "mode", /octal mode.*"999"/],
        ["file mode 999", fileProvider, { path: "/x", content: "", mode: "999" }, "mode", /octal mode.*"999"/],
        ["bridge name over 15 chars", ovsBridgeProvider, { name: "hot-ex-way-too-long" }, "name", /at most 15 characters.*"hot-ex-way-too-long"/],
        ["MTU 70000", ovsBridgeProvider, { name: "hot-ex", mtu: 70000 }, "mtu", /integer from 68 to 65535.*70000/],
        ["datapath type", ovsBridgeProvider, { name: "hot-ex", datapathType: "dpdk" }, "datapathType", /one of system, netdev.*"dpdk"/],
        ["CIDR /33", podmanNetworkProvider, { name: "n", subnet: "172.31.0.0/33" }, "subnet", /IPv4 CIDR.*"172\.31\.0\.0\/33"/],
        ["unknown distribution", hostPackagesProvider, { plans: { arch: { family: "debian", packages: ["podman"] } } }, "plans", /unknown distribution "arch"/],
        ["user unit without user", systemdUnitProvider, { name: "x.service", scope: "user" }, "user", /is required/],
        ["podman secret without a digest key", podmanSecretProvider, { name: "s", value: "v" }, "digestKey", /is required/],
        ["a short digest key", podmanSecretProvider, { name: "s", value: "v", digestKey: "short" }, "digestKey", /at least 16 characters/],
        // Connection details are stack config (checked by config.ts); a resource carries only a host name.
        ["a host that is not a name", directoryProvider, { host: "ssh://root@10.0.0.1", path: "/x" }, "host", /must be a host name like "main".*"ssh:\/\/root@10\.0\.0\.1"/],
        ["a connection object as host", fileProvider, { host: { kind: "local" }, path: "/x", content: "" }, "host", /must be a host name/],
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
        const r = await directoryProvider.check!({}, { path: "/var/lib/hotstack-os", mode: "755" });
        assert.deepEqual(r.failures, []);
        assert.deepEqual(r.inputs, { host: "main", path: "/var/lib/hotstack-os", mode: "0755" }, "the host defaults to main");
        const f = await fileProvider.check!({}, { path: "/etc/x.conf", content: "" });
        assert.deepEqual([f.inputs!.owner, f.inputs!.group, f.inputs!.mode], ["root", "root", "0644"]);
    });

    test("unknown values (preview) are not rejected", async () => {
        assert.deepEqual(await failures(ovsBridgeProvider, { name: UNKNOWN, mtu: UNKNOWN, address: UNKNOWN }), []);
        assert.deepEqual(await failures(fileProvider, { host: UNKNOWN, path: "/x", content: UNKNOWN }), []);
        assert.deepEqual(await failures(podmanSecretProvider, { name: "s", value: UNKNOWN, digestKey: UNKNOWN }), []);
    });
});
