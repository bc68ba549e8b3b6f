# shellcheck shell=bash
# Role "cinder-api" (cinder image): Block Storage API, eventlet cinder-api.
#
# Start:
#   1. wait for the database of the rendered cinder.conf; cinder-manage db sync
#      (skipped when the database holds the installed schema heads);
#   2. keystone registration: user cinder (SERVICE_PASSWORD) with
#      admin+service on project service, service cinderv3/volumev3, endpoints
#      CINDER_PUBLIC_URL (with the literal $(project_id)s);
#   3. exec cinder-api (bind/workers from cinder.conf: osapi_volume_listen,
#      osapi_volume_listen_port, osapi_volume_workers).
# Health: any HTTP answer on CINDER_PORT (GET / returns 300).

. "$HOTSTACK_LIB/openstack.sh"

: "${CINDER_CONFIG:=/etc/cinder/cinder.conf}"
: "${CINDER_PUBLIC_URL:?set by its unit (components/services/cinder.ts)}"
: "${CINDER_PORT:=8776}"

role_start() {
    hs_os_require_config "$CINDER_CONFIG"
    [[ ${HOTSTACK_BOOTSTRAP:-true} == false ]] || hs_require_secret ADMIN_PASSWORD SERVICE_PASSWORD

    hs_os_wait_db "$CINDER_CONFIG" || hs_die "database not reachable"
    hs_os_db_sync "$CINDER_CONFIG" database cinder/db/migrations \
        cinder-manage --config-file "$CINDER_CONFIG" db sync

    hs_info "keystone registration: user cinder, service cinderv3 (volumev3), $CINDER_PUBLIC_URL"
    hs_os_bootstrap --service-user cinder --password "$(hs_os_secret_ref SERVICE_PASSWORD)" \
        --service cinderv3 volumev3 "OpenStack Block Storage" \
        --endpoint-url "$CINDER_PUBLIC_URL" >&2 || hs_die "keystone registration failed"

    hs_info "starting cinder-api"
    exec cinder-api --config-file "$CINDER_CONFIG" "$@"
}

role_health() {
    hs_os_health_http_any "http://127.0.0.1:$CINDER_PORT/"
}
