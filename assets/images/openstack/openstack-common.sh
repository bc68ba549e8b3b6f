# shellcheck shell=bash
# Helpers for the OpenStack service roles. Installed as
# /usr/local/lib/hotstack/openstack.sh by the openstack image; role files
# source it after common.sh:   . "$HOTSTACK_LIB/openstack.sh"
#
# Environment of the roles that register in keystone, set by their units
# (components/services/openstack.ts, registrationEnv); the image holds no default:
#   REGION_NAME            region of catalog endpoints
#   KEYSTONE_INTERNAL_URL  keystone URL used by entrypoints
# and, optional:
#   HOTSTACK_BOOTSTRAP     "false" skips keystone registration  (true)

hs_os_admin_env() {
    # hs_os_admin_env [AUTH_URL] : export admin credentials (OS_*), the
    # password read from the ADMIN_PASSWORD secret into OS_PASSWORD.
    local pw
    : "${REGION_NAME:?set by its unit (components/services/openstack.ts)}"
    pw=$(hs_read_secret ADMIN_PASSWORD) || return 1
    export OS_AUTH_URL=${1:-${KEYSTONE_INTERNAL_URL:?set by its unit (components/services/openstack.ts)}}
    export OS_USERNAME=admin OS_PROJECT_NAME=admin
    export OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
    export OS_IDENTITY_API_VERSION=3 OS_INTERFACE=internal
    export OS_REGION_NAME=$REGION_NAME
    export OS_PASSWORD=$pw
}

hs_os_wait_db() {
    # hs_os_wait_db CONFIG [SECTION] : wait for the DB of a rendered config.
    hotstack-wait-db --config "$1" --section "${2:-database}"
}

hs_os_schema_current() {
    # hs_os_schema_current CONFIG SECTION PROJECT_SCRIPTS [--database DB] : exit 0
    # when the database already holds the schema heads of the installed code
    # (its alembic scripts at PROJECT_SCRIPTS, e.g. nova/db/api/migrations in the
    # installed package nova), so the project's db sync would change nothing: it
    # is alembic's upgrade to head and nothing else for keystone, nova,
    # placement, cinder and heat 2025.1 (check again when the OpenStack release
    # changes; keystone's expand and contract branches both). A restart
    # for a changed option then skips a full start of the project in Python.
    # Any doubt: 1.
    local conf=$1 section=$2 scripts=$3
    shift 3
    hotstack-schema-current --config "$conf" --section "$section" \
        --scripts "$scripts" "$@"
}

hs_os_db_sync() {
    # hs_os_db_sync CONFIG SECTION PROJECT_SCRIPTS CMD... : run the db sync
    # command CMD unless hs_os_schema_current says the schema is current.
    local conf=$1 section=$2 scripts=$3
    shift 3
    if hs_os_schema_current "$conf" "$section" "$scripts"; then
        hs_info "database at the installed schema: skipped $*"
    else
        hs_info "$*"
        "$@"
    fi
}

hs_os_bootstrap() {
    # hs_os_bootstrap ARGS... : run hotstack-keystone-bootstrap with admin
    # credentials (in its environment only). Skipped with HOTSTACK_BOOTSTRAP=false.
    if [[ ${HOTSTACK_BOOTSTRAP:-true} == false ]]; then
        hs_info "HOTSTACK_BOOTSTRAP=false: keystone registration skipped"
        return 0
    fi
    (
        hs_os_admin_env
        hotstack-keystone-bootstrap "$@"
    )
}

hs_os_exec_gunicorn() {
    # hs_os_exec_gunicorn APP BIND WORKERS THREADS [extra gunicorn args...]
    # Foreground gunicorn with access and error logs on stdout/stderr.
    local app=$1 bind=$2 workers=$3 threads=$4
    shift 4
    exec gunicorn --bind "$bind" --workers "$workers" --threads "$threads" \
        --timeout "${GUNICORN_TIMEOUT:-120}" --graceful-timeout "${GUNICORN_GRACEFUL_TIMEOUT:-30}" \
        --access-logfile - --error-logfile - --capture-output "$@" "$app"
}

