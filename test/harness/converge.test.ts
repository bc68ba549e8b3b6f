// A small program of the host-primitive providers, converged through the harness — the real
// dynamic provider host process over gRPC, a state file, engine semantics — against this
// machine, locally and over SSH.
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
import { LEDGER_DIR } from "../../providers/host/ledger";
import { HostsBlock } from "../../providers/hosts-block";
import { OvsBridge } from "../../providers/ovs-bridge";
import { PodmanNetwork } from "../../providers/podman-network";
import { PodmanSecret } from "../../providers/podman-secret";
import { SystemUser } from "../../providers/system-user";
import { sh, shOk, suffix } from "../support/providers";
import { TestSshd, startSshd } from "../support/sshd";
import { DEFAULT_PROVIDER_TYPE, HarnessOptions, changeCount, destroy, loadState, preview, up } from "./engine";
import { BareFlakyService, FlakyService, MarkerFile } from "./fixtures/marker";
import { withProviderCode } from "./state";
import { SECRET_SIG, SIG_KEY } from "./wire";

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

function program(n: Names, motd: string) {
    return () => {
        const password = new random.RandomPassword("password", { length: 24, special: false });
        const digestKey = new random.RandomPassword("digest-key", { length: 32, special: false });
        const root = new Directory("root", { path: n.root, mode: "0755" });
        const shared = new Directory("shared", { path: `${n.root}/shared`, group: "kvm", mode: "2775" }, { dependsOn: root });
        new Directory("adopted", { path: n.adoptedDir, mode: "0750" });
        new File("motd", { path: `${n.root}/motd`, content: motd }, { dependsOn: root });
        new File("secret-file", { path: `${n.root}/secret.conf`, content: pulumi.interpolate`password=${password.result}\n`, mode: "0600" }, { dependsOn: root });
        const user = new SystemUser("user", { name: n.user, home: `${n.root}/home`, groups: ["kvm"] }, { dependsOn: root });
        new SystemUser("adopted-user", { name: n.adoptedUser, home: `/tmp/${n.adoptedUser}`, shell: "/bin/sh", groups: ["kvm"] });
        new OvsBridge("bridge", { name: n.bridge, datapathType: "netdev", mtu: 9216, address: "10.253.0.1/24" });
        new OvsBridge("adopted-bridge", { name: n.adoptedBridge, datapathType: "netdev" });
        new PodmanNetwork("network", { name: n.network, subnet: "10.253.1.0/25" });
        new PodmanSecret("secret", { name: n.secret, value: password.result, digestKey: digestKey.result });
        new HostsBlock("hosts", { file: n.hosts, entries: [{ ip: "10.253.0.1", names: ["keystone.hotstack-os.local"] }] });
        new FileCapability("cap", { path: n.binary, capabilities: "cap_net_admin+ep" });
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

/** Stack config that reaches this machine: locally, or through the test's sshd. */
function stackConfig(kind: "local" | "ssh", sshd?: TestSshd): Pick<HarnessOptions, "config" | "secretConfig"> {
    if (kind === "local") return { config: { host: "local" }, secretConfig: [] };
    const c = sshd!.sudoConnection;
    return { config: { host: `ssh://${c.user}@127.0.0.1:${c.port}`, sshPrivateKey: c.privateKey, sshHostKey: c.hostKeySha256 }, secretConfig: ["sshPrivateKey"] };
}

const names = (s: string): Names => ({
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
});

let sshd: TestSshd;
before(async () => {
    sshd = await startSshd();
});
after(async () => {
    await sshd?.stop();
});

for (const kind of ["local", "ssh"] as const) {
    describe(`converge a small program through the real provider host [${kind}]`, () => {
        const s = suffix();
        const n = names(s);
        const stateFile = path.join(os.tmpdir(), `hotstack-converge-${s}.json`);
        const opts = (): HarnessOptions => ({ stateFile, refresh: true, stack: `converge-${kind}`, ...stackConfig(kind, sshd) });

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

        test(`run 1 creates everything, run 2 changes nothing; no secret in plain text in the state [${kind}]`, async () => {
            const r1 = await up(program(n, "hello\n"), opts());
            assert.equal(changeCount(r1), 16, JSON.stringify(r1.ops)); // 2 passwords + 13 host resources + the stack
            assert.equal(fs.readFileSync(`${n.root}/motd`, "utf8"), "hello\n");
            assert.match(fs.readFileSync(`${n.root}/secret.conf`, "utf8"), /^password=[A-Za-z0-9]{24}\n$/);
            assert.equal(sh(`stat -c '%a %G' ${n.root}/shared`).trim(), "2775 kvm");
            assert.equal(r1.outputs.shared, `${n.root}/shared`);
            assert.equal(typeof r1.outputs.uid, "number");

            // Secrets: the state file holds ciphertext only, never the value (the password, the SSH key),
            // not even inside the stored (gzipped) provider code.
            const raw = withProviderCode(fs.readFileSync(stateFile, "utf8"));
            const password = fs.readFileSync(`${n.root}/secret.conf`, "utf8").trim().split("=")[1];
            assert.ok(!raw.includes(password), "the generated password is not in the state file");
            assert.match(raw, /"ciphertext": "v1:/);
            const state = loadState(stateFile);
            const secretFile = state.resources.find((r) => r.urn.endsWith("::secret-file"))!;
            assert.equal(secretFile.inputs.content[SIG_KEY], SECRET_SIG, "the content is marked secret");
            assert.equal(secretFile.inputs.content.value, `password=${password}\n`, "and decrypts to the value");
            if (kind === "ssh") {
                const key = sshd.sudoConnection.privateKey!;
                assert.ok(!raw.includes(key.split("\n")[1]), "the SSH private key is not in the state file");
                // Decrypted, it is only in the default provider's inputs (the stack config), in no resource.
                const holders = state.resources.filter((r) => withProviderCode(JSON.stringify(r)).includes(key.split("\n")[1])).map((r) => r.type);
                assert.deepEqual(holders, [DEFAULT_PROVIDER_TYPE]);
            }

            const r2 = await up(program(n, "hello\n"), opts());
            assert.equal(changeCount(r2), 0, JSON.stringify(r2.steps));
            assert.equal(r2.ops.same, 17); // + the default provider
        });

        test(`changing one input updates exactly that resource [${kind}]`, async () => {
            const r = await up(program(n, "changed\n"), opts());
            assert.deepEqual(r.steps.map((st) => [st.op, st.urn.split("::").pop()]), [["update", "motd"]]);
            assert.equal(fs.readFileSync(`${n.root}/motd`, "utf8"), "changed\n");
        });

        test(`drift made by hand is found by the refresh and repaired [${kind}]`, async () => {
            sh(`chmod 0700 ${n.root}/shared; ovs-vsctl set interface ${n.bridge} mtu_request=1500`);
            const p = await preview(program(n, "changed\n"), opts());
            assert.deepEqual(p.steps.filter((st) => st.op === "update").map((st) => st.urn.split("::").pop()).sort(), ["bridge", "shared"]);
            const r = await up(program(n, "changed\n"), opts());
            assert.equal(r.ops.update, 2);
            assert.equal(sh(`stat -c %a ${n.root}/shared`).trim(), "2775");
            assert.equal(sh(`ovs-vsctl get interface ${n.bridge} mtu_request`).trim(), "9216");
        });

        test(`preview leaves the host and the state untouched [${kind}]`, async () => {
            const before = snapshot(n);
            const ledger = sh(`ls -R ${LEDGER_DIR}`);
            const state = fs.readFileSync(stateFile, "utf8");
            const p = await preview(program(n, "previewed\n"), opts());
            assert.equal(p.ops.update, 1);
            assert.equal(snapshot(n), before);
            assert.equal(sh(`ls -R ${LEDGER_DIR}`), ledger);
            assert.equal(fs.readFileSync(stateFile, "utf8"), state);
        });

        test(`destroy from a fresh process refreshes first, tolerates what was removed by hand, removes what the program made and nothing else [${kind}]`, async () => {
            sh(`rm -f ${n.root}/motd`); // already gone: the refresh drops it, destroy does not fail on it
            const out = childProcess.execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "test/harness/cli.ts", "destroy", stateFile, "--refresh"]).toString();
            const ops = JSON.parse(out).ops;
            assert.equal(ops.read, 13, JSON.stringify(ops));
            assert.equal(ops["refresh-delete"], 1);
            assert.equal(ops.delete, 16, JSON.stringify(ops)); // 12 host resources (motd was gone) + 2 passwords + the stack + the default provider
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
    });
}

describe("engine behaviour through the real provider host", () => {
    const s = suffix();
    const dir = `/tmp/hotstack-engine-${s}`;
    const stateFile = path.join(os.tmpdir(), `hotstack-engine-${s}.json`);
    const local = (extra: Partial<HarnessOptions> = {}): HarnessOptions => ({ stateFile, refresh: true, config: { host: "local" }, ...extra });
    before(() => sh(`mkdir -p ${dir}`));
    after(() => sh(`rm -rf ${dir} ${stateFile}*`));

    test("a create that fails after the object exists keeps its provider: preview, up and destroy all work", { timeout: 60000 }, async () => {
        const flaky = () => {
            new FlakyService("flaky", { path: `${dir}/flaky` });
        };
        await assert.rejects(up(flaky, local()), /did not come up/);
        const stored = loadState(stateFile).resources.find((r) => r.urn.endsWith("::flaky"))!;
        assert.deepEqual(stored.initErrors, [`${dir}/flaky did not come up`]);
        assert.equal(typeof stored.outputs.__provider, "string", "the init failure's properties kept __provider");

        const p = await preview(flaky, local());
        assert.deepEqual(p.steps.map((st) => st.op), ["update"], "the engine retries a resource with init errors");
        await assert.rejects(up(flaky, local()), /did not come up/, "still unhealthy: fails again, cleanly");
        sh(`touch ${dir}/flaky.healthy`);
        const r = await up(flaky, local());
        assert.deepEqual(r.steps.filter((st) => !st.op.startsWith("refresh")).map((st) => [st.op, st.urn.split("::").pop()]), [["update", "flaky"]]);
        assert.equal(loadState(stateFile).resources.find((x) => x.urn.endsWith("::flaky"))!.initErrors, undefined);
        assert.equal(changeCount(await up(flaky, local())), 0);
        await destroy(local());
        assert.equal(fs.existsSync(`${dir}/flaky`), false);
    });

    test("control: a bare provider whose init failure drops __provider wedges the stack in the real host", { timeout: 60000 }, async () => {
        const bare = () => {
            new BareFlakyService("bare", { path: `${dir}/bare` });
        };
        await assert.rejects(up(bare, local()), /did not come up/);
        // What every later refresh / up / destroy of such a resource hits with the real engine:
        await assert.rejects(up(bare, local()), /code must be a string/);
        await assert.rejects(destroy(local()), /code must be a string/);
        fs.rmSync(stateFile, { force: true });
        sh(`rm -f ${dir}/bare`);
    });

    test("a code upgrade updates every resource's stored provider without touching the host; destroy then runs the new code", { timeout: 60000 }, async () => {
        const files = (version: string) => () => {
            for (const i of [1, 2, 3]) new MarkerFile(`m${i}`, version, { path: `${dir}/m${i}`, content: `file ${i}\n` });
        };
        await up(files("v1"), local());
        const before = sh(`stat -c '%n %Y %i' ${dir}/m1 ${dir}/m2 ${dir}/m3`);
        const p = await preview(files("v2"), local());
        assert.deepEqual(p.steps.map((st) => st.op), ["update", "update", "update"], "the preview shows why: every resource updates");
        const r = await up(files("v2"), local());
        assert.equal(r.steps.filter((st) => st.op === "update").length, 3);
        assert.equal(sh(`stat -c '%n %Y %i' ${dir}/m1 ${dir}/m2 ${dir}/m3`), before, "no host change");
        assert.equal(changeCount(await up(files("v2"), local())), 0, "and then a no-op");
        await destroy(local());
        for (const i of [1, 2, 3]) assert.equal(fs.readFileSync(`${dir}/m${i}.deleted-by`, "utf8").trim(), "v2", "the new delete ran");
    });

    test("control: without that update, destroy runs the code stored at the last create", { timeout: 60000 }, async () => {
        sh(`rm -f ${dir}/m*`);
        await up(() => new MarkerFile("m1", "v1", { path: `${dir}/m1`, content: "x" }), local());
        await destroy(local());
        assert.equal(fs.readFileSync(`${dir}/m1.deleted-by`, "utf8").trim(), "v1");
    });

    test("a deployed stack pointed at another machine is refused, and nothing is changed", { timeout: 60000 }, async () => {
        const one = () => new MarkerFile("m", "v1", { path: `${dir}/machine`, content: "x" });
        await up(one, local());
        // Another machine answers: its /etc/machine-id differs from the one in the state.
        const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
        for (const r of state.resources) if (r.outputs?.machineId) r.outputs.machineId = "0123456789abcdef0123456789abcdef";
        fs.writeFileSync(stateFile, JSON.stringify(state));
        await assert.rejects(up(() => new MarkerFile("m", "v1", { path: `${dir}/machine`, content: "changed" }), local()), /is not the machine this resource was made on.*Nothing was changed/s);
        assert.equal(fs.readFileSync(`${dir}/machine`, "utf8"), "x");
        await assert.rejects(destroy(local()), /is not the machine this resource was made on/);
        assert.ok(fs.existsSync(`${dir}/machine`), "destroy refused too");
        fs.rmSync(stateFile);
    });

    test("destroy deletes in parallel along the dependency graph", { timeout: 60000 }, async () => {
        // a chain root <- mid <- leaf, and 6 independent leaves: the chain is deleted leaf first.
        const prog = () => {
            const root = new Directory("root", { path: `${dir}/tree` });
            const mid = new Directory("mid", { path: `${dir}/tree/mid` }, { dependsOn: root });
            new File("leaf", { path: `${dir}/tree/mid/leaf`, content: "x" }, { dependsOn: mid });
            for (const i of [1, 2, 3, 4, 5, 6]) new File(`side${i}`, { path: `${dir}/side${i}`, content: "x" });
        };
        await up(prog, local());
        const lines: string[] = [];
        const r = await destroy(local({ log: (l) => lines.push(l) }));
        const order = r.steps.filter((st) => st.op === "delete").map((st) => st.urn.split("::").pop());
        assert.ok(order.indexOf("leaf") < order.indexOf("mid") && order.indexOf("mid") < order.indexOf("root"), order.join(" "));
        assert.ok(order.indexOf("side6") < order.indexOf("root"), "independent deletes do not wait for the chain");
        assert.equal(fs.existsSync(`${dir}/tree`), false);
    });
});

describe("the connection comes from the stack config", () => {
    const s = suffix();
    const file = `/tmp/hotstack-rotate-${s}`;
    const stateFile = path.join(os.tmpdir(), `hotstack-rotate-${s}.json`);
    const knownHosts = path.join(os.tmpdir(), `hotstack-rotate-known-${s}.json`);
    let server: TestSshd;
    const prog = (content: string) => () => new MarkerFile("m", "v1", { path: file, content });
    const via = (d: TestSshd, extra: Partial<HarnessOptions> = {}): HarnessOptions => ({ stateFile, refresh: true, ...stackConfig("ssh", d), ...extra });
    before(async () => {
        server = await startSshd();
        process.env.HOTSTACK_KNOWN_HOSTS = knownHosts;
    });
    after(async () => {
        await server?.stop();
        delete process.env.HOTSTACK_KNOWN_HOSTS;
        sh(`rm -f ${file} ${file}.deleted-by ${stateFile}* ${knownHosts}`);
    });

    test("rotated host and client keys, then a new port: refresh uses the stored connection, --run-program the new one", { timeout: 120000 }, async () => {
        await up(prog("x"), via(server));
        // New host key and client key on the same port (the machine's keys were rotated).
        const port = server.port;
        await server.stop();
        server = await startSshd({ port });
        await assert.rejects(up(prog("x"), via(server)), /not the pinned one/, "plain up: the refresh connects with the config stored at the last update");
        const r = await up(prog("x"), via(server, { runProgram: true }));
        assert.equal(changeCount(r), 0, "up --run-program: the refresh uses the new config; nothing else changes");
        assert.deepEqual(r.steps.map((st) => [st.op, st.type]), [["update", DEFAULT_PROVIDER_TYPE]], "the stored config is updated");
        assert.equal(changeCount(await up(prog("x"), via(server))), 0, "from then on plain up works");

        // A new port (and keys again).
        await server.stop();
        server = await startSshd();
        await assert.rejects(up(prog("x"), via(server)), /cannot connect/);
        assert.equal(changeCount(await up(prog("x"), via(server, { runProgram: true }))), 0);
        await destroy({ stateFile, refresh: true });
        assert.equal(fs.readFileSync(`${file}.deleted-by`, "utf8").trim(), "v1", "destroy reached the host with the stored (new) connection");
    });

    test("trust on first use: a host key that changes later is refused", { timeout: 120000 }, async () => {
        const tofu = (d: TestSshd): HarnessOptions => {
            const c = d.sudoConnection;
            return { stateFile, refresh: true, runProgram: true, config: { host: `ssh://${c.user}@127.0.0.1:${c.port}`, sshPrivateKey: c.privateKey, sshTrustOnFirstUse: "true" }, secretConfig: ["sshPrivateKey"] };
        };
        fs.rmSync(stateFile, { force: true });
        await up(prog("y"), tofu(server));
        assert.match(fs.readFileSync(knownHosts, "utf8"), /127\.0\.0\.1:/);
        const port = server.port;
        await server.stop();
        server = await startSshd({ port });
        await assert.rejects(up(prog("y"), tofu(server)), /differs from .* remembered on first use/s);
        fs.writeFileSync(knownHosts, "{ not json");
        await assert.rejects(up(prog("y"), tofu(server)), /is not valid JSON/);
        assert.equal(fs.readFileSync(knownHosts, "utf8"), "{ not json", "a store it cannot read is never overwritten");
        fs.rmSync(knownHosts);
        await destroy({ ...tofu(server) });
    });
});

describe("failures", () => {
    const s = suffix();
    const stateFile = path.join(os.tmpdir(), `hotstack-fail-${s}.json`);
    after(() => sh(`rm -f ${stateFile}* /tmp/hotstack-dependent-${s}* /tmp/hotstack-refused-${s}`));

    test("a failed host command fails the run, and what depends on it, without hanging", { timeout: 60000 }, async () => {
        const prog = () => {
            const broken = new File("broken", { path: `/nonexistent-${s}/x.conf`, content: "x" });
            new File("dependent", { path: `/tmp/hotstack-dependent-${s}`, content: broken.contentSha256.apply((h) => `after ${h}\n`) });
        };
        await assert.rejects(up(prog, { stateFile, config: { host: "local" } }), /write \/nonexistent-.* failed on/);
        assert.equal(fs.existsSync(`/tmp/hotstack-dependent-${s}`), false);
    });

    test("bad input fails in check() before the host is touched", { timeout: 60000 }, async () => {
        const badRoot = `/tmp/hotstack-never-${s}`;
        const bad = () => {
            new Directory("bad", { path: badRoot, mode: "999" });
            new OvsBridge("bad-bridge", { name: "hot-ex-way-too-long" });
        };
        await assert.rejects(up(bad, { stateFile: `${stateFile}.bad`, config: { host: "local" } }),
            (e: Error) => /mode: must be an octal mode.*"999"/.test(e.message) && /name: must be an interface name of at most 15 characters.*"hot-ex-way-too-long"/.test(e.message));
        assert.equal(fs.existsSync(badRoot), false);
    });

    test("a failed step is reported once, as the engine reports it: its dependents neither run nor wrap its error", { timeout: 60000 }, async () => {
        const prog = () => {
            const broken = new File("broken", { path: `/nonexistent-${s}/x.conf`, content: "x" });
            for (let i = 0; i < 12; i++) new File(`dependent-${i}`, { path: `/tmp/hotstack-dependent-${s}-${i}`, content: broken.contentSha256.apply((h) => `after ${h}\n`) });
        };
        const err: Error = await up(prog, { stateFile: `${stateFile}.once`, config: { host: "local" } }).then(() => assert.fail("the run must fail"), (e: Error) => e);
        assert.equal(err.message.match(/write \/nonexistent-[^ ]* failed on/g)?.length, 1, `the step's error, once:\n${err.message}`);
        assert.doesNotMatch(err.message, /error serializing property|Resource monitor is terminating/);
        assert.equal(shOk(`ls /tmp/hotstack-dependent-${s}-* >/dev/null 2>&1`), false, "no dependent ran");
    });

    test("a config the program refuses does not become the config of the next refresh or destroy", { timeout: 60000 }, async () => {
        const file = `/tmp/hotstack-refused-${s}`;
        const opts = (host: string) => ({ stateFile: `${stateFile}.refused`, config: { host } });
        const prog = () => {
            // As index.ts does: the config is validated before any resource is registered.
            if (new pulumi.Config().require("host") !== "local") throw new Error("host: refused");
            new File("f", { path: file, content: "x" });
        };
        await up(prog, opts("local"));
        await assert.rejects(up(prog, opts("ssh://root@127.0.0.1:1")), /host: refused/);
        const stored = loadState(`${stateFile}.refused`).resources.find((r) => r.type === DEFAULT_PROVIDER_TYPE)!;
        assert.equal(stored.inputs["hotstack-os:host"], "local", "the default provider keeps the config of the last update");
        await destroy({ ...opts("ssh://root@127.0.0.1:1") }); // destroy configures with the stored config: it reaches the host
        assert.equal(fs.existsSync(file), false);
    });

    test("a broken host config is refused with the key named", { timeout: 60000 }, async () => {
        const one = () => new Directory("d", { path: `/tmp/hotstack-never-${s}` });
        await assert.rejects(up(one, { stateFile: `${stateFile}.cfg`, config: { host: "ssh://root@127.0.0.1:1" } }), /hotstack-os:sshHostKey is required/);
    });
});
