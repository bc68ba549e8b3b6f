# shellcheck shell=bash
# Role "heat-api" (heat image): Orchestration API under gunicorn (eventlet
# worker).
#
# Start:
#   1. wait for the database of the rendered heat.conf; heat-manage db_sync
#      (skipped when the database holds the installed schema heads);
#   2. keystone registration: domain HEAT_STACK_DOMAIN ("heat") with user
#      HEAT_DOMAIN_ADMIN ("heat_domain_admin", SERVICE_PASSWORD) holding admin
#      on that domain, roles heat_stack_owner + heat_stack_user, user heat
#      (SERVICE_PASSWORD) with admin+service on project service, service
#      heat/orchestration, endpoints HEAT_PUBLIC_URL (with $(project_id)s);
#   3. exec gunicorn on HEAT_API_BIND, eventlet worker class.
# Health: GET / answers 2xx/3xx (300 version document).
# heat.conf must name the same domain/user: stack_user_domain_name,
# stack_domain_admin, stack_domain_admin_password = @@SERVICE_PASSWORD@@.

. "$HOTSTACK_LIB/openstack.sh"

: "${HEAT_CONFIG:=/etc/heat/heat.conf}"
: "${HEAT_PUBLIC_URL:?set by its unit (components/services/heat.ts)}"
: "${HEAT_API_BIND:=0.0.0.0:8004}"
: "${HEAT_API_WORKERS:=1}"
: "${HEAT_API_WORKER_CONNECTIONS:=1000}"
: "${HEAT_STACK_DOMAIN:?set by its unit (components/services/heat.ts)}"
: "${HEAT_DOMAIN_ADMIN:?set by its unit (components/services/heat.ts)}"

role_start() {
    hs_os_require_config "$HEAT_CONFIG"
    [[ ${HOTSTACK_BOOTSTRAP:-true} == false ]] || hs_require_secret ADMIN_PASSWORD SERVICE_PASSWORD

    hs_os_wait_db "$HEAT_CONFIG" || hs_die "database not reachable"
    hs_os_db_sync "$HEAT_CONFIG" database heat/db/migrations \
        heat-manage --config-file "$HEAT_CONFIG" db_sync

    local pw
    pw=$(hs_os_secret_ref SERVICE_PASSWORD)
    hs_info "keystone registration: domain $HEAT_STACK_DOMAIN, $HEAT_DOMAIN_ADMIN, user heat, service orchestration, $HEAT_PUBLIC_URL"
    hs_os_bootstrap --service-user heat --password "$pw" \
        --domain "$HEAT_STACK_DOMAIN" "Stack projects and users" \
        --user "$HEAT_DOMAIN_ADMIN@$HEAT_STACK_DOMAIN" "$pw" \
        --domain-role "$HEAT_DOMAIN_ADMIN@$HEAT_STACK_DOMAIN" admin "$HEAT_STACK_DOMAIN" \
        --role heat_stack_owner --role heat_stack_user \
        --service heat orchestration "Orchestration" \
        --endpoint-url "$HEAT_PUBLIC_URL" >&2 || hs_die "keystone registration failed"

    hs_info "starting gunicorn on $HEAT_API_BIND ($HEAT_API_WORKERS eventlet worker(s), $HEAT_API_WORKER_CONNECTIONS connections)"
    hs_os_exec_gunicorn heat_wsgi_wrapper:application "$HEAT_API_BIND" "$HEAT_API_WORKERS" 1 \
        --worker-class eventlet --worker-connections "$HEAT_API_WORKER_CONNECTIONS" "$@"
}

role_health() {
    hs_os_health_http "http://127.0.0.1:${HEAT_API_BIND##*:}/"
}