# ---------------------------------------------------------------------------
# Helpers for the service roles (glance, placement, nova, neutron, cinder,
# heat). None of them prints or passes a secret value.

hs_os_require_config() {
    # hs_os_require_config FILE... : abort when a config file is missing. The
    # images ship no default service config, so a missing file means the
    # template was not mounted.
    local f
    for f in "$@"; do
        [[ -f $f ]] || hs_die "$f is missing (mount its template at /etc/hotstack/templates$f)"
    done
}

hs_os_conf_get() {
    # hs_os_conf_get FILE SECTION KEY [DEFAULT] : print one option of an
    # oslo.config style ini file (last occurrence wins, no interpolation);
    # DEFAULT (or nothing) when the option is not set. For non-secret options
    # only: the value goes to stdout.
    python3 - "$@" <<'PY'
import configparser, sys
path, section, key = sys.argv[1:4]
default = sys.argv[4] if len(sys.argv) > 4 else ""
cp = configparser.ConfigParser(interpolation=None, strict=False, default_section="\x00none")
try:
    cp.read(path, encoding="utf-8")
except configparser.Error as e:
    sys.exit(f"cannot parse {path}: {e}")
print(cp.get(section, key, fallback=default).strip())
PY
}

hs_os_wait_http_soft() {
    # hs_os_wait_http_soft URL [TRIES=60] [INTERVAL=2] : like hs_wait_http, but
    # only warns on timeout (the caller goes on; ordering is the unit's job).
    local url=$1 tries=${2:-60} interval=${3:-2} i
    for ((i = 1; i <= tries; i++)); do
        if curl -fsS -o /dev/null -m 5 "$url" 2>/dev/null; then
            ((i == 1)) || hs_info "$url answers (after $(((i - 1) * interval)) s)"
            return 0
        fi
        ((i == 1)) && hs_info "waiting for $url (up to $((tries * interval)) s)"
        sleep "$interval"
    done
    hs_warn "$url did not answer within $((tries * interval)) s; continuing"
    return 0
}

hs_os_wait_tcp_url() {
    # hs_os_wait_tcp_url ENDPOINT [TRIES=30] [INTERVAL=2] [soft|fatal] : wait
    # for an OVSDB style endpoint "tcp:HOST:PORT" (or unix:PATH, a socket
    # file). Other forms are not waited for.
    local ep=$1 tries=${2:-30} interval=${3:-2} mode=${4:-soft} i host port path
    case $ep in
        tcp:*:*)
            host=${ep#tcp:}
            port=${host##*:}
            host=${host%:*}
            ;;
        unix:*) path=${ep#unix:} ;;
        *) return 0 ;;
    esac
    for ((i = 1; i <= tries; i++)); do
        if [[ -n ${path:-} ]]; then
            [[ -S $path ]] && return 0
        elif nc -z -w 2 "$host" "$port" 2>/dev/null; then
            return 0
        fi
        ((i == 1)) && hs_info "waiting for $ep (up to $((tries * interval)) s)"
        sleep "$interval"
    done
    if [[ $mode == fatal ]]; then
        hs_error "$ep not reachable after $((tries * interval)) s"
        return 1
    fi
    hs_warn "$ep not reachable after $((tries * interval)) s; continuing"
    return 0
}

hs_os_secret_ref() {
    # hs_os_secret_ref NAME : password reference for hotstack-keystone-bootstrap
    printf 'file:%s\n' "$(hs_secret_file "$1")"
}

# --- health helpers (no secrets needed) ------------------------------------

hs_os_health_http() {
    # hs_os_health_http URL : 2xx/3xx answer within 3 s
    curl -fsS -o /dev/null -m 3 "$1" || { echo "no 2xx/3xx answer from $1" >&2; return 1; }
}

