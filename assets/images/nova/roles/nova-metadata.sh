# shellcheck shell=bash
# Role "nova-metadata" (nova image): metadata API (consumed by the neutron OVN
# agent through HAProxy; signatures checked with [neutron]
# metadata_proxy_shared_secret) under gunicorn, eventlet worker.
#
# Start: wait for [database] of nova.conf (fatal), wait up
# to 120 s for the compute API NOVA_API_URL (not fatal), exec gunicorn on
# NOVA_METADATA_BIND.
# Health: GET / answers 2xx.

. "$HOTSTACK_LIB/nova.sh"

: "${NOVA_API_URL:?set by its unit (components/services/nova.ts)}"
: "${NOVA_METADATA_BIND:=0.0.0.0:8775}"
: "${NOVA_METADATA_WORKERS:=1}"
: "${NOVA_METADATA_WORKER_CONNECTIONS:=1000}"
: "${GUNICORN_TIMEOUT:=180}"

role_start() {
    hs_os_require_config "$NOVA_CONFIG"
    hs_os_wait_db "$NOVA_CONFIG" database || hs_die "database not reachable"
    nova_wait_api soft 60
    hs_info "starting gunicorn on $NOVA_METADATA_BIND ($NOVA_METADATA_WORKERS eventlet worker(s))"
    export GUNICORN_TIMEOUT
    hs_os_exec_gunicorn nova_metadata_wsgi_wrapper:application "$NOVA_METADATA_BIND" \
        "$NOVA_METADATA_WORKERS" 1 \
        --worker-class eventlet --worker-connections "$NOVA_METADATA_WORKER_CONNECTIONS" "$@"
}

role_health() {
    hs_os_health_http "http://127.0.0.1:${NOVA_METADATA_BIND##*:}/"
}
