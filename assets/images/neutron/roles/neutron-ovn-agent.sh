# shellcheck shell=bash
# Role "neutron-ovn-agent" (neutron image): Neutron OVN agent with the
# metadata extension. Runs with Network=host, privileged, as root: it creates
# ovnmeta-<net> namespaces with veth pairs plugged into the integration
# bridge of the host OVS and runs haproxy in them (169.254.169.254 -> nova
# metadata via [DEFAULT] nova_metadata_host).
#
# Start: wait up to 120 s for the API NEUTRON_URL and
# 60 s for the OVN SB database and the host OVS socket named in the agent ini
# ([ovn] ovn_sb_connection, [ovs] ovsdb_connection; not fatal), run
# neutron-ovn-agent with neutron.conf + the agent ini under hs_supervise (the
# role script stays PID 1 and forwards SIGTERM).
# Health: neutron-ovn-agent process running.

. "$HOTSTACK_LIB/openstack.sh"

: "${NEUTRON_CONFIG:=/etc/neutron/neutron.conf}"
: "${NEUTRON_OVN_AGENT_CONFIG:=/etc/neutron/neutron_ovn_agent.ini}"
: "${NEUTRON_URL:?set by its unit (components/services/neutron.ts)}"

role_start() {
    hs_os_require_config "$NEUTRON_CONFIG" "$NEUTRON_OVN_AGENT_CONFIG"
    install -d -m 0755 /var/lib/neutron /var/lib/neutron/tmp /run/netns
    hs_os_wait_http_soft "$NEUTRON_URL" 60 2
    hs_os_wait_tcp_url "$(hs_os_conf_get "$NEUTRON_OVN_AGENT_CONFIG" ovn ovn_sb_connection)" 30 2
    hs_os_wait_tcp_url "$(hs_os_conf_get "$NEUTRON_OVN_AGENT_CONFIG" ovs ovsdb_connection)" 30 2
    # not exec'ed: the agent has no SIGTERM handler and would ignore
    # `podman stop` as PID 1
    hs_info "starting neutron-ovn-agent"
    hs_supervise neutron-ovn-agent --config-file "$NEUTRON_CONFIG" --config-file "$NEUTRON_OVN_AGENT_CONFIG" "$@"
}

role_health() {
    hs_os_health_proc neutron-ovn-agent
}
