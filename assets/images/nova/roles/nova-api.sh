# shellcheck shell=bash
# Role "nova-api" (nova image): Compute API under gunicorn (eventlet worker).
# This container owns the nova databases and cell mappings.
#
# Start:
#   1. wait for [api_database] and [database] of the rendered nova.conf;
#   2. nova-manage api_db sync (skipped, like step 4, when nova_api, nova and
#      nova_cell0 already hold the installed code's schema heads: a restart
#      for a changed option then costs no nova-manage start);
#   3. cell0: map_cell0 when it is missing (URL = [database] with database
#      nova_cell0); an existing mapping whose stored URL is not the template
#      (e.g. made by hand) is converged with update_cell;
#   4. nova-manage db sync (cell1 = [database], and cell0);
#   5. keystone registration: user nova (SERVICE_PASSWORD) with admin+service
#      on project service, service nova/compute, endpoints NOVA_PUBLIC_URL;
#   6. cell1: create_cell when missing, update_cell only when the stored URLs
#      differ from the templates (idempotent);
#      cell URLs are stored as templates with {username}:{password} taken
#      from each service's nova.conf (no password in the nova_api database);
#   7. exec gunicorn on NOVA_API_BIND (eventlet worker class).
# Health: GET / answers 2xx (version document).

. "$HOTSTACK_LIB/nova.sh"

: "${NOVA_PUBLIC_URL:?set by its unit (components/services/nova.ts)}"
: "${NOVA_API_BIND:=0.0.0.0:8774}"
: "${NOVA_API_WORKERS:=1}"
: "${NOVA_API_WORKER_CONNECTIONS:=1000}"
: "${GUNICORN_TIMEOUT:=180}"
: "${NOVA_CELL1_NAME:=cell1}"

CELL0_UUID=00000000-0000-0000-0000-000000000000

nova_converge_cell0() {
    local db
    db=$(nova_cell_url_template db nova_cell0)
    if [[ -z $(nova_cell_uuid cell0) ]]; then
        hs_info "mapping cell0 (database nova_cell0)"
        if [[ -n $db ]]; then
            nova_manage cell_v2 map_cell0 --database_connection "$db"
        else
            nova_manage cell_v2 map_cell0
        fi
    elif [[ -n $db ]] && nova_cell_differs "$CELL0_UUID" "$db"; then
        hs_info "cell0 exists: storing its database URL as a template"
        nova_manage cell_v2 update_cell --cell_uuid "$CELL0_UUID" --database_connection "$db" >&2 ||
            hs_warn "could not update the cell0 mapping (kept as it is)"
    else
        hs_info "cell0 exists and is up to date"
    fi
}

nova_converge_cell1() {
    local db mq uuid args=()
    db=$(nova_cell_url_template db "$(nova_db_name)")
    mq=$(nova_cell_url_template mq)
    [[ -n $db ]] && args+=(--database_connection "$db")
    [[ -n $mq ]] && args+=(--transport-url "$mq")
    uuid=$(nova_cell_uuid "$NOVA_CELL1_NAME")
    if [[ -z $uuid ]]; then
        hs_info "creating cell $NOVA_CELL1_NAME"
        nova_manage cell_v2 create_cell --name "$NOVA_CELL1_NAME" "${args[@]}" --verbose >&2
    elif ((${#args[@]})) && nova_cell_differs "$uuid" "$db" "$mq"; then
        hs_info "cell $NOVA_CELL1_NAME exists ($uuid): storing its URLs as templates"
        nova_manage cell_v2 update_cell --cell_uuid "$uuid" "${args[@]}" >&2 ||
            hs_die "could not update cell $NOVA_CELL1_NAME"
    else
        hs_info "cell $NOVA_CELL1_NAME exists ($uuid) and is up to date"
    fi
}

nova_db_name() {
    # database name of [database] connection (the cell1 database)
    python3 - "$NOVA_CONFIG" <<'PY'
import configparser, sys
from sqlalchemy.engine import make_url
cp = configparser.ConfigParser(interpolation=None, strict=False, default_section="\x00none")
cp.read(sys.argv[1], encoding="utf-8")
print(make_url(cp.get("database", "connection").strip()).database or "nova")
PY
}

role_start() {
    hs_os_require_config "$NOVA_CONFIG"
    [[ ${HOTSTACK_BOOTSTRAP:-true} == false ]] || hs_require_secret ADMIN_PASSWORD SERVICE_PASSWORD

    hs_os_wait_db "$NOVA_CONFIG" api_database || hs_die "API database not reachable"
    hs_os_wait_db "$NOVA_CONFIG" database || hs_die "cell database not reachable"

    if nova_schema_current; then
        hs_info "databases at the installed schema: api_db sync and db sync skipped"
        nova_converge_cell0
    else
        hs_info "nova-manage api_db sync"
        nova_manage api_db sync
        nova_converge_cell0
        hs_info "nova-manage db sync"
        nova_manage db sync
    fi

    hs_info "keystone registration: user nova, service compute, $NOVA_PUBLIC_URL"
    hs_os_bootstrap --service-user nova --password "$(hs_os_secret_ref SERVICE_PASSWORD)" \
        --service nova compute "OpenStack Compute" \
        --endpoint-url "$NOVA_PUBLIC_URL" >&2 || hs_die "keystone registration failed"

    nova_converge_cell1

    hs_info "starting gunicorn on $NOVA_API_BIND ($NOVA_API_WORKERS eventlet worker(s), $NOVA_API_WORKER_CONNECTIONS connections)"
    export GUNICORN_TIMEOUT
    hs_os_exec_gunicorn nova_wsgi_wrapper:application "$NOVA_API_BIND" "$NOVA_API_WORKERS" 1 \
        --worker-class eventlet --worker-connections "$NOVA_API_WORKER_CONNECTIONS" "$@"
}

role_health() {
    hs_os_health_http "http://127.0.0.1:${NOVA_API_BIND##*:}/"
}
