// The program's graph with a compute host (serviceSet "host", hosts.compute1.role = compute) under
// pulumi.runtime.setMocks: compute1's host layer carries host "compute1" on every resource, and
// holds only what a compute host needs; main's resources are those of the single-host graph.
import * as assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type Created, runMockedProgram } from "../support/mocked-state";

let created: Created[] = [];
let outputs: Record<string, any>;
before(async () => {
    const hostKey = "SHA256:" + "A".repeat(43);
    ({ created, outputs } = await runMockedProgram("unit-compute", {
        "hotstack-os:serviceSet": "host",
        "hotstack-os:host": "ssh://root@192.0.2.10",
        "hotstack-os:sshAgent": "true",
        "hotstack-os:sshHostKey": hostKey,
        "hotstack-os:hosts": JSON.stringify({ compute1: { host: "ssh://root@192.0.2.11", sshAgent: true, sshHostKey: hostKey, role: "compute" } }),
    }));
});

const hosted = () => created.filter((c) => c.type.startsWith("pulumi-nodejs:dynamic/hotstack:"));
const on = (host: string) => hosted().filter((c) => c.inputs.host === host);
const kind = (c: Created) => c.type.split(":").pop();

describe("program graph with a compute host (setMocks)", () => {
    test("every resource named compute1-… lives on compute1, every other one on main", () => {
        assert.ok(on("compute1").length > 0);
        for (const c of hosted()) assert.equal(c.inputs.host, c.name.startsWith("compute1-") ? "compute1" : "main", `${kind(c)} ${c.name}`);
    });

    test("compute1 gets preflight, packages, the libvirt session, the guests' directories, hot-int and their boot units; nothing of the provider network", () => {
        const kinds = new Set(on("compute1").map(kind));
        for (const k of ["Preflight", "HostPackages", "SystemUser", "SystemdUnit", "Directory", "File", "FileCapability", "OvsBridge"]) assert.ok(kinds.has(k), `compute1 has a ${k}`);
        for (const k of ["PodmanNetwork", "HostsBlock", "FirewallZone", "ContainerImage", "ContainerService", "PodmanSecret"]) assert.ok(!kinds.has(k), `compute1 has no ${k}`);
        const bridges = on("compute1").filter((c) => kind(c) === "OvsBridge").map((c) => c.inputs.name);
        assert.deepEqual(bridges, ["hot-int"]);
        const dirs = on("compute1").filter((c) => kind(c) === "Directory" && c.name.startsWith("compute1-storage-")).map((c) => c.inputs.path).sort();
        assert.deepEqual(dirs, ["/var/lib/hotstack-os", "/var/lib/hotstack-os/nova-instances", "/var/lib/hotstack-os/nova-mnt"]);
        const units = on("compute1").filter((c) => kind(c) === "SystemdUnit").map((c) => c.inputs.name).sort();
        assert.deepEqual(units, ["hotstack-os-fabric.service", "hotstack-os-libvirtd-session.service", "hotstack-os-shared-mounts.service"]);
        const boot = on("compute1").find((c) => c.inputs.name === "hotstack-os-fabric.service")!;
        assert.doesNotMatch(boot.inputs.content, /hot-ex/);
        const pre = on("compute1").find((c) => kind(c) === "Preflight")!;
        assert.deepEqual([pre.inputs.requirements.networks, pre.inputs.requirements.tcpPorts], [[], []], "no provider network, no front door on a compute host");
    });

    test("main keeps its whole host layer; the outputs list both hosts with their roles", () => {
        const mainKinds = new Set(on("main").map(kind));
        for (const k of ["PodmanNetwork", "HostsBlock", "FirewallZone", "OvsBridge"]) assert.ok(mainKinds.has(k), `main has a ${k}`);
        assert.deepEqual(on("main").filter((c) => kind(c) === "OvsBridge").map((c) => c.inputs.name).sort(), ["hot-ex", "hot-int"]);
        assert.deepEqual(outputs.hosts, { main: ["controller", "compute"], compute1: ["compute"] });
    });
});
