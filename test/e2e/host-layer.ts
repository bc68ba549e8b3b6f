// What the host layer leaves on a test host, read with the host's own tools: shared by e2e:host
// (main) and e2e:multihost (main and a compute host).
import { parseConfig } from "../../components/config";
import { computeHostPlan, hostPlan } from "../../components/host-plan";
import { LEDGER_DIR } from "../../providers/host/ledger";
import { TestHost, defaultTestHost } from "../support/testhost";
import { Check, log, runChecks } from "./common";

export const SOCKET = 'u=$(id -u hotstack) && echo "/run/user/$u/libvirt/libvirt-sock"';

/** hotstack with its libvirt session, as on every host that runs guests. */
export function sessionChecks(): Check[] {
    return [
        { name: "id hotstack shows kvm", cmd: "id hotstack", expect: /groups=.*\(kvm\)/ },
        { name: "loginctl: Linger=yes", cmd: "loginctl show-user hotstack -p Linger", expect: /^Linger=yes$/m },
        { name: "session socket 0770 group kvm", cmd: `stat -c '%a %G %F' "$(${SOCKET})"`, expect: /^770 kvm socket$/m },
        { name: "virsh session list works as root", cmd: `virsh -c "qemu:///session?socket=$(${SOCKET})" list && echo VIRSH-OK`, expect: /VIRSH-OK/ },
        { name: "getcap: cap_net_admin on libvirtd", cmd: "getcap /usr/sbin/libvirtd", expect: /cap_net_admin[=+]ep/ },
    ];
}

/** The directories of a plan with their modes and owners. */
export function directoryChecks(dirs: { path: string; mode?: string; owner?: string; group?: string }[]): Check[] {
    return dirs.filter((d) => d.mode).map((d) => ({
        name: `dir ${d.path} ${d.mode} ${d.owner}:${d.group}`,
        cmd: `stat -c '%a %U %G' ${d.path}`,
        expect: new RegExp(`^${d.mode!.replace(/^0/, "")} ${d.owner} ${d.group}$`, "m"),
    }));
}

export const sharedMountChecks = (): Check[] => ["nova-instances", "nova-mnt"].map((n) => ({ name: `findmnt: ${n} is a shared mount point`, cmd: `findmnt -n -o PROPAGATION --mountpoint /var/lib/hotstack-os/${n}`, expect: /^shared/m }));

/** A compute host's host layer (default config, netdev datapath): and nothing of main's provider network. */
export function computeHostChecks(mtu: number): Check[] {
    return [
        ...sessionChecks(),
        { name: `ovs-vsctl: hot-int netdev MTU ${mtu}, link up`, cmd: "ovs-vsctl get bridge hot-int datapath_type; ovs-vsctl get interface hot-int mtu_request; ip -o link show dev hot-int", expect: new RegExp(`^"?netdev"?\\n${mtu}\\n.*[<,]UP[,>]`, "m") },
        ...directoryChecks(computeHostPlan(parseConfig({})).directories),
        ...sharedMountChecks(),
        { name: "boot unit enabled and active", cmd: "systemctl is-enabled hotstack-os-fabric.service; systemctl is-active hotstack-os-fabric.service", expect: /^enabled\nactive$/m },
        { name: "no hot-ex, NAT unit, podman network, hosts block, cinder-nfs dir", cmd: "ovs-vsctl br-exists hot-ex && echo hot-ex; test -e /etc/systemd/system/hotstack-os-nat.service && echo nat; podman network exists hotstack-os && echo podman-net; grep -q 'hotstack-os managed' /etc/hosts && echo hosts; test -e /var/lib/hotstack-os/cinder-nfs && echo cinder-nfs; echo END", expect: /^END\n?$/ },
    ];
}

/** Objects the host layer makes on a host; after destroy (or a retired host) each one still there is a leftover. */
export function leftovers(on: TestHost = defaultTestHost): string[] {
    const plan = hostPlan(parseConfig({}));
    const probes: [string, string][] = [
        ["user hotstack", "id hotstack"],
        ["home /var/lib/hotstack", "test -e /var/lib/hotstack"],
        ["lingering", "test -e /var/lib/systemd/linger/hotstack"],
        ...plan.directories.map((d): [string, string] => [`dir ${d.path}`, `test -e ${d.path}`]),
        ["bridge hot-int", "ovs-vsctl br-exists hot-int"],
        ["bridge hot-ex", "ovs-vsctl br-exists hot-ex"],
        ["OVS userspace offload setting", "ovs-vsctl --if-exists get Open_vSwitch . other_config:userspace-tso-enable | grep -q ."],
        ["fabric unit", "test -e /etc/systemd/system/hotstack-os-fabric.service"],
        ["shared mounts unit", "test -e /etc/systemd/system/hotstack-os-shared-mounts.service"],
        ["shared mounts", "findmnt -rn -o TARGET | grep -q '^/var/lib/hotstack-os/'"],
        ["hosts block", "grep -q 'hotstack-os managed entries' /etc/hosts"],
        ["podman network", "podman network exists hotstack-os"],
        ["cap_net_admin", "getcap /usr/sbin/libvirtd | grep -q cap_net_admin"],
        ["ownership ledger", `test -e ${LEDGER_DIR}`],
    ];
    return probes.filter(([, cmd]) => on.ok(cmd)).map(([what]) => what);
}

/** Runs the checks until they all pass or `seconds` are over; the ones still failing. */
export async function retryChecks(checks: Check[], seconds: number, on: TestHost = defaultTestHost): Promise<string[]> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const failed = runChecks(checks, on);
        if (!failed.length || Date.now() > deadline) return failed;
        log(`  ${failed.length} not yet, retrying`);
        await new Promise((r) => setTimeout(r, 3000));
    }
}
