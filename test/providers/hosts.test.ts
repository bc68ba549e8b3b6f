// Resolving a resource's host name to a connection (providers/host/hosts.ts) against a real sshd
// on 127.0.0.1: a host of `hosts` that cannot be reached is named with its config key, and a host
// that joins the cloud (a role) must not be main's machine under another name.
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { configureHosts, hostNamed } from "../../providers/host/hosts";
import { closeAllConnections } from "../../providers/host/transport";
import { sshHostConfig } from "../support/providers";
import { TestSshd, startSshd } from "../support/sshd";

describe("hosts of the stack config", () => {
    let sshd: TestSshd;
    const use = (hosts: Record<string, unknown>) => configureHosts("hotstack-os", (k) => (k === "hosts" ? JSON.stringify(hosts) : undefined));
    before(async () => {
        sshd = await startSshd();
    });
    after(async () => {
        await closeAllConnections();
        await sshd.stop();
    });

    test("one that does not answer is named with its config key and address", async () => {
        const entry = sshHostConfig("gone", { ...sshd.sudoConnection, port: 1 });
        use(entry);
        await assert.rejects(hostNamed("gone"), /^Error: host "gone" \(hotstack-os:hosts\.gone\): cannot connect to \S+@127\.0\.0\.1:1: connect ECONNREFUSED/);
    });

    test("main's machine under another name: a name resources use is fine, a host that joins the cloud is refused", async () => {
        const entry = sshHostConfig("other", sshd.sudoConnection) as Record<string, Record<string, unknown>>;
        use(entry);
        const host = await hostNamed("other");
        assert.equal(await host.machineId(), await (await hostNamed("main")).machineId(), "the same machine (this one, reached through sshd)");
        await closeAllConnections();
        use({ other: { ...entry.other, role: "compute" } });
        await assert.rejects(hostNamed("other"), /host "other" \(hotstack-os:hosts\.other\) is the same machine as main \(\/etc\/machine-id [0-9a-f]+\): a host that joins the cloud must be a machine of its own/);
    });

    test("a host that joins the cloud while main does not answer: the error says why main was needed", async () => {
        await closeAllConnections();
        const entry = sshHostConfig("other", sshd.sudoConnection) as Record<string, Record<string, unknown>>;
        const main = sshHostConfig("main", { ...sshd.sudoConnection, port: 1 }).main as Record<string, unknown>;
        configureHosts("hotstack-os", (k) => (k === "hosts" ? JSON.stringify({ other: { ...entry.other, role: "compute" } }) : typeof main[k] === "string" || typeof main[k] === "boolean" ? String(main[k]) : undefined));
        await assert.rejects(hostNamed("other"), /^Error: host "other" \(hotstack-os:hosts\.other\) joins the cloud: main is reached to check it is another machine, and could not be: .*ECONNREFUSED/);
    });
});
