# shellcheck shell=bash disable=SC2034  # settings are used by the scripts that source this
# Sourced by every test-host script: settings, logging, mirror discovery, ssh.
# The test host is a privileged systemd container (Debian trixie) reachable only
# on 127.0.0.1:$SSH_PORT; it can reach nothing but the Debian mirror.

TH=${TH:-/var/tmp/hotstack-testhost}
SSH_PORT=${SSH_PORT:-2223}
NAME=${NAME:-hotstack-testhost}
IMAGE=${IMAGE:-localhost/$NAME:trixie}
NET=${NET:-$NAME-net}
SUBNET_PREFIX=${SUBNET_PREFIX:-198.18.77}          # RFC 2544 benchmark range: never routed anywhere
GW_IP=$SUBNET_PREFIX.1                             # host side of the internal bridge
CTR_IP=$SUBNET_PREFIX.2
CTR_MAC=${CTR_MAC:-02:00:c6:12:4d:02}              # fixed, so a stale ARP entry can never point elsewhere
NFT_TABLE=${NFT_TABLE:-$(printf '%s' "$NAME" | tr -c 'a-zA-Z0-9_' _)_guard}
TH_LABEL=hotstack.testhost                         # marks the container/network as ours
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
CPU_SHARES=${CPU_SHARES:-}                         # the container's CPU weight (podman --cpu-shares); CI favours its critical path
TH_HOSTNAME=hotstack-test

# podman run/start/restart leave conmon running: it must not inherit the scripts' lock fds
podman() { command podman "$@" 8>&- 9>&-; }

th_log() { printf '[testhost %s] %s\n' "$(date +%T)" "$*" >&2; }
th_die() { th_log "ERROR: $*"; exit 1; }
th_now() { date +%s.%N; }
th_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }   # seconds since $1

th_need_root() { [ "$(id -u)" = 0 ] || th_die "must run as root"; }

# ---- Debian mirror: read from this machine's apt configuration, never hard-coded ----
_th_apt_uris() {   # every http(s) URI apt uses, deb822 files first
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] && sed -n 's/^URIs:[[:space:]]*//p' "$f" | tr -s ' \t' '\n'
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] && sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' "$f"
  done
  return 0
}
# MIRROR may be set by the caller; otherwise the first URI that ends in /debian.
th_mirror_url() {
  if [ -n "${MIRROR:-}" ]; then echo "${MIRROR%/}"; return; fi
  local u; u=$(_th_apt_uris | grep -E '^https?://[^[:space:]]+/debian/?$' | head -1 || true)
  [ -n "$u" ] || th_die "no Debian mirror (URI ending in /debian) in the apt configuration"
  echo "${u%/}"
}
# Security archive: from apt if it lives on the same host (only that host is relayed), else derived.
th_security_url() {
  local m u; m=$(th_mirror_url)
  u=$(_th_apt_uris | grep -E '^https?://[^[:space:]]+/debian-security/?$' | head -1 || true)
  if [ -n "$u" ] && [ "$(_th_url_hostport "$u")" = "$(_th_url_hostport "$m")" ]; then echo "${u%/}"
  else echo "${m%/debian}/debian-security"; fi
}
_th_url_hostport() { printf '%s\n' "$1" | sed 's#^[a-z]*://##; s#/.*##'; }
th_mirror_host() { _th_url_hostport "$(th_mirror_url)" | sed 's/:[0-9]*$//'; }
th_mirror_port() {   # explicit port, else the scheme's default
  local u hp; u=$(th_mirror_url); hp=$(_th_url_hostport "$u")
  case $hp in *:*) echo "${hp##*:}" ;; *) case $u in https:*) echo 443 ;; *) echo 80 ;; esac ;; esac
}

