#!/bin/bash
# start.sh [--fresh]: boot the test host (privileged systemd container) and wait until it is usable.
# Idempotent: a running, healthy host is left alone; a stopped one is started again with its state
# (/etc, nested images) intact; a missing one is created from $TH/rootfs.
# --fresh: remove the container and its nested podman storage first (a brand-new host).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
th_need_root
FRESH=
for a in "$@"; do case $a in --fresh) FRESH=1 ;; *) th_die "usage: start.sh [--fresh]" ;; esac; done
[ -n "$(th_build_id)" ] || th_die "no complete rootfs in $TH/rootfs: run build-rootfs.sh first"
th_lock
STORAGE=$TH/ctr/storage

state=$(th_ctr_state)
if [ "$state" != absent ] && ! th_ctr_is_ours; then
  th_die "a container named $NAME exists but was not made by these scripts: not touching it"
fi
# Replaces a container of ours that cannot be brought back (nested storage is kept).
th_replace() {
  th_log "$1: replacing container $NAME"
  podman rm -f -t "$STOP_TIMEOUT" "$NAME" >/dev/null 2>&1 \
    || { podman container cleanup "$NAME" >/dev/null 2>&1 || true; podman rm -f "$NAME" >/dev/null; }
  state=absent
}
# A state left by a crash or a machine restored from a snapshot ("stopping", "paused", …)
case $state in
  absent|running|exited|stopped|created|configured) ;;
  *) th_replace "container is $state" ;;
esac

if [ -n "$FRESH" ]; then
  th_log "fresh: removing container $NAME and nested storage"
  [ "$state" = absent ] || th_replace "fresh"
  th_rm_tree "$STORAGE"
  state=absent
fi

# fast path: nothing to do when everything is up
if [ "$state" = running ] && th_plumb_ok && th_ssh_t 10 true 2>/dev/null; then
  st=$(th_ssh_t 10 systemctl is-system-running 2>/dev/null || true)
  if [ "$st" = running ] || [ "$st" = degraded ]; then
    [ "$(th_image_build_id)" = "$(th_build_id)" ] || th_log "note: rootfs was rebuilt; start.sh --fresh uses it"
    th_log "already up ($st)"; th_up_line; exit 0
  fi
fi

# network: internal (no NAT, no default route), no podman DNS
if ! podman network exists "$NET"; then
  podman network create --internal --disable-dns --subnet "$SUBNET_PREFIX.0/24" \
    --label "$TH_LABEL=1" "$NET" >/dev/null
fi
th_net_is_ours || th_die "network $NET exists but was not made by these scripts"
have=$(podman network inspect -f '{{range .Subnets}}{{.Subnet}} {{end}}' "$NET")
[ "${have% }" = "$SUBNET_PREFIX.0/24" ] || th_die "network $NET has subnet '$have', want $SUBNET_PREFIX.0/24"
# guard first, so the container is never up without it
th_nft_guard

# An existing container is started (or repaired when it runs but does not answer); if ssh does not
# come up within WAIT_SSH_EXISTING seconds (300: under CI's load a stopped one took 79 s, and a
# replacement is another machine, new machine-id, which the program rightly refuses as the same
# host) it is replaced by a new one.
if [ "$state" != absent ]; then
  T0=$(th_now)
  [ "$(th_image_build_id)" = "$(th_build_id)" ] || th_log "note: rootfs was rebuilt; start.sh --fresh uses it"
  if [ "$state" = running ]; then th_log "container running but not healthy: repairing"
  else th_log "starting existing container $NAME (was $state)"; fi
  up=
  if [ "$state" = running ] || podman start "$NAME" >/dev/null; then
    ip neigh flush dev "$(th_bridge)" 2>/dev/null || true   # a stale ARP entry for the container IP
    if (th_plumb) && WAIT_SSH=${WAIT_SSH_EXISTING:-300} th_ssh_within; then up=1; fi
  fi
  [ -n "$up" ] || th_replace "it did not come up"
fi

if [ "$state" = absent ]; then
  # image: re-import only when the rootfs changed (its build id is kept as an image label)
  if [ "$(th_image_build_id)" != "$(th_build_id)" ]; then
    T0=$(th_now); old=$(podman image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
    th_log "image: importing $TH/rootfs as $IMAGE"
    tar -C "$TH/rootfs" --numeric-owner --xattrs --xattrs-include='*' \
        --exclude=./.hotstack-build-id --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
        -cf - . \
      | podman import -q --change 'CMD=["/sbin/init"]' --change 'STOPSIGNAL=SIGRTMIN+3' \
          --change 'ENV=container=podman' --change "LABEL=$TH_LABEL=1" \
          --change "LABEL=$TH_LABEL.build=$(th_build_id)" - "$IMAGE" >/dev/null
    # drop the previous import unless a container still uses it
    [ -z "$old" ] || podman image rm "$old" >/dev/null 2>&1 || true
    th_log "image: imported in $(th_since "$T0") s"
  fi
  mkdir -p "$STORAGE"
  T0=$(th_now)
  # --runtime runc + explicit ulimits: host podman 4.3's crun can't do the hybrid cgroup layout, and
  #   root lacks CAP_SYS_RESOURCE (hard nofile 20000), so podman must not try to raise rlimits
  # --systemd=always: /sbin/init as pid 1 with the tmpfs/cgroup mounts systemd needs
  # /dev/null over systemd-remount-fs.service: it fails on the overlay root ("degraded")
  # storage bind: nested podman's overlay must not sit on overlayfs
  # --dns 127.0.0.53: the container's own resolved, which has no upstream: no DNS leaves
  # /etc/hosts is a file of ours, bind-mounted: podman would rewrite its own copy at every
  #   (re)start, while a real host keeps edits across reboots (the program manages a block in it).
  #   The mirror's name points at the relay on the gateway.
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n%s %s\n' "$TH_HOSTNAME" "$GW_IP" "$(th_mirror_host)" > "$TH/ctr/hosts"
  podman run -d --name "$NAME" --hostname "$TH_HOSTNAME" --label "$TH_LABEL=1" \
    --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
    --privileged --systemd=always --stop-timeout "$STOP_TIMEOUT" ${CPU_SHARES:+--cpu-shares "$CPU_SHARES"} \
    --network "$NET" --ip "$CTR_IP" --mac-address "$CTR_MAC" --dns 127.0.0.53 \
    -v "$TH/ctr/hosts:/etc/hosts" \
    -v /dev/null:/etc/systemd/system/systemd-remount-fs.service:ro \
    -v "$STORAGE:/var/lib/containers" \
    "$IMAGE" >/dev/null
  # the previous run's ARP entry for the container IP may be stale
  ip neigh flush dev "$(th_bridge)" 2>/dev/null || true
  th_plumb
  th_wait_ssh
fi
th_log "ssh ready $(th_since "$T0") s after (re)start"
th_wait_system
th_check_mirror
th_log "boot complete $(th_since "$T0") s after (re)start"
th_up_line
