# shellcheck shell=bash
# Role "neutron-server" (neutron image): Networking API, RPC workers and the
# ML2/OVN maintenance worker in one eventlet process tree (/usr/bin/neutron-server).
#
# Start (the all-in-one server):
#   1. wait for the database of the rendered neutron.conf;
#   2. neutron-db-manage upgrade head (neutron.conf + ml2_conf.ini);
#   3. keystone registration: user neutron (SERVICE_PASSWORD) with
#      admin+service on project service, service neutron/network, endpoints
#      NEUTRON_PUBLIC_URL;
#   4. wait up to 120 s for the OVN NB and SB databases named in
#      ml2_conf.ini [ovn] (tcp: endpoints; not fatal);
#   5. exec neutron-server with both files. Set [DEFAULT] api_workers (e.g. 1)
#      in neutron.conf: its default is one API process per CPU.
# Health: GET / on NEUTRON_PORT answers 2xx (version list).

. "$HOTSTACK_LIB/openstack.sh"

: "${NEUTRON_CONFIG:=/etc/neutron/neutron.conf}"
: "${NEUTRON_ML2_CONFIG:=/etc/neutron/plugins/ml2/ml2_conf.ini}"
: "${NEUTRON_PUBLIC_URL:?set by its unit (components/services/neutron.ts)}"
: "${NEUTRON_PORT:=9696}"

role_start() {
    hs_os_require_config "$NEUTRON_CONFIG" "$NEUTRON_ML2_CONFIG"
    [[ ${HOTSTACK_BOOTSTRAP:-true} == false ]] || hs_require_secret ADMIN_PASSWORD SERVICE_PASSWORD
    install -d -m 0755 /var/lib/neutron /var/lib/neutron/tmp

    hs_os_wait_db "$NEUTRON_CONFIG" || hs_die "database not reachable"
    hs_info "neutron-db-manage upgrade head"
    neutron-db-manage --config-file "$NEUTRON_CONFIG" --config-file "$NEUTRON_ML2_CONFIG" upgrade head

    hs_info "keystone registration: user neutron, service network, $NEUTRON_PUBLIC_URL"
    hs_os_bootstrap --service-user neutron --password "$(hs_os_secret_ref SERVICE_PASSWORD)" \
        --service neutron network "OpenStack Networking" \
        --endpoint-url "$NEUTRON_PUBLIC_URL" >&2 || hs_die "keystone registration failed"

    hs_os_wait_tcp_url "$(hs_os_conf_get "$NEUTRON_ML2_CONFIG" ovn ovn_nb_connection)" 60 2
    hs_os_wait_tcp_url "$(hs_os_conf_get "$NEUTRON_ML2_CONFIG" ovn ovn_sb_connection)" 60 2
    [[ -n $(hs_os_conf_get "$NEUTRON_CONFIG" DEFAULT api_workers) ]] ||
        hs_warn "[DEFAULT] api_workers is not set: neutron starts one API worker per CPU"

    hs_info "starting neutron-server"
    exec neutron-server --config-file "$NEUTRON_CONFIG" --config-file "$NEUTRON_ML2_CONFIG" "$@"
}

role_health() {
    hs_os_health_http "http://127.0.0.1:$NEUTRON_PORT/"
}
