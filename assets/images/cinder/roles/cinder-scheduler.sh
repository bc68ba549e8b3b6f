# shellcheck shell=bash
# Role "cinder-scheduler" (cinder image).
#
# Start: wait for the database of cinder.conf (fatal) and
# up to 120 s for the API CINDER_API_URL (not fatal), exec cinder-scheduler.
# Health: cinder-scheduler process running and holding an AMQP connection.

. "$HOTSTACK_LIB/openstack.sh"

: "${CINDER_CONFIG:=/etc/cinder/cinder.conf}"
: "${CINDER_API_URL:?set by its unit (components/services/cinder.ts)}"

role_start() {
    hs_os_require_config "$CINDER_CONFIG"
    hs_os_wait_db "$CINDER_CONFIG" || hs_die "database not reachable"
    hs_os_wait_http_soft "$CINDER_API_URL" 60 2
    hs_info "starting cinder-scheduler"
    exec cinder-scheduler --config-file "$CINDER_CONFIG" "$@"
}

role_health() {
    hs_os_health_proc cinder-scheduler && hs_os_health_amqp
}
