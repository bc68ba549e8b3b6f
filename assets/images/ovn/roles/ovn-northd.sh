# shellcheck shell=bash
# Role "ovn-northd" (ovn image): the OVN Northbound and Southbound databases
# (two ovsdb-servers, standalone, no SSL) and ovn-northd.
#
# Start:
#   1. OVN_DB_DIR (/var/lib/ovn, host DATA/ovn) holds ovnnb_db.db and
#      ovnsb_db.db: created from the packaged schemas when missing, converted
#      when the schema of the installed OVN is newer (image upgrade);
#   2. stale pid/ctl/socket files of these three daemons are removed from
#      OVN_RUN_DIR (/run/ovn, a host directory shared with ovn-controller);
#   3. NB ovsdb-server: punix:/run/ovn/ovnnb_db.sock + ptcp:6641:OVN_LISTEN
#      (+ remotes/SSL from NB_Global, as ovn-ctl does); SB likewise on
#      ovnsb_db.sock + ptcp:6642;
#   4. ovn-northd on the two unix sockets.
#   The three daemons are children of this script, which stays PID 1 as a
#   small supervisor: SIGTERM/SIGINT are forwarded to all of them (clean
#   database shutdown); if any of them exits, the others are stopped and the
#   container exits 1 (the unit restarts it). Logs: console (stderr).
# Health: the three processes alive, both databases answer on their unix
# sockets, ovn-northd reports its status, ports 6641/6642 listening.

: "${OVN_RUN_DIR:=/run/ovn}"
: "${OVN_DB_DIR:=/var/lib/ovn}"
: "${OVN_LISTEN:=0.0.0.0}"
: "${OVN_NB_PORT:=6641}"
: "${OVN_SB_PORT:=6642}"
: "${OVN_LOG_LEVEL:=info}"

ovn_db_prepare() {
    # ovn_db_prepare nb|sb
    local db=$OVN_DB_DIR/ovn$1_db.db schema=/usr/share/ovn/ovn-$1.ovsschema
    if [[ ! -s $db ]]; then
        hs_info "creating $db from $schema"
        rm -f "$db"
        ovsdb-tool create "$db" "$schema"
    elif [[ $(ovsdb-tool needs-conversion "$db" "$schema") == yes ]]; then
        hs_info "converting $db to $(ovsdb-tool schema-version "$schema") (was $(ovsdb-tool db-version "$db"))"
        ovsdb-tool convert "$db" "$schema"
    else
        hs_info "using $db (schema $(ovsdb-tool db-version "$db"))"
    fi
}

ovn_start_db() {
    # ovn_start_db nb|sb PORT SCHEMA_NAME GLOBAL_TABLE
    local db=$1 port=$2 name=$3 global=$4
    ovsdb-server "$OVN_DB_DIR/ovn${db}_db.db" \
        --no-chdir \
        --pidfile="$OVN_RUN_DIR/ovn${db}_db.pid" \
        --unixctl="$OVN_RUN_DIR/ovn${db}_db.ctl" \
        --remote="punix:$OVN_RUN_DIR/ovn${db}_db.sock" \
        --remote="ptcp:$port:$OVN_LISTEN" \
        --remote="db:$name,$global,connections" \
        --private-key="db:$name,SSL,private_key" \
        --certificate="db:$name,SSL,certificate" \
        --ca-cert="db:$name,SSL,ca_cert" \
        --ssl-protocols="db:$name,SSL,ssl_protocols" \
        --ssl-ciphers="db:$name,SSL,ssl_ciphers" \
        -vconsole:"$OVN_LOG_LEVEL" -vsyslog:off -vfile:off &
    OVN_PIDS+=($!)
    OVN_NAMES[$!]="ovsdb-server ($name)"
}

ovn_stop_all() {
    local p
    for p in "${OVN_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait
}

role_start() {
    install -d -m 0755 "$OVN_RUN_DIR" "$OVN_DB_DIR"
    local f
    for f in ovnnb_db ovnsb_db ovn-northd; do
        rm -f "$OVN_RUN_DIR/$f.pid" "$OVN_RUN_DIR/$f.ctl" "$OVN_RUN_DIR/$f.sock"
    done
    ovn_db_prepare nb
    ovn_db_prepare sb

    OVN_PIDS=()
    declare -gA OVN_NAMES=()
    trap 'hs_info "stopping"; ovn_stop_all; exit 0' TERM INT

    ovn_start_db nb "$OVN_NB_PORT" OVN_Northbound NB_Global
    ovn_start_db sb "$OVN_SB_PORT" OVN_Southbound SB_Global
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -S $OVN_RUN_DIR/ovnnb_db.sock && -S $OVN_RUN_DIR/ovnsb_db.sock ]] && break
        sleep 0.2
    done
    [[ -S $OVN_RUN_DIR/ovnnb_db.sock && -S $OVN_RUN_DIR/ovnsb_db.sock ]] ||
        { ovn_stop_all; hs_die "the OVN database servers did not create their sockets"; }

    ovn-northd \
        --ovnnb-db="unix:$OVN_RUN_DIR/ovnnb_db.sock" \
        --ovnsb-db="unix:$OVN_RUN_DIR/ovnsb_db.sock" \
        --pidfile="$OVN_RUN_DIR/ovn-northd.pid" \
        --unixctl="$OVN_RUN_DIR/ovn-northd.ctl" \
        --no-chdir \
        -vconsole:"$OVN_LOG_LEVEL" -vsyslog:off -vfile:off "$@" &
    OVN_PIDS+=($!)
    OVN_NAMES[$!]="ovn-northd"
    hs_info "NB on ptcp:$OVN_NB_PORT, SB on ptcp:$OVN_SB_PORT (unix sockets in $OVN_RUN_DIR), ovn-northd running"

    local rc=0 done_pid=
    wait -n -p done_pid "${OVN_PIDS[@]}" || rc=$?
    hs_error "${OVN_NAMES[$done_pid]:-a daemon} (pid $done_pid) exited with status $rc; stopping the others"
    ovn_stop_all
    exit 1
}

ovn_pid_alive() {
    local pid
    pid=$(cat "$OVN_RUN_DIR/$1.pid" 2>/dev/null) && [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

role_health() {
    local f
    for f in ovnnb_db ovnsb_db ovn-northd; do
        ovn_pid_alive "$f" || { echo "$f is not running" >&2; return 1; }
    done
    ovsdb-client --timeout=2 list-dbs "unix:$OVN_RUN_DIR/ovnnb_db.sock" 2>/dev/null | grep -qx OVN_Northbound ||
        { echo "NB database does not answer" >&2; return 1; }
    ovsdb-client --timeout=2 list-dbs "unix:$OVN_RUN_DIR/ovnsb_db.sock" 2>/dev/null | grep -qx OVN_Southbound ||
        { echo "SB database does not answer" >&2; return 1; }
    ovn-appctl -t "$OVN_RUN_DIR/ovn-northd.ctl" --timeout=2 status 2>/dev/null | grep -q 'Status: active' ||
        { echo "ovn-northd is not active" >&2; return 1; }
    for f in "$OVN_NB_PORT" "$OVN_SB_PORT"; do
        ss -Hltn "( sport = :$f )" 2>/dev/null | grep -q . || { echo "nothing listens on port $f" >&2; return 1; }
    done
}
