# shellcheck shell=bash
# Role "placement" (placement image): Placement API under gunicorn.
#
# Start:
#   1. wait for the database of the rendered placement.conf
#      ([placement_database] connection);
#   2. placement-manage db sync (idempotent; skipped when the database already
#      holds the installed schema heads: hs_os_db_sync);
#   3. keystone registration: user placement (SERVICE_PASSWORD) with
#      admin+service on project service, service placement/placement,
#      endpoints PLACEMENT_PUBLIC_URL;
#   4. exec gunicorn (1 worker x 4 threads by default) on PLACEMENT_BIND.
# Health: GET / on the bound port answers 2xx (the version document).

. "$HOTSTACK_LIB/openstack.sh"

: "${PLACEMENT_CONFIG:=/etc/placement/placement.conf}"
: "${PLACEMENT_PUBLIC_URL:?set by its unit (components/services/placement.ts)}"
: "${PLACEMENT_BIND:=0.0.0.0:8778}"
: "${PLACEMENT_WORKERS:=1}"
: "${PLACEMENT_THREADS:=4}"

role_start() {
    hs_os_require_config "$PLACEMENT_CONFIG"
    [[ ${HOTSTACK_BOOTSTRAP:-true} == false ]] || hs_require_secret ADMIN_PASSWORD SERVICE_PASSWORD

    hs_os_wait_db "$PLACEMENT_CONFIG" placement_database || hs_die "database not reachable"
    hs_os_db_sync "$PLACEMENT_CONFIG" placement_database placement/db/sqlalchemy/alembic \
        placement-manage --config-file "$PLACEMENT_CONFIG" db sync

    hs_info "keystone registration: user placement, service placement, $PLACEMENT_PUBLIC_URL"
    hs_os_bootstrap --service-user placement --password "$(hs_os_secret_ref SERVICE_PASSWORD)" \
        --service placement placement "Placement API" \
        --endpoint-url "$PLACEMENT_PUBLIC_URL" >&2 || hs_die "keystone registration failed"

    # the WSGI app reads <OS_PLACEMENT_CONFIG_DIR>/placement.conf
    export OS_PLACEMENT_CONFIG_DIR=${PLACEMENT_CONFIG%/*}
    hs_info "starting gunicorn on $PLACEMENT_BIND ($PLACEMENT_WORKERS worker(s) x $PLACEMENT_THREADS threads)"
    hs_os_exec_gunicorn placement_wsgi_wrapper:application "$PLACEMENT_BIND" \
        "$PLACEMENT_WORKERS" "$PLACEMENT_THREADS" "$@"
}

role_health() {
    hs_os_health_http "http://127.0.0.1:${PLACEMENT_BIND##*:}/"
}
