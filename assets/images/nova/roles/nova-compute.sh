# shellcheck shell=bash
# Role "nova-compute" (nova image): the compute service, driving the host's
# libvirt *session* daemon of user hotstack through a mounted socket.
# Runs with Network=host, privileged, as root (member of the host's kvm group,
# baked in with the KVM_GID build argument).
#
# Start:
#   1. wait for the compute API and placement (NOVA_API_URL, PLACEMENT_URL,
#      60 s each, not fatal);
#   2. libvirt check: [libvirt] connection_uri of nova.conf (e.g.
#      qemu+unix:///session?socket=/run/user/UID/libvirt/libvirt-sock) must
#      answer `virsh list`; otherwise the likely causes are printed (socket
#      missing: libvirt user unit not running or /run/user/UID not mounted;
#      XDG_RUNTIME_DIR unset; permission: root not in the socket's group),
#      then it sleeps NOVA_LIBVIRT_RETRY_DELAY s and exits 1 so systemd
#      restarts it -- the only coupling to the user unit;
#   3. the mount.nfs wrapper config (/etc/hotstack/mount-wrapper.conf) is
#      checked (warnings only: Cinder NFS attachments need it);
#   4. background: after NOVA_DISCOVER_DELAY s, up to NOVA_DISCOVER_TRIES
#      times (NOVA_DISCOVER_INTERVAL s apart) `nova-manage cell_v2
#      discover_hosts` until this host ([DEFAULT] host, or any host when
#      unset) is listed by `list_hosts`; success is recorded in
#      /run/hotstack/nova-compute-discovered;
#   5. umask 0002 (files group-writable for the kvm group), exec nova-compute.
# Health: nova-compute is the main process AND the host is mapped in a cell
# (marker, else `nova-manage cell_v2 list_hosts`: allow HealthTimeout >= 10 s).

. "$HOTSTACK_LIB/nova.sh"

: "${NOVA_API_URL:?set by its unit (components/services/nova.ts)}"
: "${PLACEMENT_URL:?set by its unit (components/services/nova.ts)}"
: "${NOVA_LIBVIRT_RETRY_DELAY:=60}"
: "${NOVA_DISCOVER_DELAY:=15}"
: "${NOVA_DISCOVER_TRIES:=10}"
: "${NOVA_DISCOVER_INTERVAL:=10}"
NOVA_DISCOVERED_MARKER=$HOTSTACK_RUN_DIR/nova-compute-discovered

nova_compute_host() {
    hs_os_conf_get "$NOVA_CONFIG" DEFAULT host
}

nova_host_listed() {
    # nova_host_listed [HOST] : HOST (or any host) appears in list_hosts
    local want=${1:-} out
    out=$(nova_manage cell_v2 list_hosts 2>/dev/null) || return 1
    awk -F'|' -v h="$want" '
        NF > 3 { gsub(/ /, "", $4); if ($4 != "" && $4 != "Hostname" && (h == "" || $4 == h)) found = 1 }
        END { exit !found }' <<<"$out"
}

