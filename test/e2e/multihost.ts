// npm run e2e:multihost — a second test host joins as a compute host (its host layer), over its
// own SSH connection, through the harness (the real index.ts): the join creates only compute1's
// resources, run 2 is a no-op on both, compute1 holds after a reboot, drift there is found and
// repaired, an unreachable compute1 is named, retiring it (role unset) removes exactly what the
// program made there and changes nothing on main, dropping the entry then changes nothing,
// destroy leaves nothing on either host. Ends with one line of figures.
//
// The two test hosts: main is this process's (TH, SSH_PORT, …); compute1 is COMPUTE_TH,
// COMPUTE_SSH_PORT, COMPUTE_NAME, COMPUTE_SUBNET_PREFIX, COMPUTE_CTR_MAC (defaults beside it).
import * as fs from "node:fs";
import { changeCount, preview } from "../harness/engine";
import { Report } from "../harness/engine";
import { TestHost, defaultTestHost } from "../support/testhost";
import { converge, destroyFresh, figures, log, program, rmState, runChecks, stateFile, testStackConfig } from "./common";
import { connect } from "../../providers/host/transport";
import { computeHostsStatus } from "../../tools/status";
import { computeHostChecks, leftovers, retryChecks } from "./host-layer";

const compute = new TestHost({
    th: process.env.COMPUTE_TH ?? "/var/tmp/hotstack-testhost-compute1",
    sshPort: Number(process.env.COMPUTE_SSH_PORT ?? 2230),
    name: process.env.COMPUTE_NAME ?? "hotstack-testhost-compute1",
    subnetPrefix: process.env.COMPUTE_SUBNET_PREFIX ?? "198.18.90",
    ctrMac: process.env.COMPUTE_CTR_MAC ?? "02:00:c6:12:5a:02",
});

/** The resources a run changed, as "op name" (the default provider's own update left out). */
const changed = (r: Report) => r.steps.filter((s) => !s.type.startsWith("pulumi:providers:") && ["create", "update", "replace", "delete"].includes(s.op)).map((s) => `${s.op} ${s.urn.split("::").pop()}`);

