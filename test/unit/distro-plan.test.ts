// The plan each supported distribution gets, from real /etc/os-release texts (written from each
// distribution's documented values): repositories, packages, services, SELinux tooling.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DISTRO_PLANS, distroOf } from "../../components/distro-plan";
import { packagesFor } from "../../providers/host-packages";

const OS_RELEASE = {
    debian: 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nVERSION="13 (trixie)"\nVERSION_CODENAME=trixie\nID=debian\n',
    ubuntu: 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n',
    fedora: 'NAME="Fedora Linux"\nVERSION="41 (Server Edition)"\nID=fedora\nVERSION_ID=41\nPLATFORM_ID="platform:f41"\n',
    centos: 'NAME="CentOS Stream"\nVERSION="9"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"\nPLATFORM_ID="platform:el9"\n',
    rhel: 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPLATFORM_ID="platform:el9"\n',
    alma: 'NAME="AlmaLinux"\nVERSION="9.4 (Seafoam Ocelot)"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n',
    arch: 'NAME="Arch Linux"\nID=arch\n',
};

describe("distribution plans", () => {
    test("os-release picks the distribution, a derivative its family's plan, anything else none", () => {
        assert.deepEqual(distroOf(OS_RELEASE.debian), { distro: "debian", id: "debian", version: "13" });
        assert.deepEqual(distroOf(OS_RELEASE.ubuntu), { distro: "ubuntu", id: "ubuntu", version: "24.04" });
        assert.deepEqual(distroOf(OS_RELEASE.fedora), { distro: "fedora", id: "fedora", version: "41" });
        assert.deepEqual(distroOf(OS_RELEASE.centos), { distro: "centos", id: "centos", version: "9" });
        assert.deepEqual(distroOf(OS_RELEASE.rhel), { distro: "rhel", id: "rhel", version: "9.4" });
        assert.equal(distroOf(OS_RELEASE.alma).distro, "rhel");
        assert.equal(distroOf(OS_RELEASE.arch).distro, undefined);
    });

    test("Debian and Ubuntu: apt, openvswitch-switch, libvirtd's socket, no extra repository, no SELinux tooling", () => {
        for (const d of ["debian", "ubuntu"] as const) {
            const p = DISTRO_PLANS[d];
            assert.equal(p.family, "debian");
            assert.deepEqual(p.repositories, []);
            for (const pkg of ["podman", "openvswitch-switch", "libvirt-daemon-system", "qemu-system-x86", "ovmf", "nftables", "curl"]) assert.ok(p.packages.includes(pkg), `${d}: ${pkg}`);
            assert.deepEqual(p.services, ["openvswitch-switch.service", "libvirtd.socket"]);
            assert.deepEqual(packagesFor(p, "enforcing"), p.packages, "no SELinux tooling to add");
            assert.equal(p.ovmfDir, "/usr/share/OVMF");
        }
    });

    test("Fedora: openvswitch from the base repositories, virtqemud, edk2 firmware", () => {
        const p = DISTRO_PLANS.fedora;
        assert.equal(p.family, "fedora");
        assert.deepEqual(p.repositories, []);
        assert.ok(p.packages.includes("openvswitch") && p.packages.includes("edk2-ovmf") && p.packages.includes("qemu-kvm"));
        assert.deepEqual(p.services, ["openvswitch.service", "virtqemud.socket"]);
        assert.equal(p.ovmfDir, "/usr/share/edk2/ovmf");
    });

    test("CentOS Stream 9: EPEL and the NFV SIG enabled by the program, openvswitch3.5 from it", () => {
        const p = DISTRO_PLANS.centos;
        assert.deepEqual(p.repositories.map((r) => r.name), ["EPEL", "the CentOS NFV SIG (Open vSwitch)"]);
        assert.deepEqual(p.repositories.map((r) => r.enable), ["dnf install -y -q epel-release", "dnf install -y -q centos-release-nfv-openvswitch"]);
        assert.ok(p.packages.includes("openvswitch3.5") && !p.packages.includes("openvswitch"));
    });

    test("RHEL 9: Fast Datapath only the user can enable, named with the command to run", () => {
        const [fdp] = DISTRO_PLANS.rhel.repositories;
        assert.equal(fdp.enable, undefined);
        assert.match(fdp.advice, /subscription-manager repos --enable fast-datapath-for-rhel-9-x86_64-rpms/);
        assert.ok(DISTRO_PLANS.rhel.packages.includes("openvswitch3.5"));
    });

    test("SELinux tooling where SELinux is enforcing or permissive, not where it is off", () => {
        for (const d of ["fedora", "centos", "rhel"] as const) {
            const p = DISTRO_PLANS[d];
            assert.ok(packagesFor(p, "enforcing").includes("policycoreutils-python-utils"), d);
            assert.ok(packagesFor(p, "permissive").includes("policycoreutils-python-utils"), d);
            assert.ok(!packagesFor(p, "").includes("policycoreutils-python-utils"), d);
        }
    });
});
