# shellcheck shell=bash
# Role "haproxy" (infra image): HAProxy in the foreground (-db) with
# /etc/haproxy/haproxy.cfg (log to stdout is configured in that file).
# The configuration is validated before the exec, so a broken file fails fast
# with HAProxy's own message. Extra arguments are appended.
# Health: something listens on HAPROXY_HEALTH_PORT (the stats frontend).

: "${HAPROXY_CONFIG:=/etc/haproxy/haproxy.cfg}"
: "${HAPROXY_HEALTH_PORT:=8404}"

role_start() {
    [[ -f $HAPROXY_CONFIG ]] || hs_die "$HAPROXY_CONFIG is missing"
    install -d -m 0755 /run/haproxy
    haproxy -c -q -f "$HAPROXY_CONFIG" || hs_die "invalid HAProxy configuration $HAPROXY_CONFIG"
    exec haproxy -db -f "$HAPROXY_CONFIG" "$@"
}

role_health() {
    nc -z -w 2 127.0.0.1 "$HAPROXY_HEALTH_PORT" >/dev/null 2>&1 || { echo "nothing listens on port $HAPROXY_HEALTH_PORT" >&2; return 1; }
}
