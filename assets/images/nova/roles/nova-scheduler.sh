# shellcheck shell=bash
# Role "nova-scheduler" (nova image).
#
# Start: wait for [database] of nova.conf and for the compute
# API NOVA_API_URL (it creates the cell mappings; both fatal after 120 s, the
# unit restarts the container), exec nova-scheduler.
# Health: nova-scheduler is the main process and holds an AMQP connection.

. "$HOTSTACK_LIB/nova.sh"

: "${NOVA_API_URL:?set by its unit (components/services/nova.ts)}"

role_start() {
    hs_os_require_config "$NOVA_CONFIG"
    hs_os_wait_db "$NOVA_CONFIG" database || hs_die "database not reachable"
    nova_wait_api fatal 60
    hs_info "starting nova-scheduler"
    exec nova-scheduler --config-file "$NOVA_CONFIG" "$@"
}

role_health() {
    hs_os_health_proc nova-scheduler && hs_os_health_amqp
}
