# shellcheck shell=bash
# Role "glance" (glance image): Image API, Debian's eventlet glance-api.
#
# Start:
#   1. wait for the database of the rendered glance-api.conf;
#   2. glance-manage db_sync (idempotent);
#   3. keystone registration (hotstack-keystone-bootstrap, waits for keystone):
#      user glance (SERVICE_PASSWORD) with admin+service on project service,
#      service glance/image, endpoints GLANCE_PUBLIC_URL (3 interfaces);
#   4. exec glance-api (bind address/port/workers from the config file).
# Health: GET / on the API port answers 2xx/3xx (300 "Multiple Choices").

. "$HOTSTACK_LIB/openstack.sh"

: "${GLANCE_CONFIG:=/etc/glance/glance-api.conf}"
: "${GLANCE_PUBLIC_URL:?set by its unit (components/services/glance.ts)}"
: "${GLANCE_PORT:=9292}"
: "${GLANCE_IMAGES_DIR:=/var/lib/glance/images}"

role_start() {
    hs_os_require_config "$GLANCE_CONFIG"
    [[ ${HOTSTACK_BOOTSTRAP:-true} == false ]] || hs_require_secret ADMIN_PASSWORD SERVICE_PASSWORD
    install -d -m 0755 "$GLANCE_IMAGES_DIR"

    hs_os_wait_db "$GLANCE_CONFIG" || hs_die "database not reachable"
    hs_info "glance-manage db_sync"
    glance-manage --config-file "$GLANCE_CONFIG" db_sync

    hs_info "keystone registration: user glance, service image, $GLANCE_PUBLIC_URL"
    hs_os_bootstrap --service-user glance --password "$(hs_os_secret_ref SERVICE_PASSWORD)" \
        --service glance image "OpenStack Image" \
        --endpoint-url "$GLANCE_PUBLIC_URL" >&2 || hs_die "keystone registration failed"

    hs_info "starting glance-api"
    exec glance-api --config-file "$GLANCE_CONFIG" "$@"
}

role_health() {
    hs_os_health_http "http://127.0.0.1:$GLANCE_PORT/"
}
