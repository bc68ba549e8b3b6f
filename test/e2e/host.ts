// npm run e2e:host — the host layer converged on a fresh disposable test host over SSH through
// the harness (the real index.ts), checked with the host's own tools: run 1, run 2 = no-op,
// MTU change = only the bridges, reboot = everything holds without the program, drift found and
// repaired, bad config refused before the host is touched, destroy leaves nothing it made and
// everything that was there before. Ends with one line of figures.
import * as fs from "node:fs";
import { parseConfig } from "../../components/config";
import { hostPlan } from "../../components/host-plan";
import { LEDGER_DIR } from "../../providers/host/ledger";
import { directoryChecks, leftovers, retryChecks, sessionChecks, sharedMountChecks } from "./host-layer";
import { changeCount, preview, up } from "../harness/engine";
import { onHost, onHostOk, rebootTestHost, startTestHost, stopTestHost } from "../support/testhost";
import { Check, converge, destroyFresh, figures, log, program, rmState, runChecks, stateFile, testStackConfig } from "./common";

function hostChecks(mtu: number): Check[] {
    const plan = hostPlan(parseConfig({}));
    return [
        ...sessionChecks(),
        ...["hot-int", "hot-ex"].map((b) => ({ name: `ovs-vsctl: ${b} netdev MTU ${mtu}`, cmd: `ovs-vsctl get bridge ${b} datapath_type; ovs-vsctl get interface ${b} mtu_request`, expect: new RegExp(`^"?netdev"?\\n${mtu}$`, "m") })),
        { name: "ip addr: gateway on hot-ex, link up", cmd: "ip -o -4 addr show dev hot-ex; ip -o link show dev hot-ex", expect: /172\.31\.0\.129\/25[\s\S]*[<,]UP[,>]/ },
        { name: "OVS userspace offload on (netdev datapath), ovs-vswitchd started with it", cmd: "ovs-vsctl get Open_vSwitch . other_config:userspace-tso-enable; grep -c 'Userspace TCP Segmentation Offloading support enabled' /var/log/openvswitch/ovs-vswitchd.log", expect: /^"true"\n[1-9]/m },
        ...directoryChecks(plan.directories),
        { name: "/etc/hosts block", cmd: "sed -n '/^# BEGIN hotstack-os managed entries$/,/^# END hotstack-os managed entries$/p' /etc/hosts", expect: /^172\.31\.0\.129 keystone\.hotstack-os\.local glance\.hotstack-os\.local placement\.hotstack-os\.local nova\.hotstack-os\.local neutron\.hotstack-os\.local cinder\.hotstack-os\.local heat\.hotstack-os\.local dashboard\.hotstack-os\.local$/m },
        ...sharedMountChecks(),
        { name: "podman network inspect: subnet", cmd: "podman network inspect hotstack-os --format '{{range .Subnets}}{{.Subnet}}{{end}} {{.NetworkInterface}}'", expect: /^172\.31\.0\.0\/25 hotstack-os$/m },
    ];
}

