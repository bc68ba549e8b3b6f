// firewalld here runs only inside a network and mount namespace that each test makes (its own
// system D-Bus, a copy of /etc/firewalld, its own nftables): this machine's firewall, and the
// test host's beside it, are never touched. The test reruns this file inside that namespace,
// where HOTSTACK_FIREWALLD_NS names the scenario to run instead of the tests.
import * as assert from "node:assert/strict";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { firewallZoneProvider } from "../../providers/firewall-zone";
import { ledgerPath } from "../../providers/host/ledger";
import { closeAllConnections } from "../../providers/host/transport";
import { checked, create, read, serialized, setTestConfig, sh, shOk, sshHostConfig, suffix, update } from "../support/providers";
import { startSshd } from "../support/sshd";

const ROOT = path.resolve(__dirname, "../..");
const fw = (args: string) => sh(`firewall-cmd --permanent ${args}`).trim();
const zones = () => fw("--get-zones").split(/\s+/);
const listOf = (zone: string, what: "sources" | "interfaces") => fw(`--zone=${zone} --list-${what}`).split(/\s+/).filter(Boolean).sort();

// ---- inside the namespace -------------------------------------------------------------------

let firewalld: childProcess.ChildProcess | undefined;

/** Starts firewalld (pid noted for the namespace's cleanup) and waits until it answers. */
function startFirewalld(dir: string): void {
    const log = fs.openSync(`${dir}/firewalld.log`, "a");
    firewalld = childProcess.spawn("firewalld", ["--nofork", "--nopid", "--log-target", "console"], { stdio: ["ignore", log, log] });
    fs.writeFileSync(`${dir}/firewalld.pid`, String(firewalld.pid));
    sh("for i in $(seq 150); do [ \"$(firewall-cmd --state 2>/dev/null)\" = running ] && exit 0; sleep 0.2; done; exit 1");
}

const scenarios: Record<string, (host: string, dir: string) => Promise<void>> = {
    /** firewalld starts after create: update makes the zone, records it, and delete removes it. */
    async madeByUpdate(host, dir) {
        const p = await serialized(firewallZoneProvider);
        const name = `hst${suffix()}`;
        const inputs = await checked(p, { host, name, sources: ["10.250.1.0/24"], interfaces: ["hsfw0"] });
        const made = await create(p, inputs);
        assert.equal(made.outs.firewalld, false, "firewalld is not running yet: nothing done");

        startFirewalld(dir);
        const back = await read(p, name, made.outs);
        assert.equal(back.props.firewalld, true);
        assert.equal((await p.diff(name, back.props, inputs)).changes, true, "the missing zone shows as drift");
        const outs = await update(p, name, back.props, inputs);
        assert.ok(zones().includes(name));
        assert.equal(outs.adopted, false, "made by this program");
        assert.equal(JSON.parse(fs.readFileSync(ledgerPath("firewall-zone", name), "utf8")).created, true, "recorded as made");
        assert.equal((await p.diff(name, (await read(p, name, outs)).props, inputs)).changes, false);

        await p.delete(name, outs);
        assert.ok(!zones().includes(name), "destroy removes the zone update made");
        assert.equal(fs.existsSync(ledgerPath("firewall-zone", name)), false);
    },

    /** A zone that was there is adopted, changed, and put back as it was on delete. */
    async adopted(host, dir) {
        startFirewalld(dir);
        const name = `hst${suffix()}`;
        fw(`--new-zone=${name}`);
        fw(`--zone=${name} --set-target=DROP`);
        fw(`--zone=${name} --add-source=10.250.3.0/24`);
        fw(`--zone=${name} --add-interface=hsfw1`);
        const p = await serialized(firewallZoneProvider);
        const inputs = await checked(p, { host, name, target: "ACCEPT", sources: ["10.250.3.0/24", "10.250.4.0/24"], interfaces: ["hsfw2"] });
        const made = await create(p, inputs);
        assert.equal(made.outs.adopted, true);
        assert.equal(fw(`--zone=${name} --get-target`), "ACCEPT");
        // The update drops the zone's own source (an input before): delete brings it back.
        const outs = await update(p, name, made.outs, await checked(p, { ...inputs, sources: ["10.250.4.0/24"] }));
        assert.deepEqual(listOf(name, "sources"), ["10.250.4.0/24"]);
        assert.deepEqual(listOf(name, "interfaces"), ["hsfw1", "hsfw2"]);

        await p.delete(name, outs);
        assert.ok(zones().includes(name), "an adopted zone stays");
        assert.equal(fw(`--zone=${name} --get-target`), "DROP", "its target as found");
        assert.deepEqual(listOf(name, "sources"), ["10.250.3.0/24"], "its sources as found");
        assert.deepEqual(listOf(name, "interfaces"), ["hsfw1"], "its interfaces as found");
        assert.equal(fs.existsSync(ledgerPath("firewall-zone", name)), false);
    },
};

