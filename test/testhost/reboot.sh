#!/bin/bash
# reboot.sh: simulate a host reboot. The container is restarted, not recreated, so everything in
# its filesystem (/etc, podman networks and Quadlets, nested images) survives while systemd boots
# again. Waits like start.sh, and re-checks the host side (bridge address, nft guard, relays).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
th_need_root
th_lock
state=$(th_ctr_state)
[ "$state" = running ] || th_die "container $NAME is $state: use start.sh"
th_ctr_is_ours || th_die "container $NAME was not made by these scripts"
T0=$(th_now)
# SIGRTMIN+3 makes systemd shut down cleanly; after STOP_TIMEOUT s podman kills it
podman restart -t "$STOP_TIMEOUT" "$NAME" >/dev/null
th_log "container restarted in $(th_since "$T0") s"
ip neigh flush dev "$(th_bridge)" 2>/dev/null || true
th_plumb
th_wait_ssh
th_log "ssh ready $(th_since "$T0") s after reboot began"
th_wait_system
th_check_mirror
th_log "reboot complete in $(th_since "$T0") s"
th_up_line
