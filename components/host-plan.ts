// The host layer as plain data, computed from the config without any Pulumi runtime (and unit
// tested that way): directories with owners and modes, bridges, addresses, names, unit texts.
// Components only turn this plan into resources.
import { DISTRO_PLANS, Distro, DistroPlan } from "./distro-plan";
import { HotStackConfig, parseCidr } from "./config";
import { FABRIC_UNIT, PUBLIC_DOMAIN, SHARED_MOUNTS_UNIT } from "./names";
import { publicServiceNames, switchedOn } from "./services/catalogue";

export const HOTSTACK_USER = "hotstack";
export const HOTSTACK_HOME = "/var/lib/hotstack";
export const PODMAN_NETWORK = "hotstack-os";
export const FIREWALL_ZONE = "hotstack-external";
export { FABRIC_UNIT, PUBLIC_DOMAIN, SHARED_MOUNTS_UNIT };

export interface DirectoryPlan {
    /** Resource name. */
    name: string;
    path: string;
    owner?: string;
    group?: string;
    mode?: string;
    selinuxType?: string;
    /** Where services bind this directory (its delete detaches those binds). */
    bindsUnder?: string[];
    /** Name of the directory that must exist first. */
    parent?: string;
}

export interface BridgePlan {
    name: string;
    mtu: number;
    datapathType: "system" | "netdev";
    address?: string;
}

export interface HostPlan {
    /** Repositories, packages and services per distribution. */
    distros: Record<Distro, DistroPlan>;
    directories: DirectoryPlan[];
    libvirt: {
        user: string;
        home: string;
        comment: string;
        configDir: string;
        libvirtdConf: string;
        qemuConf: (uid: number, gid: number) => string;
        unitName: string;
        unit: string;
        socketPath: (uid: number) => string;
        binary: string;
    };
    bridges: BridgePlan[];
    /** hot-ex address with the provider network's prefix. */
    gatewayCidr: string;
    fabricUnitName: string;
    fabricUnit: string;
    /** Makes the paths nova-compute mounts with shared propagation shared mount points on the host. */
    sharedMounts: { unitName: string; unit: string; directories: string[] };
    hostsEntries: { ip: string; names: string[] }[];
    podmanNetwork: { name: string; subnet: string; interfaceName: string };
    firewall: { zone: string; sources: string[]; interfaces: string[] };
    nat: { unitName: string; unit: string; rulesPath: string; rules: string };
}

/** Directories under (or beside) the data dir; owners only where a service needs them set before it starts. */
function directories(c: HotStackConfig): DirectoryPlan[] {
    const d = c.dataDir;
    const shared = { group: "kvm", mode: "2775", owner: "root" };
    const under = (p: string) => (p.startsWith(`${d}/`) ? "data" : undefined);
    return [
        { name: "data", path: d, owner: "root", group: "root", mode: "0755" },
        // The services chown these to their own users; only their existence is managed.
        ...["mysql", "rabbitmq", "keystone", "glance", "nova", "ovn", "ovn-run", "cinder"].map((n) => ({ name: n, path: `${d}/${n}`, parent: "data" })),
        { name: "keystone-fernet-keys", path: `${d}/keystone/fernet-keys`, parent: "keystone" },
        { name: "keystone-credential-keys", path: `${d}/keystone/credential-keys`, parent: "keystone" },
        { name: "glance-images", path: `${d}/glance/images`, parent: "glance" },
        // Rendered configuration templates (no secrets in them).
        { name: "config", path: `${d}/config`, owner: "root", group: "root", mode: "0755", parent: "data" },
        // Shared by root-in-containers and QEMU running as hotstack: setgid kvm, same path inside and out.
        { name: "nova-instances", path: c.novaInstancesPath, ...shared, owner: HOTSTACK_USER, selinuxType: "virt_var_lib_t", parent: under(c.novaInstancesPath) },
        { name: "nova-mnt", path: c.novaNfsMountPointBase, ...shared, selinuxType: "virt_var_lib_t", parent: under(c.novaNfsMountPointBase) },
        // nova-compute's mount.nfs wrapper binds it under the mount base for each attached volume.
        { name: "cinder-nfs", path: c.cinderNfsExportDir, ...shared, bindsUnder: [c.novaNfsMountPointBase], parent: under(c.cinderNfsExportDir) },
    ];
}