async function main(): Promise<void> {
    const main = defaultTestHost;
    const problems: string[] = [];
    const expect = (ok: boolean, what: string, detail = "") => {
        if (!ok) problems.push(what);
        log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
        return ok;
    };
    const conn = main.start(true);
    const c1 = compute.start(true);
    const state = stateFile("e2e-multihost");
    rmState(state);
    const fig: Record<string, string | number> = {};
    const entry = (role?: string) => ({ compute1: { host: `ssh://root@127.0.0.1:${c1.port}`, sshPrivateKey: c1.privateKey, sshHostKey: c1.hostKeySha256, ...(role ? { role } : {}) } });
    // The host layer only (serviceSet host): this stage is about hosts joining and leaving.
    const opts = (hosts?: object) => ({ stateFile: state, ...testStackConfig(conn, { serviceSet: "host" }, hosts ? { hosts: JSON.stringify(hosts) } : {}), log: undefined });
    try {
        await converge("run 1: main alone", opts());

        const join = await converge("compute1 joins (role compute)", opts(entry("compute")));
        fig.join_s = join.seconds.toFixed(1);
        const joined = changed(join);
        const elsewhere = joined.filter((c) => !/^create compute1-/.test(c));
        expect(joined.length > 0 && elsewhere.length === 0, "the join creates compute1's resources and changes nothing on main", `${joined.length} created${elsewhere.length ? `; also: ${elsewhere.join(", ")}` : ""}`);
        const failed = runChecks(computeHostChecks(9216), compute);
        expect(failed.length === 0, `compute1's host layer (${failed.length} checks failed)`);
        expect(main.ok("ovs-vsctl br-exists hot-ex") && !compute.ok("ovs-vsctl br-exists hot-ex"), "hot-ex (the provider network) is on main only");

        const status = await computeHostsStatus(["compute1"], () => connect(c1));
        log(status.text);
        fig.status_ok = status.ok && /unit hotstack-os-fabric\.service +up/.test(status.text) && /libvirt session \(user hotstack\) +up/.test(status.text) ? 1 : 0;
        expect(fig.status_ok === 1, "npm run status's table for compute1: its units and libvirt session up");

        const run2 = await converge("run 2", opts(entry("compute")));
        fig.run2_changes = changeCount(run2);
        expect(changeCount(run2) === 0, "run 2 changes nothing on either host", changed(run2).join(", "));

        log("compute1 reboots (its container restarts); no program run");
        compute.reboot();
        const afterReboot = await retryChecks(computeHostChecks(9216), 60, compute);
        fig.compute_reboot_ok = afterReboot.length === 0 ? 1 : 0;
        expect(afterReboot.length === 0, `compute1 holds after its reboot (${afterReboot.length} failed)`);

        log("drift on compute1: hot-int deleted by hand");
        compute.run("ovs-vsctl del-br hot-int");
        const p = await preview(program, { ...opts(entry("compute")), refresh: true });
        const seen = p.steps.filter((s) => !["read", "refresh-update", "same"].includes(s.op) && !s.type.startsWith("pulumi:providers:")).map((s) => `${s.op} ${s.urn.split("::").pop()}`);
        expect(JSON.stringify(seen) === JSON.stringify(["refresh-delete compute1-fabric-hot-int", "create compute1-fabric-hot-int"]), "preview names exactly compute1's bridge", seen.join(", "));
        const repair = await converge("repair run", opts(entry("compute")));
        expect(runChecks(computeHostChecks(9216), compute).length === 0 && changed(repair).join() === "create compute1-fabric-hot-int", "the next run repaired it", changed(repair).join(", "));

        log("compute1 unreachable (its container stopped)");
        compute.stop();
        let refusal = "";
        try {
            await converge("run with compute1 down", opts(entry("compute")));
        } catch (e) {
            refusal = (e as Error).message;
        }
        const downStatus = await computeHostsStatus(["compute1"], () => connect(c1));
        expect(!downStatus.ok && /connection +down +.*cannot connect to root@127\.0\.0\.1/.test(downStatus.text), "status says compute1 cannot be reached", downStatus.text.trim().split("\n").pop());
        const line = refusal.split("\n").find((l) => l.includes("127.0.0.1:" + c1.port)) ?? refusal.split("\n")[0];
        fig.unreachable_named = line.includes(`host "compute1" (hotstack-os:hosts.compute1): cannot connect to root@127.0.0.1:${c1.port}`) ? 1 : 0;
        expect(fig.unreachable_named === 1, "the run fails naming compute1, its config key and address", line?.trim().slice(0, 200));
        compute.start();
        expect(changeCount(await converge("compute1 back", opts(entry("compute")))) === 0, "with compute1 back, nothing to change");

        log("retire compute1: its role unset, the entry (its connection) kept");
        const retire = await converge("retire compute1", opts(entry()));
        const retired = changed(retire);
        const notCompute1 = retired.filter((c) => !/^delete compute1-/.test(c));
        const left = leftovers(compute);
        fig.remove_host_ok = retired.length === joined.length && notCompute1.length === 0 && left.length === 0 ? 1 : 0;
        expect(notCompute1.length === 0 && retired.length === joined.length, "exactly compute1's resources are deleted", `${retired.length} deleted of ${joined.length} created${notCompute1.length ? `; also: ${notCompute1.join(", ")}` : ""}`);
        expect(left.length === 0, "compute1 is left clean", left.join(", ") || "nothing left");
        expect(main.ok("ovs-vsctl br-exists hot-ex && id hotstack"), "main keeps its host layer");
        const dropped = await converge("the entry deleted", opts());
        expect(changeCount(dropped) === 0, "deleting the entry then changes nothing", changed(dropped).join(", "));

        await converge("compute1 joins again", opts(entry("compute")));
    } finally {
        log("destroy (fresh process, state file only)");
        try {
            destroyFresh(state);
        } catch (e) {
            expect(false, "destroy", (e as Error).message.split("\n")[0]);
        }
        const leftMain = leftovers(main), leftCompute = compute.ok("true") ? leftovers(compute) : ["compute1 unreachable"];
        fig.destroy_leftovers = leftMain.length + leftCompute.length;
        expect(leftMain.length + leftCompute.length === 0, "destroy leaves nothing on either host", [...leftMain.map((l) => `main: ${l}`), ...leftCompute.map((l) => `compute1: ${l}`)].join(", ") || "nothing");
        if (!process.env.KEEP_TESTHOST) {
            main.stop();
            compute.stop();
        }
        fs.rmSync(state, { force: true });
    }
    console.log(problems.length ? `\n${problems.length} problem(s):\n  ${problems.join("\n  ")}` : "\nall checks passed");
    console.log(figures(fig));
    if (problems.length) process.exitCode = 1;
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
