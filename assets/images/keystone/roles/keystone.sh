# shellcheck shell=bash
# Role "keystone" (keystone image): Identity API.
#
# Start (adapted):
#   1. wait for the database named in the rendered keystone.conf;
#   2. keystone-manage db_sync, unless the database holds the installed
#      schema heads already (hs_os_db_sync);
#   3. fernet/credential key repositories initialised only when empty (no
#      key "0"); keys live in the mounted /etc/keystone/{fernet,credential}-keys;
#   4. keystone-manage bootstrap (idempotent; admin password from the
#      ADMIN_PASSWORD secret via OS_BOOTSTRAP_PASSWORD in its environment;
#      identity endpoints = KEYSTONE_PUBLIC_URL in REGION_NAME);
#   5. background task: once the local API answers -- and, unless
#      KEYSTONE_WAIT_PUBLIC=false, once KEYSTONE_PUBLIC_URL answers through
#      HAProxy (up to 60 s, then it goes on with a warning) -- ensure the
#      project KEYSTONE_SERVICE_PROJECT ("service") exists and record that in
#      /run/hotstack/keystone-ready;
#   6. exec gunicorn (1 worker x 8 threads by default) on KEYSTONE_BIND.
# Health: GET /v3 answers AND the service project exists, so units ordered
# after keystone only start once it is really usable. The project lookup
# (an admin password login, i.e. bcrypt work in keystone) is done only until
# it succeeded once in this container; later probes just check the marker
# and GET /v3.

. "$HOTSTACK_LIB/openstack.sh"

: "${KEYSTONE_CONFIG:=/etc/keystone/keystone.conf}"
: "${REGION_NAME:?set by its unit (components/services/keystone.ts)}"
: "${KEYSTONE_PUBLIC_URL:?set by its unit (components/services/keystone.ts)}"
: "${KEYSTONE_BIND:=0.0.0.0:5000}"
: "${KEYSTONE_WORKERS:=1}"
: "${KEYSTONE_THREADS:=8}"
: "${KEYSTONE_SERVICE_PROJECT:=service}"
: "${KEYSTONE_WAIT_PUBLIC:=true}"
KEYSTONE_READY_MARKER=$HOTSTACK_RUN_DIR/keystone-ready

keystone_local_url() {
    printf 'http://127.0.0.1:%s/v3\n' "${KEYSTONE_BIND##*:}"
}

keystone_manage() {
    keystone-manage --config-file "$KEYSTONE_CONFIG" "$@"
}

keystone_key_repo() {
    # keystone_key_repo fernet|credential DIR
    local kind=$1 dir=$2
    install -d -m 0700 "$dir"
    hs_chown_if_different root:root "$dir"
    if [[ -f $dir/0 ]]; then
        hs_info "$kind keys present in $dir ($(find "$dir" -maxdepth 1 -type f | wc -l) keys): kept"
    else
        hs_info "no $kind keys in $dir: creating them"
        keystone_manage "${kind}_setup" --keystone-user root --keystone-group root
    fi
}

keystone_ensure_service_project() {
    # Runs in the background after gunicorn has been exec'ed (gunicorn's
    # arbiter reaps it).
    local url
    url=$(keystone_local_url)
    hs_os_admin_env "$url"
    if ! hs_wait_http "$url" 150 2; then
        hs_error "local API $url never answered; health check will stay red"
        return 1
    fi
    if [[ $KEYSTONE_WAIT_PUBLIC == true ]]; then
        if hs_wait_http "$KEYSTONE_PUBLIC_URL" 30 2; then
            hs_info "public URL $KEYSTONE_PUBLIC_URL answers"
        else
            hs_warn "public URL $KEYSTONE_PUBLIC_URL does not answer (HAProxy down?); continuing"
        fi
    fi
    if hotstack-keystone-bootstrap --wait 300 --project "$KEYSTONE_SERVICE_PROJECT" >/dev/null; then
        : >"$KEYSTONE_READY_MARKER"
        hs_info "project $KEYSTONE_SERVICE_PROJECT present: keystone is ready"
    else
        hs_error "could not ensure project $KEYSTONE_SERVICE_PROJECT; health check will stay red"
    fi
}

role_start() {
    hs_require_secret ADMIN_PASSWORD
    [[ -f $KEYSTONE_CONFIG ]] || hs_die "$KEYSTONE_CONFIG is missing (mount it at /etc/hotstack/templates$KEYSTONE_CONFIG)"
    rm -f "$KEYSTONE_READY_MARKER"

    hs_os_wait_db "$KEYSTONE_CONFIG" || hs_die "database not reachable"

    # db_sync is expand, a no-op data step and contract: alembic to the heads
    # of both branches, skipped when the database holds them already.
    hs_os_db_sync "$KEYSTONE_CONFIG" database keystone/common/sql/migrations \
        keystone_manage db_sync

    keystone_key_repo fernet /etc/keystone/fernet-keys
    keystone_key_repo credential /etc/keystone/credential-keys

    hs_info "keystone-manage bootstrap (region $REGION_NAME, endpoints $KEYSTONE_PUBLIC_URL)"
    OS_BOOTSTRAP_PASSWORD=$(hs_read_secret ADMIN_PASSWORD) keystone_manage bootstrap \
        --bootstrap-username admin \
        --bootstrap-project-name admin \
        --bootstrap-role-name admin \
        --bootstrap-service-name keystone \
        --bootstrap-region-id "$REGION_NAME" \
        --bootstrap-admin-url "$KEYSTONE_PUBLIC_URL" \
        --bootstrap-internal-url "$KEYSTONE_PUBLIC_URL" \
        --bootstrap-public-url "$KEYSTONE_PUBLIC_URL"

    keystone_ensure_service_project &

    hs_info "starting gunicorn on $KEYSTONE_BIND ($KEYSTONE_WORKERS worker(s) x $KEYSTONE_THREADS threads)"
    hs_os_exec_gunicorn keystone_wsgi_wrapper:application "$KEYSTONE_BIND" \
        "$KEYSTONE_WORKERS" "$KEYSTONE_THREADS" "$@"
}

role_health() {
    local url
    url=$(keystone_local_url)
    curl -fsS -o /dev/null -m 2 "$url" || return 1
    [[ -f $KEYSTONE_READY_MARKER ]] && return 0
    hs_os_admin_env "$url" || return 1
    hotstack-keystone-bootstrap --check-project "$KEYSTONE_SERVICE_PROJECT" --timeout 3 || return 1
    : >"$KEYSTONE_READY_MARKER" 2>/dev/null || true
}
