# shellcheck shell=bash
# Role "nova-novncproxy" (nova image): noVNC websocket proxy. Serves the web
# client from /usr/share/novnc ([vnc] novncproxy_base_url should point at
# .../vnc_lite.html) and connects to the VNC servers of the VMs
# ([vnc] server_proxyclient_address).
#
# Start: wait for the compute API NOVA_API_URL (fatal
# after 60 s), exec nova-novncproxy (listens on [vnc] novncproxy_host:port,
# default 0.0.0.0:6080).
# Health: nova-novncproxy is the main process and its port is listening.

. "$HOTSTACK_LIB/nova.sh"

: "${NOVA_API_URL:?set by its unit (components/services/nova.ts)}"
: "${NOVA_NOVNCPROXY_PORT:=6080}"

role_start() {
    hs_os_require_config "$NOVA_CONFIG"
    [[ -f /usr/share/novnc/vnc_lite.html ]] || hs_die "noVNC web files missing in /usr/share/novnc"
    nova_wait_api fatal 30
    hs_info "starting nova-novncproxy"
    exec nova-novncproxy --config-file "$NOVA_CONFIG" "$@"
}

role_health() {
    hs_os_health_proc nova-novncproxy || return 1
    ss -Hltn "( sport = :$NOVA_NOVNCPROXY_PORT )" 2>/dev/null | grep -q . ||
        { echo "nothing listens on port $NOVA_NOVNCPROXY_PORT" >&2; return 1; }
}
