#!/bin/bash
# build-rootfs.sh: mmdebstrap a Debian trixie root filesystem for the test host into $TH/rootfs.
# Skipped when $TH/rootfs is complete, unless FORCE_ROOTFS=1. The build goes to a temp dir that
# is renamed at the end, so an interrupted build never leaves a half rootfs that looks done.
# (Internal: "build-rootfs.sh --customize ROOTFS PUBKEY KEYDIR" is the mmdebstrap customize hook.)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"

# ---- customize hook: runs inside mmdebstrap, $1 = the new root ----
customize() {
  local r=$1 pub=$2 keep=$3
  echo "$TH_HOSTNAME" > "$r/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$TH_HOSTNAME" > "$r/etc/hosts"
  install -d -m 700 "$r/root/.ssh"
  install -m 600 "$pub" "$r/root/.ssh/authorized_keys"
  chroot "$r" systemctl enable ssh.service
  # no registry is reachable: never try to resolve short names against one
  install -d "$r/etc/containers/registries.conf.d"
  printf 'unqualified-search-registries = []\n' > "$r/etc/containers/registries.conf.d/99-hotstack-offline.conf"
  # the CI machine's root lacks CAP_SYS_RESOURCE and its hard nofile is 20000: buildah's RUN
  # (podman build) would try to raise RLIMIT_NOFILE and fail, so pin nested limits to what we have
  install -d "$r/etc/containers/containers.conf.d"
  printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n' \
    > "$r/etc/containers/containers.conf.d/50-hotstack-testhost-ulimits.conf"
  # nested podman 5 warns about cgroup v1 (the CI kernel is hybrid) on every call
  grep -qx 'PODMAN_IGNORE_CGROUPSV1_WARNING=1' "$r/etc/environment" 2>/dev/null \
    || echo 'PODMAN_IGNORE_CGROUPSV1_WARNING=1' >> "$r/etc/environment"
  install -d "$r/etc/systemd/system.conf.d"
  printf '[Manager]\nDefaultEnvironment=PODMAN_IGNORE_CGROUPSV1_WARNING=1\n' \
    > "$r/etc/systemd/system.conf.d/10-hotstack-cgroupsv1.conf"
  # there is no upstream DNS: don't let resolved try its compiled-in public fallbacks
  install -d "$r/etc/systemd/resolved.conf.d"
  printf '[Resolve]\nFallbackDNS=\nLLMNR=no\nMulticastDNS=no\n' > "$r/etc/systemd/resolved.conf.d/90-hotstack-offline.conf"
  # every boot of a fresh container gets its own machine id
  : > "$r/etc/machine-id"
  # host keys must exist before first boot: their fingerprint is pinned in known_hosts. They are
  # kept in $TH/ssh/hostkeys and reused by every rebuild, so the fingerprint never changes under
  # a running test host (or a Pulumi config that pinned it).
  if [ -s "$keep/ssh_host_ed25519_key" ]; then
    cp -p "$keep"/ssh_host_* "$r/etc/ssh/"
  else
    [ -s "$r/etc/ssh/ssh_host_ed25519_key.pub" ] || chroot "$r" ssh-keygen -A
    install -d -m 700 "$keep"; cp -p "$r"/etc/ssh/ssh_host_* "$keep/"
  fi
  [ -s "$r/etc/ssh/ssh_host_ed25519_key.pub" ] || { echo "no ssh host key in rootfs" >&2; exit 1; }
  # the Pulumi program puts its user in group kvm; udev's sysusers.d normally creates it
  chroot "$r" getent group kvm >/dev/null || chroot "$r" systemd-sysusers >/dev/null 2>&1 || true
  chroot "$r" getent group kvm >/dev/null || { echo "group kvm missing in rootfs" >&2; exit 1; }
}
if [ "${1:-}" = --customize ]; then customize "$2" "$3" "$4"; exit 0; fi

th_need_root
ROOTFS=$TH/rootfs
if [ -z "${FORCE_ROOTFS:-}" ] && [ -s "$ROOTFS/.hotstack-build-id" ]; then
  th_log "rootfs: reusing $ROOTFS (FORCE_ROOTFS=1 rebuilds)"; exit 0
