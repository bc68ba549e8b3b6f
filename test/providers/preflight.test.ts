// Preflight's refusals from real probes: this machine as it is, a network namespace the test
// makes (a veth with an address in the provider network, a listener on a front-door port), a
// data dir on a small tmpfs. 172.31.x addresses stay inside the namespace, never this machine's.
import * as assert from "node:assert/strict";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { parseConfig } from "../../components/config";
import { preflightRequirements } from "../../components/preflight-plan";
import { sh as quote } from "../../providers/host/shell";
import { Host, connect } from "../../providers/host/transport";
import { Requirements, judge, probe, refreshedFindings } from "../../providers/preflight";
import { sh, suffix } from "../support/providers";

const base = (over: Partial<Requirements> = {}): Requirements => ({ ...preflightRequirements(parseConfig({})), ...over });

/** This machine's host view from inside a network namespace (the same commands, run there). */
async function inNamespace(ns: string): Promise<Host> {
    const local = await connect({ kind: "local" });
    return { ...local, label: `netns ${ns}`, run: (script, opts) => local.run(`exec ip netns exec ${ns} /bin/sh -c ${quote(script)}`, opts) };
}

describe("preflight, from real probes", () => {
    const s = suffix();
    const ns = `hotstack-pf-${s}`;
    const mnt = `/tmp/hotstack-pf-${s}`;
    let listener: childProcess.ChildProcess | undefined;
    before(() => {
        sh(`ip netns add ${ns}`);
        sh(`ip -n ${ns} link add pf0 type veth peer name pf1 && ip -n ${ns} addr add 172.31.0.200/25 dev pf0 && ip -n ${ns} link set pf0 up && ip -n ${ns} link set lo up`);
        listener = childProcess.spawn("ip", ["netns", "exec", ns, process.execPath, "-e", "require('net').createServer().listen(5000, '0.0.0.0'); setInterval(() => {}, 1000)"], { stdio: "ignore" });
        sh(`mkdir -p ${mnt} && mount -t tmpfs -o size=8m tmpfs ${mnt}`);
    });
    after(() => {
        listener?.kill();
        sh(`umount ${mnt}; rmdir ${mnt}; ip netns del ${ns}`);
    });

    test("this machine: what it runs is named (distribution, podman), and the facts were read", async () => {
        const f = await probe(await connect({ kind: "local" }), base());
        assert.ok(f.memoryMb > 0 && f.diskMb > 0 && f.os !== "", JSON.stringify(f));
        const v = judge(f, base());
        const os = fs.readFileSync("/etc/os-release", "utf8");
        const supported = /^ID=(debian|ubuntu|fedora|centos|rhel)$/m.test(os) && !/^VERSION_ID="?12"?$/m.test(os);
        if (!supported) assert.ok(v.refusals.some((r) => r.includes(`the host runs ${f.os} ${f.osVersion}`)), v.refusals.join("\n"));
        if (f.podman && !/^([5-9]|4\.([4-9]|\d\d))/.test(f.podman)) assert.ok(v.refusals.some((r) => r.includes(`podman ${f.podman} is installed; Quadlet`)), v.refusals.join("\n"));
    });

    test("an address in the provider network and a listener on a front-door port, in a namespace", async () => {
        // the listener comes up asynchronously
        const host = await inNamespace(ns);
        let f = await probe(host, base());
        for (let i = 0; i < 50 && !f.listeners.some((l) => l.includes(" 5000 ")); i++) {
            await new Promise((r) => setTimeout(r, 100));
            f = await probe(host, base());
        }
        const v = judge(f, base());
        assert.ok(v.refusals.some((r) => r.startsWith("172.31.0.128/25 is used on this host already (pf0: 172.31.0.200/25)")), v.refusals.join("\n"));
        assert.ok(v.refusals.some((r) => /^tcp port 5000 on 0\.0\.0\.0 is taken by node; the cloud's front door needs it on 172\.31\.0\.129/.test(r)), v.refusals.join("\n"));
        assert.ok(f.listeners.some((l) => / 5000 node theirs$/.test(l)), f.listeners.join("\n"));
        // every finding at once, each saying what to do (after its ":" or ";")
        assert.ok(v.refusals.length >= 2 && v.refusals.every((r) => /[:;] \S/.test(r)), v.refusals.join("\n"));
    });

    test("a listener in a unit of ours (its cgroup named hotstack-os-*.service) is our front door: not refused", async () => {
        // A cgroup named like one of our units, the way systemd names a Quadlet service's.
        const cg = fs.existsSync("/sys/fs/cgroup/cgroup.procs") ? `/sys/fs/cgroup/hotstack-os-pf-${s}.service` : `/sys/fs/cgroup/pids/hotstack-os-pf-${s}.service`;
        const ours = childProcess.spawn("ip", ["netns", "exec", ns, process.execPath, "-e", "require('net').createServer().listen(8774, '0.0.0.0'); setInterval(() => {}, 1000)"], { stdio: "ignore" });
        try {
            sh(`mkdir -p ${cg} && echo ${ours.pid} > ${cg}/cgroup.procs`);
            const host = await inNamespace(ns);
            let f = await probe(host, base());
            for (let i = 0; i < 50 && !f.listeners.some((l) => l.includes(" 8774 ")); i++) {
                await new Promise((r) => setTimeout(r, 100));
                f = await probe(host, base());
            }
            assert.ok(f.listeners.some((l) => / 8774 \S+ ours$/.test(l)), f.listeners.join("\n"));
            const v = judge(f, base());
            assert.ok(!v.refusals.some((r) => r.includes("port 8774")), v.refusals.join("\n"));
            assert.ok(v.refusals.some((r) => r.includes("port 5000")), "someone else's listener still is");
        } finally {
            ours.kill();
            await new Promise((r) => setTimeout(r, 200));
            sh(`rmdir ${cg} 2>/dev/null || true`);
        }
    });

    test("a data dir on a small file system: refused below the minimum, warned below the recommendation", async () => {
        const local = await connect({ kind: "local" });
        const f = await probe(local, base({ dataDir: `${mnt}/data/hotstack-os` }));
        assert.equal(f.diskPath, mnt, "measured at the nearest existing parent");
        assert.ok(f.diskMb <= 8, String(f.diskMb));
        assert.ok(judge(f, base({ dataDir: `${mnt}/data/hotstack-os` })).refusals.some((r) => r.startsWith(`${f.diskMb} MB are free at ${mnt} (the data directory ${mnt}/data/hotstack-os); at least 20480 MB are needed`)));
        const warned = judge(f, base({ dataDir: `${mnt}/data/hotstack-os`, minDiskMb: 1, recommendedDiskMb: 100 }));
        assert.ok(!warned.refusals.some((r) => r.includes("MB are free")) && warned.warnings.some((w) => w.includes("less than the recommended 100 MB")));
        // A deployed host (the data dir exists) whose disk filled up: warned, so a repair run is not refused.
        const deployed = await probe(local, base({ dataDir: mnt }));
        const v = judge(deployed, base({ dataDir: mnt }));
        assert.ok(!v.refusals.some((r) => r.includes("MB are free")) && v.warnings.some((w) => w.startsWith(`only ${deployed.diskMb} MB are free at ${mnt}, below the 20480 MB a first deploy needs`)), JSON.stringify(v));
    });

    test("a refresh records new findings only when the verdict changed, not when free space moved", async () => {
        const local = await connect({ kind: "local" });
        const r = base({ dataDir: `${mnt}/data/hotstack-os`, minDiskMb: 1, recommendedDiskMb: 100 });
        const fresh = await probe(local, r);
        assert.ok(judge(fresh, r).warnings.some((w) => w.includes(`${fresh.diskMb} MB are free`)), "the warning names the number that moves");
        const moved = { ...fresh, diskMb: fresh.diskMb + 1 };
        assert.equal(refreshedFindings(moved, fresh, r), moved, "a megabyte more or less: the stored findings stay (no drift)");
        const unfit = { ...fresh, memoryMb: 1 };
        assert.equal(refreshedFindings(unfit, fresh, r), fresh, "a refusal that went away: the fresh findings");
        const crowded = { ...fresh, listeners: [...fresh.listeners, "tcp 0.0.0.0 5000 node theirs"] };
        assert.equal(refreshedFindings(fresh, crowded, r), crowded, "a port taken since: the fresh findings");
        const elsewhere = { ...fresh, listeners: [...fresh.listeners, "tcp 0.0.0.0 8774 node theirs"] };
        assert.ok(judge(crowded, r).refusals.length > 0 && judge(elsewhere, r).refusals.length > 0, "both ports are the front door's");
        assert.equal(refreshedFindings(crowded, elsewhere, r), elsewhere, "the taken port moved from 5000 to 8774: the fresh findings");
        assert.equal(refreshedFindings(undefined, fresh, r), fresh);
    });

    test("virtType kvm without /dev/kvm is refused; qemu and auto are not", async () => {
        const f = { ...(await probe(await connect({ kind: "local" }), base())), kvm: false };
        assert.ok(judge(f, base({ virtType: "kvm" })).refusals.some((r) => r.startsWith("virtType is kvm but /dev/kvm is missing")));
        assert.ok(!judge(f, base({ virtType: "auto" })).refusals.some((r) => r.includes("/dev/kvm")));
    });
});