/** Runs the scenario named by HOTSTACK_FIREWALLD_NS (this process is inside the namespace). */
async function runScenario(): Promise<void> {
    const [scenario, transport, dir] = [process.env.HOTSTACK_FIREWALLD_NS!, process.env.FW_TRANSPORT!, process.env.FW_DIR!];
    const sshd = transport === "ssh" ? await startSshd() : undefined;
    try {
        if (sshd) setTestConfig({ hosts: JSON.stringify(sshHostConfig("ssh", sshd.sudoConnection)) });
        await scenarios[scenario](sshd ? "ssh" : "main", dir);
    } finally {
        await closeAllConnections();
        await sshd?.stop();
        firewalld?.kill();
    }
}

// ---- the tests ------------------------------------------------------------------------------

/** Reruns this file, for one scenario, in a fresh network and mount namespace with its own D-Bus and firewalld. */
function inFirewalldNamespace(scenario: string, transport: string): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-firewalld-"));
    try {
        sh(`cp -a /etc/firewalld ${dir}/etc`);
        const script = [
            "set -e",
            "mount -t tmpfs tmpfs /run && mkdir /run/dbus",
            `mount --bind ${dir}/etc /etc/firewalld`,
            "ip link set lo up",
            `dbus-daemon --system --fork --print-pid > ${dir}/dbus.pid`,
            `rc=0; "$0" -r ts-node/register/transpile-only ${__filename} || rc=$?`,
            // Whatever the scenario left running keeps the namespace alive: ended by pid.
            `for f in ${dir}/firewalld.pid ${dir}/dbus.pid; do [ ! -s "$f" ] || kill "$(cat "$f")" 2>/dev/null || true; done`,
            'exit "$rc"',
        ].join("\n");
        const r = childProcess.spawnSync("unshare", ["--mount", "--net", "--propagation", "private", "sh", "-c", script, process.execPath], {
            cwd: ROOT, encoding: "utf8", env: { ...process.env, HOTSTACK_FIREWALLD_NS: scenario, FW_TRANSPORT: transport, FW_DIR: dir },
        });
        if (r.status !== 0) throw new Error(`scenario ${scenario} [${transport}] failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

if (process.env.HOTSTACK_FIREWALLD_NS) {
    runScenario().catch((e) => {
        console.error(e);
        process.exit(1);
    });
} else {
    const ready = shOk("command -v firewalld && command -v dbus-daemon && command -v unshare");
    for (const transport of ["local", "ssh"]) {
        describe(`FirewallZone, firewalld in a namespace of its own [${transport}]`, { skip: ready ? false : "firewalld is not installed (apt-get install firewalld)" }, () => {
            test(`a zone first made by update (firewalld started after create) is recorded and removed on delete [${transport}]`, () => inFirewalldNamespace("madeByUpdate", transport));
            test(`an existing zone is adopted and gets back its target, sources and interfaces on delete [${transport}]`, () => inFirewalldNamespace("adopted", transport));
        });
    }
}
