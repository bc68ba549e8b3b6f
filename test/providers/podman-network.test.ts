import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { ledgerPath } from "../../providers/host/ledger";
import { podmanNetworkProvider } from "../../providers/podman-network";
import { inPrivateMounts } from "../support/private-mounts";
import { checked, create, read, serialized, sh, shOk, suffix, transports } from "../support/providers";

// --interface-name needs podman >= 4.4 (as does Quadlet, which the product needs anyway).
const namesInterfaces = shOk("podman network create --help | grep -q -- --interface-name");

/** A network made by hand, with its host interface named; older podman: named in its backend's file. */
function networkByHand(name: string, subnet: string, gateway: string, iface: string): void {
    if (namesInterfaces) return void sh(`podman network create --subnet ${subnet} --gateway ${gateway} --interface-name ${iface} ${name}`);
    sh(`podman network create --subnet ${subnet} --gateway ${gateway} ${name}`);
    const backend = sh("podman info --format '{{.Host.NetworkBackend}}'").trim();
    if (backend === "cni") sh(`sed -i 's/"bridge": "[^"]*"/"bridge": "${iface}"/' /etc/cni/net.d/${name}.conflist`);
    else sh(`sed -i 's/"network_interface": "[^"]*"/"network_interface": "${iface}"/' /etc/containers/networks/${name}.json`);
    assert.equal(JSON.parse(sh(`podman network inspect ${name}`))[0].network_interface, iface);
}

for (const t of transports()) {
    describe(`PodmanNetwork [${t.name}]`, () => {
        test(`create, read, no-op diff, drift, replace, delete [${t.name}]`, async (ctx) => {
            if (!namesInterfaces) ctx.diagnostic("podman < 4.4 here: the host interface name is not set (covered on the test host)");
            const p = await serialized(podmanNetworkProvider);
            const name = `hotstack-test-${suffix()}`;
            const ifaceName = namesInterfaces ? `hst${suffix()}` : undefined;
            try {
                const inputs = await checked(p, { host: t.host, name, subnet: "10.252.0.0/25", interfaceName: ifaceName });
                const made = await create(p, inputs);
                const inspected = JSON.parse(sh(`podman network inspect ${name}`))[0];
                assert.equal(inspected.subnets[0].subnet, "10.252.0.0/25");
                if (ifaceName) assert.equal(inspected.network_interface, ifaceName);

                const back = await read(p, name, made.outs);
                assert.equal((await p.diff(name, back.props, inputs)).changes, false);

                const other = await checked(p, { host: t.host, name, subnet: "10.252.1.0/25", interfaceName: ifaceName });
                const d = await p.diff(name, back.props, other);
                assert.deepEqual(d.replaces, ["subnet"], "networks cannot change in place");
                assert.equal(d.deleteBeforeReplace, true, "the name is unique on the host");

                sh(`podman network rm ${name}`); // drift: removed by hand
                assert.equal((await read(p, name, back.props)).id, "");
                const again = await create(p, inputs);
                assert.equal(again.outs.adopted, false);
                await p.delete(name, again.outs);
                assert.equal(shOk(`podman network exists ${name}`), false);
            } finally {
                sh(`podman network rm ${name} 2>/dev/null || true`);
            }
        });

        test(`an existing network with another subnet is refused, and never removed [${t.name}]`, async () => {
            const p = await serialized(podmanNetworkProvider);
            const name = `hotstack-test-${suffix()}`;
            sh(`podman network create --subnet 10.252.2.0/25 ${name}`);
            try {
                await assert.rejects(create(p, await checked(p, { host: t.host, name, subnet: "10.252.3.0/25" })), /already exists .* with subnet 10\.252\.2\.0\/25/);
                const same = await create(p, await checked(p, { host: t.host, name, subnet: "10.252.2.0/25" }));
                assert.equal(same.outs.adopted, true);
                await p.delete(name, same.outs);
                assert.ok(shOk(`podman network exists ${name}`));
            } finally {
                sh(`podman network rm ${name} 2>/dev/null || true`);
            }
        });

        test(`an existing network with another gateway or interface is refused by name; one that matches converges [${t.name}]`, async () => {
            const p = await serialized(podmanNetworkProvider);
            const name = `hotstack-test-${suffix()}`;
            const iface = `hst${suffix()}`;
            networkByHand(name, "10.252.4.0/25", "10.252.4.1", iface);
            try {
                const wanted = { host: t.host, name, subnet: "10.252.4.0/25", gateway: "10.252.4.1", interfaceName: iface };
                await assert.rejects(create(p, await checked(p, { ...wanted, gateway: "10.252.4.126", interfaceName: "hstother" })), (e: Error) => {
                    assert.match(e.message, new RegExp(`podman network ${name} already exists on .* with gateway 10\\.252\\.4\\.1, not 10\\.252\\.4\\.126; interfaceName ${iface}, not hstother`));
                    return true;
                });
                assert.equal(fs.existsSync(ledgerPath("podman-network", name)), false, "a refused network leaves no ledger entry");
                assert.ok(shOk(`podman network exists ${name}`), "and stays untouched");

                const inputs = await checked(p, wanted);
                const made = await create(p, inputs);
                assert.equal(made.outs.adopted, true);
                const back = await read(p, name, made.outs);
                assert.equal((await p.diff(name, back.props, inputs)).changes, false, "adopted as asked: the next run changes nothing");
                await p.delete(name, back.props);
                assert.ok(shOk(`podman network exists ${name}`), "an adopted network stays");
            } finally {
                sh(`podman network rm ${name} 2>/dev/null || true`);
            }
        });

        test(`a network this program made, found with another gateway when create runs again, is made anew [${t.name}]`, async () => {
            const p = await serialized(podmanNetworkProvider);
            const name = `hotstack-test-${suffix()}`;
            try {
                await create(p, await checked(p, { host: t.host, name, subnet: "10.252.5.0/25", gateway: "10.252.5.1" }));
                // As after a crash before the state was saved, and a change of inputs.
                const again = await create(p, await checked(p, { host: t.host, name, subnet: "10.252.5.0/25", gateway: "10.252.5.2" }));
                assert.equal(again.outs.adopted, false);
                assert.equal(JSON.parse(sh(`podman network inspect ${name}`))[0].subnets[0].gateway, "10.252.5.2");
                await p.delete(name, again.outs);
                assert.equal(shOk(`podman network exists ${name}`), false);
            } finally {
                sh(`podman network rm ${name} 2>/dev/null || true`);
            }
        });
    });
}