function libvirtPlan(): HostPlan["libvirt"] {
    const configDir = `${HOTSTACK_HOME}/.config/libvirt`;
    return {
        user: HOTSTACK_USER,
        home: HOTSTACK_HOME,
        comment: "HotsTac(k)os Libvirt User",
        configDir,
        // The socket group is kvm so root in the nova container (carrying the kvm gid) can connect.
        libvirtdConf: [
            "# Managed by hotstack-os: the libvirt session daemon of user hotstack.",
            'unix_sock_group = "kvm"',
            'unix_sock_ro_perms = "0770"',
            'unix_sock_rw_perms = "0770"',
            'unix_sock_admin_perms = "0770"',
            "keepalive_interval = 5",
            "keepalive_count = 5",
            "",
        ].join("\n"),
        // QEMU runs as hotstack; disk files are shared through the kvm group, never chowned.
        qemuConf: (uid, gid) => [
            "# Managed by hotstack-os: QEMU of the hotstack session.",
            `user = "${uid}"`,
            `group = "${gid}"`,
            "dynamic_ownership = 0",
            'security_driver = "none"',
            "",
        ].join("\n"),
        unitName: "hotstack-os-libvirtd-session.service",
        // A dedicated unit rather than socket activation: custom config, and a daemon that must
        // never exit while VMs run (--timeout 0).
        unit: [
            "[Unit]",
            "Description=hotstack-os libvirt session daemon (user hotstack)",
            "",
            "[Service]",
            "Type=notify",
            `ExecStart=/usr/sbin/libvirtd --config ${configDir}/libvirtd.conf --timeout 0`,
            "Restart=always",
            "RestartSec=5",
            "",
            "[Install]",
            "WantedBy=default.target",
            "",
        ].join("\n"),
        socketPath: (uid) => `/run/user/${uid}/libvirt/libvirt-sock`,
        binary: "/usr/sbin/libvirtd",
    };
}

/**
 * OVS keeps bridges across reboots, not addresses or link state: this unit puts them back at boot.
 * Without a gateway (a compute host: hot-int only) it sets hot-int's link up.
 */
