# shellcheck shell=bash
# Role "heat-engine" (heat image): the orchestration engine.
#
# Start: wait for the database of heat.conf (fatal) and,
# up to 120 s, for the heat API HEAT_API_URL (it registers the stack domain;
# not fatal); exec heat-engine (num_engine_workers from heat.conf).
# Health: heat-engine is the main process and holds an AMQP connection.

. "$HOTSTACK_LIB/openstack.sh"

: "${HEAT_CONFIG:=/etc/heat/heat.conf}"
: "${HEAT_API_URL:?set by its unit (components/services/heat.ts)}"

role_start() {
    hs_os_require_config "$HEAT_CONFIG"
    hs_os_wait_db "$HEAT_CONFIG" || hs_die "database not reachable"
    hs_os_wait_http_soft "$HEAT_API_URL" 60 2
    hs_info "starting heat-engine"
    exec heat-engine --config-file "$HEAT_CONFIG" "$@"
}

role_health() {
    hs_os_health_proc heat-engine && hs_os_health_amqp
}