describe("podman failing for another reason than absence [local]", () => {
    // A child process sees a podman that fails like a broken one (exit 125), for every command.
    test("reads of a network, an image and a secret fail with podman's message, and never report gone [local]", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-podman-broken-"));
        try {
            fs.writeFileSync(`${dir}/podman`, "#!/bin/sh\necho 'Error: database is locked (broken on purpose)' >&2\nexit 125\n", { mode: 0o755 });
            const r = inPrivateMounts<Record<string, string>>({ [sh("command -v podman").trim()]: `${dir}/podman` }, `
                const outcome = (p: Promise<{ id?: string }>) => p.then((r) => "answered " + JSON.stringify(r.id), (e: Error) => e.message);
                const read = async (file: string, exported: string, id: string, props: Record<string, unknown>) =>
                    outcome(support.read(await support.serialized(require(root + "/providers/" + file)[exported]), id, { host: "main", ...props }));
                return {
                    network: await read("podman-network", "podmanNetworkProvider", "n1", { name: "n1", subnet: "10.252.9.0/25", adopted: false }),
                    image: await read("container-image", "containerImageProvider", "localhost/i:latest", { name: "localhost/i:latest", imageId: "x", adopted: false }),
                    secret: await read("podman-secret", "podmanSecretProvider", "s1", { name: "s1", digest: "x", adopted: false }),
                };`);
            assert.match(r.network, /inspect podman network n1 failed on local host \(exit 125\)[\s\S]*broken on purpose/);
            assert.match(r.image, /inspect image localhost\/i:latest failed on local host \(exit 125\)[\s\S]*broken on purpose/);
            assert.match(r.secret, /look up podman secret s1 failed on local host \(exit 125\)[\s\S]*broken on purpose/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
