#!/bin/bash
# ssh.sh [CMD...]: run a command on the test host as root (interactive shell without CMD).
# The host key is pinned (known_hosts written from the rootfs), never trusted on first use.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
if [ $# -eq 0 ] && [ -t 0 ]; then th_ssh -t; else th_ssh "$@"; fi
