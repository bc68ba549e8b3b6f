# shellcheck shell=bash
# Role "ovn-controller" (ovn image): OVN chassis agent for the host's Open
# vSwitch. Runs with Network=host, privileged, as root; mounts
# /run/openvswitch (host OVS db.sock) and the shared OVN run dir /run/ovn.
#
# Start:
#   1. wait up to 60 s for the host OVS socket (fatal) and, when OVN_REMOTE is
#      a unix: socket, up to 60 s for it (not fatal: ovn-controller retries);
#   2. write the chassis settings into the host's Open_vSwitch table
#      (external_ids): ovn-remote=OVN_REMOTE, ovn-encap-type=OVN_ENCAP_TYPE,
#      ovn-encap-ip=OVN_ENCAP_IP, system-id and hostname=CHASSIS_HOSTNAME,
#      ovn-bridge=OVN_BRIDGE, ovn-bridge-mappings=OVN_BRIDGE_MAPPINGS,
#      ovn-cms-options=OVN_CMS_OPTIONS, and ovn-bridge-datapath-type=
#      OVN_BRIDGE_DATAPATH_TYPE (removed when that is empty); ensure the
#      integration bridge exists (--may-exist add-br);
#   3. run ovn-controller against the host OVS (logs on the console) under
#      hs_supervise (the role script stays PID 1 and forwards SIGTERM).
# CHASSIS_HOSTNAME must equal nova's [DEFAULT] host (port binding).
# Health: ovn-controller running and connected to the SB database
# (`ovn-appctl connection-status`).

: "${OVS_DB:=unix:/run/openvswitch/db.sock}"
: "${OVN_RUN_DIR:=/run/ovn}"
: "${OVN_REMOTE:=unix:/run/ovn/ovnsb_db.sock}"
: "${OVN_ENCAP_TYPE:=geneve}"
: "${OVN_BRIDGE:=hot-int}"
: "${OVN_BRIDGE_MAPPINGS:=provider:hot-ex}"
: "${OVN_CMS_OPTIONS:=enable-chassis-as-gw}"
: "${OVN_BRIDGE_DATAPATH_TYPE:=}"
: "${OVN_LOG_LEVEL:=info}"

ovn_vsctl() {
    ovs-vsctl --db="$OVS_DB" --timeout=10 --no-wait "$@"
}

role_start() {
    hs_require_env OVN_ENCAP_IP CHASSIS_HOSTNAME
    case $OVN_BRIDGE_DATAPATH_TYPE in
        '' | system | netdev) ;;
        *) hs_die "OVN_BRIDGE_DATAPATH_TYPE must be empty, system or netdev (is '$OVN_BRIDGE_DATAPATH_TYPE')" 2 ;;
    esac
    install -d -m 0755 "$OVN_RUN_DIR"
    rm -f "$OVN_RUN_DIR/ovn-controller.pid" "$OVN_RUN_DIR/ovn-controller.ctl"

    local sock=${OVS_DB#unix:} i
    for ((i = 0; i < 30; i++)); do [[ -S $sock ]] && break; sleep 2; done
    [[ -S $sock ]] || hs_die "host OVS socket $sock not found (mount /run/openvswitch; is openvswitch running?)"
    if [[ $OVN_REMOTE == unix:* ]]; then
        sock=${OVN_REMOTE#unix:}
        for ((i = 0; i < 30; i++)); do [[ -S $sock ]] && break; sleep 2; done
        [[ -S $sock ]] || hs_warn "OVN SB socket $sock not there yet (ovn-northd down?); ovn-controller will retry"
    fi

    hs_info "host OVS: chassis $CHASSIS_HOSTNAME, encap $OVN_ENCAP_TYPE/$OVN_ENCAP_IP, bridge $OVN_BRIDGE${OVN_BRIDGE_DATAPATH_TYPE:+ ($OVN_BRIDGE_DATAPATH_TYPE)}, mappings $OVN_BRIDGE_MAPPINGS, remote $OVN_REMOTE"
    ovn_vsctl set Open_vSwitch . \
        "external_ids:ovn-remote=\"$OVN_REMOTE\"" \
        "external_ids:ovn-encap-type=$OVN_ENCAP_TYPE" \
        "external_ids:ovn-encap-ip=$OVN_ENCAP_IP" \
        "external_ids:system-id=\"$CHASSIS_HOSTNAME\"" \
        "external_ids:hostname=\"$CHASSIS_HOSTNAME\"" \
        "external_ids:ovn-bridge=$OVN_BRIDGE" \
        "external_ids:ovn-bridge-mappings=\"$OVN_BRIDGE_MAPPINGS\"" \
        "external_ids:ovn-cms-options=\"$OVN_CMS_OPTIONS\""
    if [[ -n $OVN_BRIDGE_DATAPATH_TYPE ]]; then
        ovn_vsctl set Open_vSwitch . "external_ids:ovn-bridge-datapath-type=$OVN_BRIDGE_DATAPATH_TYPE"
        ovn_vsctl --may-exist add-br "$OVN_BRIDGE" -- set Bridge "$OVN_BRIDGE" "datapath_type=$OVN_BRIDGE_DATAPATH_TYPE"
    else
        ovn_vsctl remove Open_vSwitch . external_ids ovn-bridge-datapath-type
        ovn_vsctl --may-exist add-br "$OVN_BRIDGE"
    fi

    # not exec'ed: ovn-controller re-raises SIGTERM after its clean-up, which
    # PID 1 cannot receive (it would crash instead of exiting)
    hs_info "starting ovn-controller"
    hs_supervise ovn-controller \
        --pidfile="$OVN_RUN_DIR/ovn-controller.pid" \
        --unixctl="$OVN_RUN_DIR/ovn-controller.ctl" \
        --no-chdir \
        -vconsole:"$OVN_LOG_LEVEL" -vsyslog:off -vfile:off "$@" "$OVS_DB"
}

role_health() {
    local pid
    pid=$(cat "$OVN_RUN_DIR/ovn-controller.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null ||
        { echo "ovn-controller is not running" >&2; return 1; }
    [[ $(ovn-appctl -t "$OVN_RUN_DIR/ovn-controller.ctl" --timeout=2 connection-status 2>/dev/null) == connected ]] ||
        { echo "ovn-controller is not connected to the SB database" >&2; return 1; }
}
