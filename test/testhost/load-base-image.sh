#!/bin/bash
# load-base-image.sh: give the test host a docker.io/library/debian:trixie-slim without a registry.
# Builds (once, cached in $TH/images/debian-trixie-slim.tar; FORCE_BASE_IMAGE=1 rebuilds) a minbase
# Debian trixie rootfs whose apt sources use the same mirror URL as this machine's apt, then imports
# it into the test host's podman under that name (skipped if the name already exists there).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
th_need_root
REF=${BASE_IMAGE_REF:-docker.io/library/debian:trixie-slim}
TAR=$TH/images/debian-trixie-slim.tar

# ---- customize hook: runs inside mmdebstrap, $1 = the new root ----
customize() {
  local r=$1 mirror=$2 security=$3
  # deb822 sources like the official image (and no sources.list), so apt-get update sees each suite once
  rm -f "$r/etc/apt/sources.list"
  install -d "$r/etc/apt/sources.list.d"
  cat > "$r/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $mirror
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  [ -e "$r/usr/share/keyrings/debian-archive-keyring.gpg" ] || { echo "archive keyring missing" >&2; exit 1; }
  : > "$r/etc/machine-id"   # an image carries no machine identity
  rm -f "$r/etc/hostname"    # podman provides hostname, hosts and resolv.conf at run time
}
if [ "${1:-}" = --customize ]; then customize "$2" "$3" "$4"; exit 0; fi

mkdir -p "$TH/images"
exec 9>"$TH/.base-image.lock"
flock -w 600 9 || th_die "another load-base-image.sh is running for $TH"
rm -f "$TAR".tmp.*   # leftovers of interrupted builds (we hold the lock)
if [ -n "${FORCE_BASE_IMAGE:-}" ] || [ ! -s "$TAR" ]; then
  T0=$(th_now)
  MIRROR_URL=$(th_mirror_url); SEC_URL=$(th_security_url); SELF=$(readlink -f "$0")
  th_log "base image: mmdebstrap minbase trixie from $MIRROR_URL"
  # dpkg path-excludes: what makes the official image "slim" (no docs, man pages, locales)
  mmdebstrap --variant=minbase --mode=root --format=tar \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/linda/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --customize-hook="bash '$SELF' --customize \"\$1\" '$MIRROR_URL' '$SEC_URL'" \
    trixie "$TAR.tmp.$$" \
    "deb $MIRROR_URL trixie main" "deb $MIRROR_URL trixie-updates main" "deb $SEC_URL trixie-security main" \
    > "$TH/images/base-image.log" 2>&1 \
    || { rm -f "$TAR.tmp.$$"; tail -30 "$TH/images/base-image.log" >&2; th_die "mmdebstrap failed"; }
  mv -f "$TAR.tmp.$$" "$TAR"   # only a complete tarball ever gets the final name
  th_log "base image: built $TAR ($(du -h "$TAR" | cut -f1)) in $(th_since "$T0") s"
fi

if th_ssh podman image exists "$REF"; then
  th_log "base image: $REF already on the test host"; exit 0
fi
T0=$(th_now)
th_ssh "podman import -q --change 'CMD=[\"bash\"]' \
  --change 'ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - '$REF' >/dev/null" < "$TAR"
th_ssh podman image exists "$REF" || th_die "import of $REF failed"
th_log "base image: imported $REF into the test host in $(th_since "$T0") s"