# ---- ssh: key made by build-rootfs.sh, host key pinned from the rootfs ----
TH_KEY=$TH/ssh/id_ed25519
TH_KNOWN_HOSTS=$TH/known_hosts
th_hostkey_pub() { echo "$TH/rootfs/etc/ssh/ssh_host_ed25519_key.pub"; }
th_hostkey_fpr() { ssh-keygen -lf "$(th_hostkey_pub)" | awk '{print $2}'; }
# (Re)write $TH/known_hosts for [127.0.0.1]:PORT; only touches the file when it differs.
th_write_known_hosts() {
  local pub line; pub=$(th_hostkey_pub)
  [ -r "$pub" ] || th_die "no host key at $pub: run build-rootfs.sh first"
  line="[127.0.0.1]:$SSH_PORT $(awk '{print $1" "$2}' "$pub")"
  if [ "$(cat "$TH_KNOWN_HOSTS" 2>/dev/null)" != "$line" ]; then
    printf '%s\n' "$line" > "$TH_KNOWN_HOSTS.tmp.$$" && mv -f "$TH_KNOWN_HOSTS.tmp.$$" "$TH_KNOWN_HOSTS"
  fi
}
TH_SSH_OPTS=(-i "$TH_KEY" -p "$SSH_PORT"
  -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none
  -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$TH_KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null
  -o HostKeyAlgorithms=ssh-ed25519 -o ConnectTimeout=5 -o ServerAliveInterval=15 -o ServerAliveCountMax=4
  -o LogLevel=ERROR)
# shellcheck disable=SC2029  # the command is meant to expand on the test host
th_ssh() { th_write_known_hosts; ssh "${TH_SSH_OPTS[@]}" root@127.0.0.1 "$@"; }
# th_ssh with a hard time limit (a half-up relay could otherwise hang a probe).
th_ssh_t() { local t=$1; shift; th_write_known_hosts; timeout "$t" ssh "${TH_SSH_OPTS[@]}" root@127.0.0.1 "$@"; }

