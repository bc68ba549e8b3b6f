# shellcheck shell=bash
# Role "memcached" (infra image): memcached as user memcache.
# Extra arguments (`hotstack-entrypoint memcached -v ...`) are appended.
# Health: the server answers the `version` command.

: "${MEMCACHED_PORT:=11211}"
: "${MEMCACHED_LISTEN:=0.0.0.0}"
: "${MEMCACHED_MEMORY_MB:=64}"
: "${MEMCACHED_MAX_CONNECTIONS:=1024}"

role_start() {
    exec memcached -u memcache -l "$MEMCACHED_LISTEN" -p "$MEMCACHED_PORT" \
        -m "$MEMCACHED_MEMORY_MB" -c "$MEMCACHED_MAX_CONNECTIONS" "$@"
}

role_health() {
    local out
    out=$(printf 'version\r\n' | nc -N -w 2 127.0.0.1 "$MEMCACHED_PORT" 2>&1) || true
    [[ $out == VERSION\ * ]] || { echo "memcached did not answer 'version': ${out:-no answer}" >&2; return 1; }
}
