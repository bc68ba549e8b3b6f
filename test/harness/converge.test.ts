// A small program of the host-primitive providers, converged through the harness (serialized
// providers, state file, engine semantics) against this machine, locally and over SSH.
import * as assert from "node:assert/strict";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Directory } from "../../providers/directory";
import { File } from "../../providers/file";
import { FileCapability } from "../../providers/file-capability";
import { Connection } from "../../providers/host/connection";
import { LEDGER_DIR } from "../../providers/host/ledger";
import { HostsBlock } from "../../providers/hosts-block";
import { OvsBridge } from "../../providers/ovs-bridge";
import { PodmanNetwork } from "../../providers/podman-network";
import { PodmanSecret } from "../../providers/podman-secret";
import { SystemUser } from "../../providers/system-user";
import { sh, shOk, suffix, transports } from "../support/providers";
import { changeCount, destroy, loadState, preview, up } from "./engine";

interface Names {
    root: string;
    adoptedDir: string;
    bridge: string;
    adoptedBridge: string;
    user: string;
    adoptedUser: string;
    network: string;
    secret: string;
    hosts: string;
    binary: string;
}

function program(conn: Connection, n: Names, motd: string) {
    return () => {
        const connection = conn.kind === "ssh" ? pulumi.secret(conn) : conn;
        const password = new random.RandomPassword("password", { length: 24, special: false });
        const root = new Directory("root", { connection, path: n.root, mode: "0755" });
        const shared = new Directory("shared", { connection, path: `${n.root}/shared`, group: "kvm", mode: "2775" }, { dependsOn: root });
        new Directory("adopted", { connection, path: n.adoptedDir, mode: "0750" });
        new File("motd", { connection, path: `${n.root}/motd`, content: motd }, { dependsOn: root });
        new File("secret-file", { connection, path: `${n.root}/secret.conf`, content: pulumi.interpolate`password=${password.result}\n`, mode: "0600" }, { dependsOn: root });
        const user = new SystemUser("user", { connection, name: n.user, home: `${n.root}/home`, groups: ["kvm"] }, { dependsOn: root });
        new SystemUser("adopted-user", { connection, name: n.adoptedUser, home: `/tmp/${n.adoptedUser}`, shell: "/bin/sh", groups: ["kvm"] });
        new OvsBridge("bridge", { connection, name: n.bridge, datapathType: "netdev", mtu: 9216, address: "10.253.0.1/24" });
        new OvsBridge("adopted-bridge", { connection, name: n.adoptedBridge, datapathType: "netdev" });
        new PodmanNetwork("network", { connection, name: n.network, subnet: "10.253.1.0/25" });
        new PodmanSecret("secret", { connection, name: n.secret, value: password.result });
        new HostsBlock("hosts", { connection, file: n.hosts, entries: [{ ip: "10.253.0.1", names: ["keystone.hotstack-os.local"] }] });
        new FileCapability("cap", { connection, path: n.binary, capabilities: "cap_net_admin+ep" });
        return { shared: shared.path, uid: user.uid };
    };
}

/** What a test can see on the host about the objects of the program. */
function snapshot(n: Names): string {
    return sh([
        `find ${n.root} ${n.adoptedDir} -printf '%p %m %u %g\\n' 2>/dev/null | sort || true`,
        `cat ${n.root}/motd 2>/dev/null || true`,
        `id ${n.user} 2>/dev/null || echo no-user`,
        `id ${n.adoptedUser}`,
        `ovs-vsctl list-br | grep -E '^(${n.bridge}|${n.adoptedBridge})$' || true`,
        `ip -o -4 addr show dev ${n.bridge} 2>/dev/null | awk '{print $4}' || true`,
        `podman network exists ${n.network} && echo network || echo no-network`,
        `podman secret inspect ${n.secret} >/dev/null 2>&1 && echo secret || echo no-secret`,
        `cat ${n.hosts}`,
        `getcap ${n.binary}`,
    ].join("\n"));
}