async function main(): Promise<void> {
    const conn = startTestHost(true);
    const state = stateFile("e2e-host");
    rmState(state);
    // The host layer only: this test is about it (e2e:keystone and e2e:cloud cover the services).
    const opts = (extra: Record<string, string> = {}) => ({ stateFile: state, ...testStackConfig(conn, { serviceSet: "host", ...extra }), log: undefined });
    const problems: string[] = [];
    const expect = (ok: boolean, what: string) => {
        if (!ok) problems.push(what);
        log(`${ok ? "ok  " : "FAIL"} ${what}`);
    };

    // Things that exist before the program: they must still be there after destroy.
    onHost("ovs-vsctl --may-exist add-br br-preexisting -- set bridge br-preexisting datapath_type=netdev; grep -q preexisting.example /etc/hosts || echo '10.9.9.9 preexisting.example' >> /etc/hosts");
    const kvmBefore = onHost("getent group kvm").trim();

    log("bad config is refused before the host is touched");
    for (const [key, value, pattern] of [
        ["providerNetwork", "172.31.0.0/24", /hotstack-os:providerNetwork = "172\.31\.0\.0\/24": overlaps hotstack-os:containerNetwork/],
        ["keystoneIp", "10.1.2.3", /hotstack-os:keystoneIp = "10\.1\.2\.3": must be inside hotstack-os:containerNetwork/],
        ["dataDir", "var/lib/hotstack-os", /hotstack-os:dataDir = "var\/lib\/hotstack-os": must be an absolute path/],
    ] as [string, string, RegExp][]) {
        let message = "";
        try {
            await up(program, { ...opts({ [key]: value }), stateFile: `${state}.bad` });
        } catch (e) {
            message = (e as Error).message;
        }
        expect(pattern.test(message), `${key}=${value} refused: ${message.split("\n").find((l) => l.includes(key))?.trim()}`);
    }
    log("an unfit host is refused by the preflight before anything is changed");
    // An address of someone else's in the provider network (a veth of the test's own).
    onHost("ip link add pf-test type veth peer name pf-peer && ip addr add 172.31.0.200/25 dev pf-test && ip link set pf-test up");
    let refusal = "";
    try {
        await up(program, { ...opts(), stateFile: `${state}.bad` });
    } catch (e) {
        refusal = (e as Error).message;
    }
    const line = refusal.split("\n").find((l) => l.includes("preflight:"))?.trim() ?? refusal.slice(0, 200);
    expect(/preflight: 172\.31\.0\.128\/25 is used on this host already \(pf-test: 172\.31\.0\.200\/25\)/.test(refusal), `the run is refused, naming what was found: ${line}`);
    onHost("ip link del pf-test");
    expect(!onHostOk("id hotstack") && !onHostOk(`test -e ${LEDGER_DIR}`) && !onHostOk("ovs-vsctl br-exists hot-ex"), "the host was not touched by the refused runs (no ownership ledger, no user, no bridge)");
    rmState(`${state}.bad`);

    const run1 = await converge("run 1 (bare host)", opts());
    const failed1 = runChecks(hostChecks(9216));
    expect(failed1.length === 0, `host checks after run 1 (${failed1.length} failed)`);

    const run2 = await converge("run 2", opts());
    expect(changeCount(run2) === 0, "run 2 changes nothing");

    const mtuRun = await converge("MTU 9216 -> 9000", opts({ mtu: "9000" }));
    // (The default provider updates too: it holds the stack config, which changed.)
    const mtuChanged = mtuRun.steps.filter((s) => !s.type.startsWith("pulumi:providers:")).map((s) => s.urn.split("::").pop()).sort();
    expect(JSON.stringify(mtuChanged) === JSON.stringify(["fabric-hot-ex", "fabric-hot-int"]), `only the bridges change: ${mtuChanged.join(", ")}`);
    expect(runChecks(hostChecks(9000)).length === 0, "bridges carry MTU 9000");

    log("reboot (the container restarts; systemd boots again); no program run");
    rebootTestHost();
    const failedReboot = await retryChecks(hostChecks(9000), 60);
    expect(failedReboot.length === 0, `everything holds after the reboot (${failedReboot.length} failed)`);

    log("drift: hot-int deleted by hand, a data dir chmod-ed");
    let drift = 0;
    onHost("ovs-vsctl del-br hot-int");
    const p1 = await preview(program, { ...opts({ mtu: "9000" }), refresh: true });
    const d1 = p1.steps.filter((s) => !["read", "refresh-update"].includes(s.op) && !s.type.startsWith("pulumi:providers:")).map((s) => `${s.op} ${s.urn.split("::").pop()}`);
    if (JSON.stringify(d1) === JSON.stringify(["refresh-delete fabric-hot-int", "create fabric-hot-int"])) drift++;
    log(`  preview: ${d1.join(", ")}`);
    onHost("chmod 0700 /var/lib/hotstack-os/config");
    const p2 = await preview(program, { ...opts({ mtu: "9000" }), refresh: true });
    const d2 = p2.steps.filter((s) => !["read", "refresh-update"].includes(s.op) && !s.type.startsWith("pulumi:providers:")).map((s) => `${s.op} ${s.urn.split("::").pop()}`);
    if (JSON.stringify(d2) === JSON.stringify(["refresh-delete fabric-hot-int", "create fabric-hot-int", "update storage-config"])) drift++;
    log(`  preview: ${d2.join(", ")}`);
    expect(drift === 2, "preview reports exactly the drifted resources (and nothing is changed by it)");
    const repair = await converge("repair run", opts({ mtu: "9000" }));
    expect(runChecks(hostChecks(9000)).length === 0 && changeCount(repair) === 2, "the next run repaired both");

    log("destroy (fresh process, state file only)");
    const t = Date.now();
    const destroyed = destroyFresh(state);
    log(`destroy: ${((Date.now() - t) / 1000).toFixed(1)} s ${JSON.stringify(destroyed.ops)}`);
    const left = leftovers();
    expect(left.length === 0, `destroy leaves nothing the program made${left.length ? ` (left: ${left.join(", ")})` : ""}`);
    expect(onHost("getent group kvm").trim() === kvmBefore, "group kvm stays");
    expect(onHostOk("dpkg -s podman openvswitch-switch libvirt-daemon-system >/dev/null"), "packages stay");
    expect(onHostOk("ovs-vsctl br-exists br-preexisting"), "a pre-existing bridge stays");
    expect(onHostOk("grep -q '^10.9.9.9 preexisting.example$' /etc/hosts"), "other /etc/hosts lines stay");
    expect(onHostOk("test -x /usr/sbin/libvirtd"), "the libvirtd binary stays (only its capability is dropped)");

    if (!process.env.KEEP_TESTHOST) stopTestHost();
    fs.rmSync(state, { force: true });
    console.log(problems.length ? `\n${problems.length} problem(s):\n  ${problems.join("\n  ")}` : "\nall checks passed");
    console.log(figures({
        run1_s: run1.seconds.toFixed(1),
        run2_s: run2.seconds.toFixed(1),
        run2_changes: changeCount(run2),
        mtu_changes: changeCount(mtuRun),
        drift_detected: drift,
        reboot_ok: failedReboot.length === 0 ? 1 : 0,
        destroy_leftovers: left.length,
    }));
    if (problems.length) process.exitCode = 1;
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
