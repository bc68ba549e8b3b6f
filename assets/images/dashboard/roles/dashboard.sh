# shellcheck shell=bash
# Role "dashboard" (dashboard image): Horizon under gunicorn.
#
# Start: exec gunicorn (1 worker x 4 threads by default) on DASHBOARD_BIND
# with the unit's /etc/openstack-dashboard/local_settings.py (keystone, the
# memcached sessions and the secret key are there; Horizon keeps no database).
# Health: GET /auth/login/ on the bound port answers 2xx (the login page).

. "$HOTSTACK_LIB/openstack.sh"

: "${DASHBOARD_SETTINGS:=/etc/openstack-dashboard/local_settings.py}"
: "${DASHBOARD_BIND:=0.0.0.0:80}"
: "${DASHBOARD_WORKERS:=1}"
: "${DASHBOARD_THREADS:=4}"

role_start() {
    hs_os_require_config "$DASHBOARD_SETTINGS"
    hs_require_secret DASHBOARD_SECRET_KEY
    hs_info "starting gunicorn on $DASHBOARD_BIND ($DASHBOARD_WORKERS worker(s) x $DASHBOARD_THREADS threads)"
    hs_os_exec_gunicorn dashboard_wsgi_wrapper:application "$DASHBOARD_BIND" \
        "$DASHBOARD_WORKERS" "$DASHBOARD_THREADS" "$@"
}

role_health() {
    hs_os_health_http "http://127.0.0.1:${DASHBOARD_BIND##*:}/auth/login/"
}