for (const t of transports()) {
    describe(`converge a small program through the harness [${t.name}]`, () => {
        const s = suffix();
        const n: Names = {
            root: `/tmp/hotstack-converge-${s}`,
            adoptedDir: `/tmp/hotstack-converge-adopted-${s}`,
            bridge: `hsc-${s}`,
            adoptedBridge: `hsca-${s}`,
            user: `hsc${s}`,
            adoptedUser: `hsca${s}`,
            network: `hotstack-converge-${s}`,
            secret: `hotstack-converge-${s}`,
            hosts: `/tmp/hotstack-converge-hosts-${s}`,
            binary: `/tmp/hotstack-converge-bin-${s}`,
        };
        const stateFile = path.join(os.tmpdir(), `hotstack-converge-${s}.json`);
        const opts = () => ({ stateFile, refresh: true, stack: `converge-${t.name}` });

        before(() => {
            // Things that exist before the program: they are adopted and must survive destroy.
            sh(`mkdir -m 0700 ${n.adoptedDir} && touch ${n.adoptedDir}/precious`);
            sh(`ovs-vsctl add-br ${n.adoptedBridge} -- set bridge ${n.adoptedBridge} datapath_type=netdev`);
            sh(`useradd --system --shell /bin/sh --home-dir /nonexistent ${n.adoptedUser}`);
            sh(`printf '127.0.0.1 localhost\\n' > ${n.hosts}; cp /bin/true ${n.binary}`);
        });
        after(() => {
            sh(`rm -rf ${n.root} ${n.adoptedDir} ${n.hosts} ${n.binary} ${stateFile} /tmp/${n.adoptedUser}`);
            sh(`ovs-vsctl --if-exists del-br ${n.bridge}; ovs-vsctl --if-exists del-br ${n.adoptedBridge}`);
            sh(`userdel -r ${n.user} 2>/dev/null || true; userdel -r ${n.adoptedUser} 2>/dev/null || true`);
            sh(`podman network rm ${n.network} 2>/dev/null || true; podman secret rm ${n.secret} 2>/dev/null || true`);
        });

        test(`run 1 creates everything, run 2 changes nothing [${t.name}]`, async () => {
            const r1 = await up(program(t.connection, n, "hello\n"), opts());
            assert.equal(r1.ops.create, 15, JSON.stringify(r1.ops)); // 14 resources + the stack
            assert.equal(r1.ops.update ?? 0, 0);
            assert.equal(fs.readFileSync(`${n.root}/motd`, "utf8"), "hello\n");
            assert.match(fs.readFileSync(`${n.root}/secret.conf`, "utf8"), /^password=[A-Za-z0-9]{24}\n$/);
            assert.equal(sh(`stat -c '%a %G' ${n.root}/shared`).trim(), "2775 kvm");
            assert.equal(r1.outputs.shared, `${n.root}/shared`);
            assert.equal(typeof r1.outputs.uid, "number");

            const state = fs.readFileSync(stateFile, "utf8");
            const password = fs.readFileSync(`${n.root}/secret.conf`, "utf8").trim().split("=")[1];
            assert.ok(!state.includes(`password=${password}`) || state.includes("1b47061264138c4ac30d75fd1eb44270"), "secret values are marked secret in state");
            const secretFile = loadState(stateFile).resources.find((r) => r.urn.endsWith("::secret-file"))!;
            assert.equal(secretFile.inputs.content["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");

            const r2 = await up(program(t.connection, n, "hello\n"), opts());
            assert.equal(changeCount(r2), 0, JSON.stringify(r2.steps));
            assert.equal(r2.ops.same, 15);
        });

        test(`changing one input updates exactly that resource [${t.name}]`, async () => {
            const r = await up(program(t.connection, n, "changed\n"), opts());
            assert.deepEqual(r.steps.map((st) => [st.op, st.urn.split("::").pop()]), [["update", "motd"]]);
            assert.equal(fs.readFileSync(`${n.root}/motd`, "utf8"), "changed\n");
        });

        test(`drift made by hand is found by the refresh and repaired [${t.name}]`, async () => {
            sh(`chmod 0700 ${n.root}/shared; ovs-vsctl set interface ${n.bridge} mtu_request=1500`);
            const p = await preview(program(t.connection, n, "changed\n"), opts());
            assert.deepEqual(p.steps.filter((st) => st.op === "update").map((st) => st.urn.split("::").pop()).sort(), ["bridge", "shared"]);
            const r = await up(program(t.connection, n, "changed\n"), opts());
            assert.equal(r.ops.update, 2);
            assert.equal(sh(`stat -c %a ${n.root}/shared`).trim(), "2775");
            assert.equal(sh(`ovs-vsctl get interface ${n.bridge} mtu_request`).trim(), "9216");
        });

        test(`preview leaves the host untouched [${t.name}]`, async () => {
            const before = snapshot(n);
            const ledger = sh(`ls -R ${LEDGER_DIR}`);
            const p = await preview(program(t.connection, n, "previewed\n"), opts());
            assert.equal(p.ops.update, 1);
            assert.equal(snapshot(n), before);
            assert.equal(sh(`ls -R ${LEDGER_DIR}`), ledger);
        });

        test(`destroy from a fresh process removes what the program made and nothing else [${t.name}]`, async () => {
            const out = childProcess.execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "test/harness/cli.ts", "destroy", stateFile]).toString();
            assert.equal(JSON.parse(out).ops.delete, 15);
            assert.equal(fs.existsSync(n.root), false);
            assert.equal(shOk(`id ${n.user}`), false);
            assert.equal(shOk(`ovs-vsctl br-exists ${n.bridge}`), false);
            assert.equal(shOk(`podman network exists ${n.network}`), false);
            assert.equal(shOk(`podman secret inspect ${n.secret}`), false);
            assert.equal(fs.readFileSync(n.hosts, "utf8"), "127.0.0.1 localhost\n");
            assert.equal(sh(`getcap ${n.binary}`).trim(), "");
            // adopted: still there, as they were
            assert.equal(sh(`stat -c %a ${n.adoptedDir}`).trim(), "700");
            assert.ok(fs.existsSync(`${n.adoptedDir}/precious`));
            assert.ok(shOk(`ovs-vsctl br-exists ${n.adoptedBridge}`));
            assert.ok(shOk(`id ${n.adoptedUser}`));
            assert.ok(!sh(`id -nG ${n.adoptedUser}`).includes("kvm"));
            assert.deepEqual(loadState(stateFile).resources, []);
        });

        test(`a failed host command fails the run, and what depends on it, without hanging [${t.name}]`, { timeout: 60000 }, async () => {
            // A shell exit status 1 in the provider's error must not read as a gRPC status (CANCELLED).
            const program = () => {
                const broken = new File("broken", { connection: t.connection, path: `/nonexistent-${s}/x.conf`, content: "x" });
                new File("dependent", { connection: t.connection, path: `/tmp/hotstack-dependent-${s}`, content: broken.contentSha256.apply((h) => `after ${h}\n`) });
            };
            await assert.rejects(up(program, { stateFile: `${stateFile}.broken` }), /write \/nonexistent-.* failed on/);
            assert.equal(fs.existsSync(`/tmp/hotstack-dependent-${s}`), false);
            fs.rmSync(`${stateFile}.broken`, { force: true });
        });

        test(`bad input fails in check() before the host is touched [${t.name}]`, async () => {
            const badRoot = `/tmp/hotstack-never-${s}`;
            const bad = () => {
                new Directory("bad", { connection: t.connection, path: badRoot, mode: "999" });
                new OvsBridge("bad-bridge", { connection: t.connection, name: "hot-ex-way-too-long" });
            };
            await assert.rejects(up(bad, { stateFile: `${stateFile}.bad` }), (e: Error) => /mode: must be an octal mode.*"999"/.test(e.message) && /name: must be an interface name of at most 15 characters.*"hot-ex-way-too-long"/.test(e.message));
            assert.equal(fs.existsSync(badRoot), false);
            fs.rmSync(`${stateFile}.bad`, { force: true });
        });
    });
}