nova_compute_libvirt_check() {
    local uri sock dir err rc=0
    uri=$(hs_os_conf_get "$NOVA_CONFIG" libvirt connection_uri)
    if [[ -z $uri ]]; then
        hs_warn "[libvirt] connection_uri is not set in $NOVA_CONFIG: nova uses the system libvirtd"
        return 0
    fi
    hs_info "libvirt connection_uri: $uri"
    [[ -n ${XDG_RUNTIME_DIR:-} ]] || hs_warn "XDG_RUNTIME_DIR is not set (session libvirt clients expect /run/user/<hotstack uid>)"
    sock=
    if [[ $uri == *socket=* ]]; then
        sock=${uri#*socket=}
        sock=${sock%%&*}
    elif [[ $uri == *session* && -n ${XDG_RUNTIME_DIR:-} ]]; then
        sock=$XDG_RUNTIME_DIR/libvirt/libvirt-sock
    fi
    err=$(timeout 30 virsh -c "$uri" list 2>&1 >/dev/null) || rc=$?
    ((rc == 0)) && { hs_info "libvirt answers on $uri"; return 0; }

    hs_error "cannot talk to libvirt at $uri (virsh exit $rc): ${err//$'\n'/ }"
    if [[ -n $sock ]]; then
        dir=${sock%/*}
        if [[ ! -e $sock ]]; then
            hs_error "socket $sock does not exist: is the hotstack user's libvirt unit (hotstack-os-libvirtd-session) running, and is ${dir%/libvirt} bind-mounted into this container?"
            ls -la "$dir" >&2 2>/dev/null || hs_error "directory $dir is not visible in the container"
        else
            hs_error "socket: $(stat -c '%A %U:%G (uid %u gid %g)' "$sock" 2>&1); this process: $(id)"
            hs_error "the socket must be group-accessible (unix_sock_group = kvm, 0770) and the image's KVM_GID must equal the host's kvm GID"
        fi
    fi
    hs_error "retrying in ${NOVA_LIBVIRT_RETRY_DELAY}s (exit 1, systemd restarts the unit)"
    sleep "$NOVA_LIBVIRT_RETRY_DELAY"
    exit 1
}

nova_compute_check_dirs() {
    local conf=${HOTSTACK_MOUNT_WRAPPER_CONF:-/etc/hotstack/mount-wrapper.conf} d
    hs_os_mount_wrapper_check "$conf" || true
    d=$(hs_os_conf_get "$NOVA_CONFIG" DEFAULT instances_path)
    [[ -z $d || -d $d ]] || hs_warn "instances_path $d does not exist (bind-mount it at the same path as on the host)"
    d=$(hs_os_conf_get "$NOVA_CONFIG" libvirt nfs_mount_point_base)
    [[ -z $d || -d $d ]] || hs_warn "[libvirt] nfs_mount_point_base $d does not exist (bind-mount it rshared at the same path as on the host)"
    install -d -m 0755 /var/lib/nova /var/lock/nova
}

nova_compute_discover() {
    # background: map this host into its cell once nova-compute registered it
    local host i
    host=$(nova_compute_host)
    sleep "$NOVA_DISCOVER_DELAY"
    for ((i = 1; i <= NOVA_DISCOVER_TRIES; i++)); do
        nova_manage cell_v2 discover_hosts --verbose >&2 || true
        if nova_host_listed "$host"; then
            : >"$NOVA_DISCOVERED_MARKER"
            hs_info "host ${host:-(any)} is mapped to a cell"
            return 0
        fi
        sleep "$NOVA_DISCOVER_INTERVAL"
    done
    hs_warn "host ${host:-(any)} not mapped after $NOVA_DISCOVER_TRIES discover_hosts runs (the scheduler's periodic discovery may still map it)"
}

role_start() {
    hs_os_require_config "$NOVA_CONFIG"
    rm -f "$NOVA_DISCOVERED_MARKER"
    hs_os_wait_http_soft "$NOVA_API_URL" 30 2
    hs_os_wait_http_soft "$PLACEMENT_URL" 30 2
    id -G | tr ' ' '\n' | grep -qx "$(getent group kvm | cut -d: -f3)" ||
        hs_warn "root is not in group kvm in this container"
    nova_compute_libvirt_check
    nova_compute_check_dirs

    nova_compute_discover &

    umask 0002
    hs_info "starting nova-compute (umask 0002, host $(nova_compute_host))"
    exec nova-compute --config-file "$NOVA_CONFIG" "$@"
}

role_health() {
    hs_os_health_proc nova-compute || return 1
    [[ -f $NOVA_DISCOVERED_MARKER ]] && return 0
    nova_host_listed "$(nova_compute_host)" || { echo "host not mapped to a cell yet (nova-manage cell_v2 list_hosts)" >&2; return 1; }
    : >"$NOVA_DISCOVERED_MARKER" 2>/dev/null || true
}