fi
command -v mmdebstrap >/dev/null || th_die "mmdebstrap missing: run deps.sh"
mkdir -p "$TH/ssh"
exec 9>"$TH/.build-rootfs.lock"
flock -n 9 || th_die "another build-rootfs.sh is running for $TH"
[ -s "$TH_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C hotstack-testhost -f "$TH_KEY"

MIRROR_URL=$(th_mirror_url)
SEC_URL=$(th_security_url)
PKGS=(
  # boot, login, basics
  systemd systemd-sysv systemd-resolved dbus dbus-user-session libpam-systemd udev kmod
  openssh-server sudo iproute2 iputils-ping nftables iptables python3 ca-certificates curl
  procps psmisc socat less libcap2-bin acl
  # containers (podman 5.4 + Quadlet)
  podman buildah runc crun conmon catatonit netavark aardvark-dns passt slirp4netns fuse-overlayfs uidmap
  # OVS (userspace datapath in the container)
  openvswitch-switch
  # libvirt + qemu for nova
  libvirt-daemon-system libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils ovmf
)
TMP=$TH/rootfs.tmp.$$
cleanup() { th_rm_tree "$TMP"; }
trap cleanup EXIT
for d in "$TH"/rootfs.tmp.* "$TH"/rootfs.old.*; do th_rm_tree "$d"; done   # leftovers of interrupted builds
T0=$(th_now)
SELF=$(readlink -f "$0")
# One mmdebstrap per recipe on this machine: test hosts started at once (CI starts three) share a
# seed tree, built under a machine-wide lock, and each copies it and adds its own keys. The seed
# is keyed by this script and the mirrors, so a changed recipe builds a new one.
SEED=${SEED:-/var/tmp/hotstack-testhost-seed}
RECIPE=$({ cat "$SELF"; echo "$MIRROR_URL $SEC_URL"; } | sha256sum | cut -c1-16)
exec 8>"$SEED.lock"
flock 8
if [ "$(cat "$SEED/.hotstack-recipe" 2>/dev/null)" != "$RECIPE" ]; then
  th_log "rootfs: mmdebstrap trixie from $MIRROR_URL (${#PKGS[@]} packages + deps) into the seed $SEED"
  th_rm_tree "$SEED.tmp"; th_rm_tree "$SEED"
  mmdebstrap --variant=apt --mode=root \
    --aptopt='APT::Install-Recommends "false"' \
    --include="$(IFS=,; echo "${PKGS[*]}")" \
    trixie "$SEED.tmp" \
    "deb $MIRROR_URL trixie main" \
    "deb $MIRROR_URL trixie-updates main" \
    "deb $SEC_URL trixie-security main" > "$TH/build-rootfs.log" 2>&1 \
    || { tail -30 "$TH/build-rootfs.log" >&2; th_rm_tree "$SEED.tmp"; th_die "mmdebstrap failed (log: $TH/build-rootfs.log)"; }
  rm -f "$SEED.tmp"/etc/ssh/ssh_host_*   # every test host gets its own (customize)
  echo "$RECIPE" > "$SEED.tmp/.hotstack-recipe"
  mv "$SEED.tmp" "$SEED"
else
  th_log "rootfs: copying the seed $SEED (recipe $RECIPE)"
fi
cp -a "$SEED" "$TMP"
flock -u 8
rm -f "$TMP/.hotstack-recipe"
bash "$SELF" --customize "$TMP" "$TH_KEY.pub" "$TH/ssh/hostkeys" >> "$TH/build-rootfs.log" 2>&1 \
  || { tail -30 "$TH/build-rootfs.log" >&2; th_die "customizing the rootfs failed (log: $TH/build-rootfs.log)"; }
# the build id is the last thing written: its presence marks a complete rootfs
echo "$(date -u +%Y%m%dT%H%M%SZ)-$$" > "$TMP/.hotstack-build-id"
if [ -e "$ROOTFS" ]; then mv "$ROOTFS" "$TH/rootfs.old.$$"; fi
mv "$TMP" "$ROOTFS"
th_rm_tree "$TH/rootfs.old.$$"
th_log "rootfs: built in $(th_since "$T0") s, $(du -sh "$ROOTFS" | cut -f1), build id $(cat "$ROOTFS/.hotstack-build-id"), host key $(th_hostkey_fpr)"
