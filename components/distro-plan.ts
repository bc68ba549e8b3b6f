// What each supported distribution needs installed and enabled, chosen on the host from
// /etc/os-release (providers/host-packages.ts). Package names come from each distribution's own
// package index: packages.debian.org (trixie), packages.ubuntu.com (noble), the Fedora and
// CentOS Stream 9 / RHEL 9 repositories, and HotStack-OS's host setup (https://github.com/openstack-k8s-operators/hotstack: EPEL and the CentOS NFV
// SIG for openvswitch3.5 on CentOS; RHEL's Open vSwitch is in the Fast Datapath channel, which
// only the user's subscription can enable). Packages and repositories are never removed.

import { Distro, DistroPlan } from "../providers/host-packages";

export { DISTROS, distroOf } from "../providers/host-packages";
export type { Distro, DistroPlan } from "../providers/host-packages";

// curl: the post-setup providers reach the cloud's APIs with it; ping and ssh: the smoke test.
const DEB = ["podman", "openvswitch-switch", "libvirt-daemon-system", "libvirt-clients", "qemu-system-x86", "qemu-utils", "ovmf", "libcap2-bin", "iproute2", "nftables", "curl", "iputils-ping", "openssh-client"];
const RPM = ["podman", "libvirt", "qemu-kvm", "edk2-ovmf", "libcap", "iproute", "nftables", "curl", "iputils", "openssh-clients"];
// System libvirt is socket-activated: the socket is what must run (virtqemud on modular libvirt).
const DEB_SERVICES = ["openvswitch-switch.service", "libvirtd.socket"];
const RPM_SERVICES = ["openvswitch.service", "virtqemud.socket"];

export const DISTRO_PLANS: Record<Distro, DistroPlan> = {
    debian: { family: "debian", repositories: [], packages: DEB, selinuxPackages: [], services: DEB_SERVICES, ovmfDir: "/usr/share/OVMF" },
    ubuntu: { family: "debian", repositories: [], packages: DEB, selinuxPackages: [], services: DEB_SERVICES, ovmfDir: "/usr/share/OVMF" },
    fedora: { family: "fedora", repositories: [], packages: [...RPM, "openvswitch"], selinuxPackages: ["policycoreutils-python-utils"], services: RPM_SERVICES, ovmfDir: "/usr/share/edk2/ovmf" },
    centos: {
        family: "fedora",
        repositories: [
            { name: "EPEL", enabled: "dnf -q repolist --enabled | grep -qi '^epel'", enable: "dnf install -y -q epel-release", advice: "install epel-release" },
            { name: "the CentOS NFV SIG (Open vSwitch)", enabled: "dnf -q repolist --enabled | grep -qi nfv", enable: "dnf install -y -q centos-release-nfv-openvswitch", advice: "install centos-release-nfv-openvswitch" },
        ],
        packages: [...RPM, "openvswitch3.5"],
        selinuxPackages: ["policycoreutils-python-utils"],
        services: RPM_SERVICES,
        ovmfDir: "/usr/share/edk2/ovmf",
    },
    rhel: {
        family: "fedora",
        repositories: [
            {
                name: "Fast Datapath for RHEL 9 (Open vSwitch)",
                enabled: "dnf -q repolist --enabled | grep -qi fast-datapath",
                advice: "enable it with your subscription: subscription-manager repos --enable fast-datapath-for-rhel-9-x86_64-rpms",
            },
        ],
        packages: [...RPM, "openvswitch3.5"],
        selinuxPackages: ["policycoreutils-python-utils"],
        services: RPM_SERVICES,
        ovmfDir: "/usr/share/edk2/ovmf",
    },
};