function fabricUnit(gatewayCidr?: string): string {
    const bridges = gatewayCidr ? ["hot-ex", "hot-int"] : ["hot-int"];
    const script = [
        `for i in $(seq 120); do ${bridges.map((b) => `ip link show dev ${b} >/dev/null 2>&1`).join(" && ")} && break; sleep 0.5; done`,
        ...(gatewayCidr ? [`ip addr replace ${gatewayCidr} dev hot-ex`, "ip link set dev hot-ex up"] : []),
        "ip link set dev hot-int up",
    ].join("; ");
    return [
        "[Unit]",
        gatewayCidr ? "Description=hotstack-os: hot-ex gateway address and bridge link state" : "Description=hotstack-os: bridge link state",
        "After=openvswitch-switch.service openvswitch.service ovs-vswitchd.service network-online.target",
        "Wants=network-online.target",
        // A restarted ovs-vswitchd makes the userspace datapath's internal ports anew, without addresses.
        "PartOf=ovs-vswitchd.service",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        `ExecStart=/bin/sh -c '${script}'`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

export const NAT_UNIT = "hotstack-os-nat.service";
export const NAT_TABLE = "hotstack_os_nat";
export const NAT_RULES = "/etc/hotstack-os/provider-nat.nft";

/**
 * nova-compute bind-mounts volumes under the mount base inside its container (the mount.nfs
 * wrapper); libvirt on the host opens them by the same path, so the mount must propagate to the
 * host. That needs the host side to be a shared mount: systemd makes / shared on most hosts, but
 * not everywhere (e.g. a host that is itself a container), so each path is bound onto itself and
 * made shared. Stop undoes only binds of that form, whose source ends in "<path>]" (btrfs shows
 * the subvolume first), never a file system the admin mounted there.
 * `$$` is systemd's escape for a literal `$`.
 */
function sharedMountsUnit(paths: string[]): string {
    const start = 'for d in "$$@"; do mountpoint -q "$$d" || mount --bind "$$d" "$$d"; mount --make-shared "$$d"; done';
    const stop = 'for d in "$$@"; do case "$$(findmnt -n -o SOURCE --mountpoint "$$d")" in *"$$d]") umount -R "$$d" ;; esac; done';
    const args = paths.join(" ");
    return [
        "[Unit]",
        "Description=hotstack-os: nova instance and volume paths as shared mount points",
        "After=local-fs.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        `ExecStart=/bin/sh -c '${start}' shared-mounts ${args}`,
        `ExecStop=/bin/sh -c '${stop}' shared-mounts ${args}`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/**
 * NAT of the provider network where firewalld does not run (Debian and Ubuntu by default): the
 * guests' floating IPs and the routers' gateways leave the host masqueraded. A table of our own,
 * loaded at boot and removed on stop; no other table is touched. Where firewalld runs, its zone
 * (FirewallZone, masquerade on the default zone) does this instead.
 */
export function natRules(providerNetwork: string, containerNetwork: string): string {
    return [
        "# Managed by hotstack-os (pulumi up): masquerade of the provider network leaving the host.",
        `table ip ${NAT_TABLE} {`,
        "    chain postrouting {",
        "        type nat hook postrouting priority srcnat; policy accept;",
        `        ip saddr ${providerNetwork} ip daddr != { ${providerNetwork}, ${containerNetwork} } oifname != "hot-ex" masquerade`,
        "    }",
        "}",
        "",
    ].join("\n");
}

function natUnit(): string {
    const start = [
        'if systemctl is-active --quiet firewalld; then echo "firewalld runs: its zone masquerades the provider network"; exit 0; fi',
        // Routing between hot-ex and the uplink (per network namespace).
        "sysctl -qw net.ipv4.ip_forward=1",
        `nft list table ip ${NAT_TABLE} >/dev/null 2>&1 && nft delete table ip ${NAT_TABLE}`,
        `nft -f ${NAT_RULES}`,
    ].join("; ");
    return [
        "[Unit]",
        "Description=hotstack-os: NAT of the provider network (nftables table hotstack_os_nat) where firewalld does not run",
        `After=network-online.target ${FABRIC_UNIT} firewalld.service`,
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        `ExecStart=/bin/sh -c '${start}'`,
        `ExecStop=/bin/sh -c 'nft list table ip ${NAT_TABLE} >/dev/null 2>&1 && nft delete table ip ${NAT_TABLE} || true'`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/** The guests' shared paths: nova-compute mounts them with shared propagation (sharedMountsUnit). */
function sharedMounts(c: HotStackConfig): HostPlan["sharedMounts"] {
    return {
        unitName: SHARED_MOUNTS_UNIT,
        unit: sharedMountsUnit([c.novaInstancesPath, c.novaNfsMountPointBase]),
        directories: ["nova-instances", "nova-mnt"],
    };
}

/** The host layer of a compute host besides main: what its guests and its compute containers need. */
export type ComputeHostPlan = Pick<HostPlan, "distros" | "directories" | "libvirt" | "bridges" | "fabricUnitName" | "fabricUnit" | "sharedMounts">;

/**
 * Packages, the libvirt session, the guests' directories with main's owners and modes (and the
 * data dir where they live under it), and hot-int. No hot-ex, NAT, firewall zone or podman
 * network: floating IPs stay on main's gateway chassis and compute containers use the host's
 * network. Not cinder-nfs: main's fake NFS share is a bind there (volumes on compute hosts: open).
 */
export function computeHostPlan(c: HotStackConfig): ComputeHostPlan {
    const wanted = new Set(sharedMounts(c).directories);
    const all = directories(c);
    for (const d of all.filter((x) => wanted.has(x.name))) if (d.parent) wanted.add(d.parent);
    return {
        distros: DISTRO_PLANS,
        directories: all.filter((d) => wanted.has(d.name)),
        libvirt: libvirtPlan(),
        bridges: [{ name: "hot-int", mtu: c.mtu, datapathType: c.ovsDatapathType }],
        fabricUnitName: FABRIC_UNIT,
        fabricUnit: fabricUnit(),
        sharedMounts: sharedMounts(c),
    };
}

export function hostPlan(c: HotStackConfig): HostPlan {
    const provider = parseCidr(c.providerNetwork)!;
    const gatewayCidr = `${c.hotExIp}/${provider.prefix}`;
    return {
        distros: DISTRO_PLANS,
        directories: directories(c),
        libvirt: libvirtPlan(),
        bridges: [
            { name: "hot-int", mtu: c.mtu, datapathType: c.ovsDatapathType },
            { name: "hot-ex", mtu: c.mtu, datapathType: c.ovsDatapathType, address: gatewayCidr },
        ],
        gatewayCidr,
        fabricUnitName: FABRIC_UNIT,
        fabricUnit: fabricUnit(gatewayCidr),
        sharedMounts: sharedMounts(c),
        // Podman copies the host's /etc/hosts into containers: these names resolve everywhere.
        hostsEntries: [{ ip: c.hotExIp, names: publicServiceNames(switchedOn(c)).map((s) => `${s}.${PUBLIC_DOMAIN}`) }],
        podmanNetwork: { name: PODMAN_NETWORK, subnet: c.containerNetwork, interfaceName: PODMAN_NETWORK },
        firewall: { zone: FIREWALL_ZONE, sources: [c.providerNetwork], interfaces: ["hot-ex"] },
        nat: { unitName: NAT_UNIT, unit: natUnit(), rulesPath: NAT_RULES, rules: natRules(c.providerNetwork, c.containerNetwork) },
    };
}
