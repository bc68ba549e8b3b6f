// The program's resource graph under pulumi.runtime.setMocks: which resources, with which
// inputs and rendered files, and the stack outputs. No host is touched.
import * as assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { connectionInput } from "../../components/hotstack";

interface Created {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

const created: Created[] = [];
let outputs: Record<string, any>;

const outputOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

before(async () => {
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            created.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state: Record<string, any> = { ...args.inputs };
            if (args.type.endsWith(":SystemUser")) Object.assign(state, { uid: 990, gid: 989 });
            if (args.type.endsWith(":SystemdUnit")) state.active = true;
            if (args.type.endsWith(":File")) state.contentSha256 = `sha-of-${args.name}`;
            return { id: `${args.name}-id`, state };
        },
        call: () => ({}),
    }, "hotstack-os", "unit", false);
    pulumi.runtime.setAllConfig({ "hotstack-os:ovsDatapathType": "netdev", "hotstack-os:mtu": "9000" });
    const program: () => Promise<Record<string, any>> = require("../../index");
    const raw = await program();
    // Let every registration finish, as the engine would before the deployment ends.
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    outputs = {};
    for (const [k, v] of Object.entries(raw)) outputs[k] = pulumi.Output.isInstance(v) ? await outputOf(v) : v;
});

const ofType = (t: string) => created.filter((c) => c.type.endsWith(`:${t}`));
const named = (n: string) => created.find((c) => c.name === n)!;

describe("program graph (setMocks)", () => {
    test("the host layer's resources", () => {
        const count = (t: string) => ofType(t).length;
        assert.equal(count("HostPackages"), 2, "the component and its resource");
        assert.equal(count("SystemUser"), 1);
        assert.equal(count("OvsBridge"), 2);
        assert.equal(count("PodmanNetwork"), 1);
        assert.equal(count("HostsBlock"), 1);
        assert.equal(count("FileCapability"), 1);
        assert.equal(count("FirewallZone"), 1);
        assert.equal(count("SystemdUnit"), 2, "the libvirt session and the fabric boot unit");
        assert.ok(count("Directory") >= 17);
    });

    test("bridges carry the configured MTU and datapath, hot-ex the gateway", () => {
        assert.deepEqual(ofType("OvsBridge").map((b) => [b.inputs.name, b.inputs.mtu, b.inputs.datapathType, b.inputs.address ?? null]), [
            ["hot-int", 9000, "netdev", null],
            ["hot-ex", 9000, "netdev", "172.31.0.129/25"],
        ]);
    });

    test("qemu.conf names the hotstack user's numeric ids; the session unit waits for its socket", () => {
        assert.match(named("libvirt-qemu-conf").inputs.content, /user = "990"\ngroup = "989"/);
        const unit = named("libvirt-daemon").inputs;
        assert.equal(unit.scope, "user");
        assert.equal(unit.user, "hotstack");
        assert.equal(unit.waitForPath, "/run/user/990/libvirt/libvirt-sock");
        assert.deepEqual(unit.triggers.slice(0, 2), ["sha-of-libvirt-libvirtd-conf", "sha-of-libvirt-qemu-conf"]);
    });

    test("the user lingers in group kvm", () => {
        const u = ofType("SystemUser")[0].inputs;
        assert.deepEqual([u.name, u.home, u.linger, u.groups], ["hotstack", "/var/lib/hotstack", true, ["kvm"]]);
    });

    test("stack outputs", () => {
        assert.equal(outputs.dataDir, "/var/lib/hotstack-os");
        assert.equal(outputs.libvirtSocket, "/run/user/990/libvirt/libvirt-sock");
        assert.equal(outputs.hotstackUid, 990);
        assert.equal(outputs.gateway, "172.31.0.129");
        assert.equal(outputs.providerNetwork.cidr, "172.31.0.128/25");
    });

    test("an ssh connection with a key is a secret input; a local one is not", async () => {
        const ssh = connectionInput({ kind: "ssh", address: "10.0.0.1", user: "root", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----", hostKeySha256: "SHA256:x" });
        assert.equal(await pulumi.isSecret(pulumi.output(ssh)), true);
        assert.equal(await pulumi.isSecret(pulumi.output(connectionInput({ kind: "local" }))), false);
    });
});
