# shellcheck shell=bash
# Helpers shared by every hotstack-os role script.
# Installed as /usr/local/lib/hotstack/common.sh; sourced (never executed) by
# hotstack-entrypoint, hotstack-health and the role files.
#
# Rules every helper follows:
#   * secrets are read from files (HOTSTACK_SECRETS_DIR, default /run/secrets)
#     and are only ever handed to other programs through stdin, files or the
#     environment of a single command -- never through argv;
#   * messages go to stderr (journald/podman collect them).

HOTSTACK_LIB=${HOTSTACK_LIB:-/usr/local/lib/hotstack}
HOTSTACK_SECRETS_DIR=${HOTSTACK_SECRETS_DIR:-/run/secrets}
HOTSTACK_RUN_DIR=${HOTSTACK_RUN_DIR:-/run/hotstack}

hs_log() {
    # hs_log LEVEL MESSAGE...
    local level=$1
    shift
    printf '[hotstack:%s] %s: %s\n' "${HOTSTACK_ROLE:-${0##*/}}" "$level" "$*" >&2
}

hs_info() { hs_log INFO "$@"; }
hs_warn() { hs_log WARNING "$@"; }
hs_error() { hs_log ERROR "$@"; }

hs_die() {
    # hs_die MESSAGE [EXIT_CODE]
    hs_log ERROR "$1"
    exit "${2:-1}"
}

hs_secret_file() {
    printf '%s/%s\n' "$HOTSTACK_SECRETS_DIR" "$1"
}

hs_require_secret() {
    # hs_require_secret NAME... : every secret file must exist and be non-empty.
    local name file
    for name in "$@"; do
        file=$(hs_secret_file "$name")
        [[ -r $file ]] || hs_die "secret $name is missing (expected file $file; mount podman secret '$name')"
        [[ -s $file ]] || hs_die "secret $name is empty ($file)"
    done
}

hs_read_secret() {
    # hs_read_secret NAME : print the secret with trailing newlines removed.
    # Uses only shell builtins, so the value never shows up in a process list.
    local file value
    file=$(hs_secret_file "$1")
    [[ -r $file ]] || hs_die "secret $1 is missing (expected file $file)"
    value=$(<"$file")
    while [[ $value == *$'\r' || $value == *$'\n' ]]; do
        value=${value%?}
    done
    [[ -n $value ]] || hs_die "secret $1 is empty ($file)"
    printf '%s' "$value"
}

hs_require_env() {
    # hs_require_env VAR... : abort when a variable is unset or empty.
    local var
    for var in "$@"; do
        [[ -n ${!var:-} ]] || hs_die "environment variable $var must be set"
    done
}

hs_sql_string() {
    # hs_sql_string VALUE : VALUE as a single-quoted SQL string literal.
    local v=$1
    v=${v//\\/\\\\}
    v=${v//\'/\'\'}
    printf "'%s'" "$v"
}

hs_chown_if_different() {
    # hs_chown_if_different USER:GROUP PATH [recursive]
    # Changes ownership only when PATH itself is owned by someone else; with
    # "recursive" the whole tree is fixed in that case (fresh host directory,
    # or the service uid changed after an image rebuild). Avoids slow
    # recursive chowns on every start.
    local owner=$1 path=$2 mode=${3:-}
    local want_uid want_gid have
    want_uid=$(id -u "${owner%%:*}") || hs_die "unknown user ${owner%%:*}"
    want_gid=$(getent group "${owner##*:}" | cut -d: -f3)
    [[ -n $want_gid ]] || hs_die "unknown group ${owner##*:}"
    have=$(stat -c '%u:%g' "$path") || hs_die "cannot stat $path"
    if [[ $have != "$want_uid:$want_gid" ]]; then
        hs_info "changing owner of $path from $have to $owner${mode:+ ($mode)}"
        if [[ $mode == recursive ]]; then
            chown -R "$owner" "$path"
        else
            chown "$owner" "$path"
        fi
    fi
}

hs_wait_tcp() {
    # hs_wait_tcp HOST PORT [TRIES=30] [INTERVAL=2]
    local host=$1 port=$2 tries=${3:-30} interval=${4:-2} i
    for ((i = 1; i <= tries; i++)); do
        if nc -z -w 2 "$host" "$port" 2>/dev/null; then
            return 0
        fi
        sleep "$interval"
    done
    hs_error "$host:$port not reachable after $tries attempts"
    return 1
}

hs_wait_http() {
    # hs_wait_http URL [TRIES=30] [INTERVAL=2] : wait for a 2xx/3xx answer.
    local url=$1 tries=${2:-30} interval=${3:-2} i
    for ((i = 1; i <= tries; i++)); do
        if curl -fsS -o /dev/null -m 5 "$url" 2>/dev/null; then
            return 0
        fi
        sleep "$interval"
    done
    hs_error "$url did not answer after $tries attempts"
    return 1
}

hs_supervise() {
    # hs_supervise CMD [ARGS...] : run a daemon as a child of the calling
    # shell, which stays PID 1, instead of exec'ing it. For daemons that do not
    # survive being PID 1: the kernel drops every signal for which a PID 1 has
    # no handler, so a daemon relying on SIGTERM's default action never stops
    # (neutron-ovn-agent), and one that re-raises SIGTERM after its clean-up
    # crashes (OVS/OVN daemons). SIGTERM/SIGINT/SIGHUP are forwarded; the
    # function exits with the child's status, 0 when the child ended on a
    # forwarded SIGTERM/SIGINT.
    local child rc=0 stopping=0
    "$@" &
    child=$!
    trap 'stopping=1; kill -TERM "$child" 2>/dev/null || true' TERM INT
    trap 'kill -HUP "$child" 2>/dev/null || true' HUP
    while kill -0 "$child" 2>/dev/null; do
        rc=0
        wait "$child" || rc=$?
    done
    local final=0
    wait "$child" 2>/dev/null || final=$?
    ((final == 127)) || rc=$final
    if ((stopping)) && ((rc == 0 || rc == 130 || rc == 143)); then
        hs_info "${1##*/} stopped"
        exit 0
    fi
    hs_error "${1##*/} exited with status $rc"
    exit "$rc"
}

hs_role_file() {
    printf '%s/roles/%s.sh\n' "$HOTSTACK_LIB" "$1"
}

hs_list_roles() {
    local f names=()
    for f in "$HOTSTACK_LIB"/roles/*.sh; do
        [[ -e $f ]] || continue
        f=${f##*/}
        names+=("${f%.sh}")
    done
    printf '%s\n' "${names[*]:-(none)}"
}

hs_load_role() {
    # hs_load_role ROLE : source the role file; exit 2 if the role is unknown.
    local role=$1 file
    if [[ ! $role =~ ^[a-z0-9][a-z0-9_-]*$ ]]; then
        hs_log ERROR "invalid role name '$role'; roles in this image: $(hs_list_roles)"
        exit 2
    fi
    file=$(hs_role_file "$role")
    if [[ ! -f $file ]]; then
        hs_log ERROR "unknown role '$role'; roles in this image: $(hs_list_roles)"
        exit 2
    fi
    HOTSTACK_ROLE=$role
    # shellcheck source=/dev/null
    . "$file"
}