hs_os_health_http_any() {
    # hs_os_health_http_any URL : any HTTP answer within 3 s
    local code
    code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null) || true
    [[ $code =~ ^[1-5][0-9][0-9]$ ]] || { echo "no HTTP answer from $1" >&2; return 1; }
}

hs_os_health_proc() {
    # hs_os_health_proc NAME : a process of this container runs program NAME
    # (argv[0], or the script argv[1] of a python3 interpreter). Not bound to
    # PID 1, so it also holds when the deploy tool adds --init; the probe's
    # own "hotstack-health NAME" process does not match. A process title set
    # by setproctitle ("NAME (/usr/bin/python3 …)", one string) counts as NAME.
    local name=$1 f args prog
    for f in /proc/[0-9]*/cmdline; do
        args=()
        mapfile -d '' -n 2 args <"$f" 2>/dev/null || continue
        ((${#args[@]})) || continue
        prog=${args[0]%% *}
        if [[ ${prog##*/} == "$name" ]] ||
            [[ ${args[0]##*/} == python3* && ${#args[@]} -gt 1 && ${args[1]##*/} == "$name" ]]; then
            return 0
        fi
    done
    echo "no $name process running" >&2
    return 1
}

hs_os_health_amqp() {
    # hs_os_health_amqp [PORT=5672] : a process of this container holds an
    # established connection to an AMQP broker port (works on the host network
    # too: ss -p only resolves sockets of processes visible in this container).
    local port=${1:-${HOTSTACK_AMQP_PORT:-5672}}
    ss -Htnp state established "( dport = :$port )" 2>/dev/null | grep -q 'users:(' ||
        { echo "no established AMQP connection (port $port)" >&2; return 1; }
}

hs_os_mount_wrapper_check() {
    # hs_os_mount_wrapper_check CONF [SHARES_FILE] : check the fake-NFS config
    # the mount.nfs wrapper reads (same format: KEY=VALUE,
    # '#' comments, optional quotes). Logs which share is intercepted.
    # Returns 1 when LOCAL_PATH is not a directory in this container (every
    # intercepted mount would fail); only warns when CONF is missing or
    # incomplete (mounts then go to real NFS) and when NFS_SHARE is not among
    # the shares listed in SHARES_FILE (cinder's nfs_shares).
    local conf=$1 shares=${2:-} line key value share='' local_path=''
    if [[ ! -r $conf ]]; then
        hs_warn "$conf not mounted: NFS shares are mounted over real NFS (no fake share)"
        return 0
    fi
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%$'\r'}
        line=${line#"${line%%[![:space:]]*}"}
        line=${line%"${line##*[![:space:]]}"}
        [[ -z $line || $line == \#* || $line != *=* ]] && continue
        key=${line%%=*}
        key=${key%"${key##*[![:space:]]}"}
        value=${line#*=}
        value=${value#"${value%%[![:space:]]*}"}
        if [[ $value == \"*\" || $value == \'*\' ]] && ((${#value} >= 2)); then
            value=${value:1:${#value}-2}
        fi
        case $key in
            NFS_SHARE) share=$value ;;
            LOCAL_PATH) local_path=$value ;;
        esac
    done <"$conf"
    if [[ -z $share || -z $local_path ]]; then
        hs_warn "$conf lacks NFS_SHARE or LOCAL_PATH: no interception, NFS shares are mounted over real NFS"
        return 0
    fi
    if [[ ! -d $local_path ]]; then
        hs_error "LOCAL_PATH $local_path (from $conf) is not a directory in this container: bind-mount it at the same path as on the host"
        return 1
    fi
    if [[ -n $shares ]] && ! sed -e 's/#.*//' "$shares" | awk 'NF { print $1 }' | grep -qxF -- "$share"; then
        hs_warn "NFS_SHARE $share (from $conf) is not listed in $shares: the listed shares are mounted over real NFS"
    fi
    hs_info "mount.nfs wrapper: share $share is bind-mounted from $local_path"
}
