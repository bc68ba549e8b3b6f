#!/bin/bash
# hostkey.sh: print the test host's pinned ssh host key fingerprint (SHA256:...), from the rootfs.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
[ -r "$(th_hostkey_pub)" ] || th_die "no host key at $(th_hostkey_pub): run build-rootfs.sh first"
th_hostkey_fpr
