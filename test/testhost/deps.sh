#!/bin/bash
# deps.sh: install what the CI/developer machine needs to build and run the test host.
# Skips apt entirely when everything is already installed (fast, works offline).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
th_need_root
# containernetworking-plugins: podman 4.3's network stack on bookworm (netavark works too)
PKGS=(mmdebstrap podman runc uidmap containernetworking-plugins socat nftables iproute2 openssh-client)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then th_log "deps: all present"; exit 0; fi
th_log "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
th_log "deps: done"
