#!/bin/bash
# stop.sh [--purge]: power the test host off: relays (by pid file), the container, the nft guard.
# The stopped container keeps its state (its /etc, nested storage) for the next start.sh.
# --purge: also remove the container, its network and its nested podman storage.
# Only touches what these scripts made: relays by verified pid, container/network by name + label.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
th_need_root
PURGE=
for a in "$@"; do case $a in --purge) PURGE=1 ;; *) th_die "usage: stop.sh [--purge]" ;; esac; done
th_lock

th_relay_stop ssh
th_relay_stop mirror
state=$(th_ctr_state)
if [ "$state" != absent ]; then
  if ! th_ctr_is_ours; then
    th_log "container $NAME was not made by these scripts: left alone"
  else
    if [ "$state" = running ] || [ "$state" = paused ]; then
      T0=$(th_now)
      podman stop -t "$STOP_TIMEOUT" "$NAME" >/dev/null
      th_log "container $NAME stopped in $(th_since "$T0") s"
    fi
    [ -z "$PURGE" ] || { podman rm -f "$NAME" >/dev/null; th_log "container $NAME removed"; }
  fi
fi
nft delete table inet "$NFT_TABLE" 2>/dev/null || true

if [ -n "$PURGE" ]; then
  if podman network exists "$NET"; then
    if th_net_is_ours; then
      br=$(th_bridge)
      podman network rm "$NET" >/dev/null
      # CNI leaves the bridge (with our gateway address) behind; it was only ever ours
      ! ip link show "$br" >/dev/null 2>&1 || ip link del "$br"
      th_log "network $NET removed"
    else
      th_log "network $NET was not made by these scripts: left alone"
    fi
  fi
  th_rm_tree "$TH/ctr/storage"
  th_log "nested storage removed"
fi
th_log "testhost stopped${PURGE:+ and purged}"
