# shellcheck shell=bash
# Role "dnsmasq" (infra image): dnsmasq kept in the foreground, logging to
# stderr, with the mounted /etc/dnsmasq.conf. Extra arguments are appended.
# Health: TCP port 53 open on DNSMASQ_HEALTH_ADDR (127.0.0.1 by default; the
# configuration must listen there, as the hotstack-os one does).

: "${DNSMASQ_CONFIG:=/etc/dnsmasq.conf}"
: "${DNSMASQ_HEALTH_ADDR:=127.0.0.1}"
: "${DNSMASQ_HEALTH_PORT:=53}"

role_start() {
    [[ -f $DNSMASQ_CONFIG ]] || hs_die "$DNSMASQ_CONFIG is missing"
    install -d -o dnsmasq -g nogroup -m 0755 /run/dnsmasq
    dnsmasq --test --conf-file="$DNSMASQ_CONFIG" || hs_die "invalid dnsmasq configuration $DNSMASQ_CONFIG"
    exec dnsmasq --keep-in-foreground --log-facility=- \
        --pid-file=/run/dnsmasq/dnsmasq.pid --conf-file="$DNSMASQ_CONFIG" "$@"
}

role_health() {
    nc -z -w 2 "$DNSMASQ_HEALTH_ADDR" "$DNSMASQ_HEALTH_PORT" >/dev/null 2>&1 || { echo "nothing listens on $DNSMASQ_HEALTH_ADDR:$DNSMASQ_HEALTH_PORT" >&2; return 1; }
}