# ---- container / network / relay state ----
th_ctr_state() { podman container inspect -f '{{.State.Status}}' "$NAME" 2>/dev/null || echo absent; }
th_ctr_is_ours() { [ "$(podman container inspect -f "{{index .Config.Labels \"$TH_LABEL\"}}" "$NAME" 2>/dev/null)" = 1 ]; }
th_net_is_ours() { [ "$(podman network inspect -f "{{index .Labels \"$TH_LABEL\"}}" "$NET" 2>/dev/null)" = 1 ]; }
th_bridge() { podman network inspect -f '{{.NetworkInterface}}' "$NET"; }

# Relays are socat processes remembered by pid file; a pid only counts if its
# command line is exactly the relay we started (pids get reused).
TH_RUN=$TH/run
th_relay_spec() {   # name -> "LISTEN-ADDR CONNECT-ADDR"
  case $1 in
    ssh)    echo "TCP-LISTEN:$SSH_PORT,bind=127.0.0.1,fork,reuseaddr TCP:$CTR_IP:22,connect-timeout=5" ;;
    mirror) echo "TCP-LISTEN:$(th_mirror_port),bind=$GW_IP,fork,reuseaddr TCP:$(th_mirror_host):$(th_mirror_port),connect-timeout=10" ;;
  esac
}
th_relay_pid() {   # prints the pid if relay $1 is alive and really ours
  local f=$TH_RUN/socat-$1.pid p
  [ -r "$f" ] || return 1
  p=$(cat "$f"); [ -n "$p" ] && [ -r "/proc/$p/cmdline" ] || return 1
  [ "$(tr '\0' ' ' < "/proc/$p/cmdline")" = "socat $(th_relay_spec "$1") " ] || return 1
  echo "$p"
}
th_relay_start() {
  th_relay_pid "$1" >/dev/null && return 0
  mkdir -p "$TH_RUN"
  # setsid: the relay must outlive this script and its terminal / ssh session;
  # 8>&- 9>&-: it must not inherit (and so hold forever) the scripts' lock files
  # shellcheck disable=SC2046
  setsid socat $(th_relay_spec "$1") </dev/null >>"$TH_RUN/socat-$1.log" 2>&1 8>&- 9>&- &
  echo $! > "$TH_RUN/socat-$1.pid"
  # Until socat has exec'd (its command line is the check): under load that took over 0.2 s.
  local i; for i in $(seq 50); do th_relay_pid "$1" >/dev/null && return 0; sleep 0.1; done
  th_die "relay $1 did not start: $(tail -3 "$TH_RUN/socat-$1.log")"
}
th_relay_stop() {
  local p; if p=$(th_relay_pid "$1"); then kill "$p" 2>/dev/null || true; fi
  rm -f "$TH_RUN/socat-$1.pid"
}

# ---- lifecycle helpers shared by start.sh / reboot.sh / stop.sh ----
# One lifecycle operation at a time per $TH (start/stop/reboot would race on relays and nft).
th_lock() { mkdir -p "$TH"; exec 8>"$TH/.lifecycle.lock"; flock -w 300 8 || th_die "lock $TH/.lifecycle.lock busy"; }

th_build_id() { cat "$TH/rootfs/.hotstack-build-id" 2>/dev/null || true; }
th_image_build_id() { podman image inspect -f "{{index .Labels \"$TH_LABEL.build\"}}" "$IMAGE" 2>/dev/null || true; }

# nft guard: nothing is routed into or out of the test host's bridge, and from the bridge the
# host itself accepts only replies (ssh relay) and the mirror relay. Replaced atomically.
th_nft_guard() {
  local br; br=$(th_bridge)
  nft -f - <<NFT
table inet $NFT_TABLE {}
delete table inet $NFT_TABLE
table inet $NFT_TABLE {
  chain forward {
    type filter hook forward priority -5; policy accept;
    iifname "$br" oifname != "$br" drop
    oifname "$br" iifname != "$br" drop
  }
  chain input {
    type filter hook input priority -5; policy accept;
    iifname "$br" ct state established,related accept
    iifname "$br" ip daddr $GW_IP tcp dport $(th_mirror_port) accept
    iifname "$br" drop
  }
}
NFT
}
th_nft_guard_ok() { nft list table inet "$NFT_TABLE" 2>/dev/null | grep -q "iifname \"$(th_bridge)\" drop"; }

# Host side of the network that must be re-checked whenever the container (re)starts:
# the internal bridge gets no address from podman, and the relays must be alive.
th_plumb() {
  local br; br=$(th_bridge)
  ip link show "$br" >/dev/null 2>&1 || th_die "bridge $br of network $NET does not exist"
  ip -4 addr show dev "$br" | grep -q " $GW_IP/24 " || ip addr replace "$GW_IP/24" dev "$br"
  th_nft_guard_ok || th_nft_guard
  th_relay_start ssh
  th_relay_start mirror
}
th_plumb_ok() {
  local br; br=$(th_bridge 2>/dev/null) || return 1
  ip -4 addr show dev "$br" 2>/dev/null | grep -q " $GW_IP/24 " && th_nft_guard_ok \
    && th_relay_pid ssh >/dev/null && th_relay_pid mirror >/dev/null
}

# Boot waits: a boot takes 5-20 s alone, but a test host at a low CPU weight beside CI's others
# (load 31) was not answering ssh after 120 s; the bounds only delay a failure's report.
th_ssh_within() {   # bounded wait until ssh answers (WAIT_SSH seconds, default 300); status only
  local tmo=${WAIT_SSH:-300} t0; t0=$(date +%s)
  until th_ssh_t 10 true 2>/dev/null; do
    [ $(( $(date +%s) - t0 )) -lt "$tmo" ] || return 1
    sleep 0.5
  done
}
th_wait_ssh() { th_ssh_within || th_die "ssh on 127.0.0.1:$SSH_PORT not ready after ${WAIT_SSH:-300} s"; }
th_wait_system() {   # systemd finished booting: running, or degraded (failed units are printed)
  local st
  st=$(th_ssh_t "${WAIT_SYSTEM:-300}" 'systemctl is-system-running --wait' 2>/dev/null) || true
  case $st in
    running) ;;
    degraded) th_log "system is degraded; failed units:"; th_ssh systemctl --failed --no-legend --plain >&2 || true ;;
    *) th_die "systemd state '${st:-timeout}' (want running/degraded)" ;;
  esac
}
th_check_mirror() {   # the one thing the test host may reach: the mirror, through the relay
  th_ssh_t 20 "timeout 10 bash -c '</dev/tcp/$(th_mirror_host)/$(th_mirror_port)'" 2>/dev/null \
    || th_die "test host cannot reach the mirror $(th_mirror_host):$(th_mirror_port) via $GW_IP"
}
th_up_line() { echo "testhost up: ssh root@127.0.0.1 -p $SSH_PORT (host key $(th_hostkey_fpr))"; }

# Remove a tree we created, never following into anything still mounted below it (a killed
# mmdebstrap can leave /proc, /sys or /dev mounted inside its target).
th_rm_tree() {
  local d=$1 m
  [ -e "$d" ] || return 0
  d=$(readlink -f "$d")
  { findmnt -rn -o TARGET | grep -F "$d/" || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$d"
}
