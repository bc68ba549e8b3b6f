# shellcheck shell=bash
# Role "mariadb" (infra image): MariaDB server for every OpenStack service.
#
# Start:
#   * /run/mysqld and the data dir are owned by mysql (recursive chown only
#     when the data dir's owner differs);
#   * first boot (no <datadir>/mysql): mariadb-install-db;
#   * every boot: an --init-file (0400 mysql, in /run/hotstack) converges
#     root@localhost (unix_socket OR password MYSQL_ROOT_PASSWORD),
#     root@'%' (MYSQL_ROOT_PASSWORD, unless MARIADB_ROOT_HOST is empty),
#     <MARIADB_USER>@'%' (DB_PASSWORD) and the databases (utf8mb4) granted to
#     it. The server runs these statements before it accepts connections, so
#     a restart never re-initialises anything and changed passwords converge;
#   * exec mariadbd as user mysql (logs on stderr).
# Health: a query over the local socket (root via unix_socket, no password).

ROLE_SECRET_GROUP=mysql

: "${MARIADB_DATADIR:=/var/lib/mysql/data}"
: "${MARIADB_SOCKET:=/run/mysqld/mysqld.sock}"
: "${MARIADB_USER:=openstack}"
: "${MARIADB_DATABASES:?set by its unit (components/services/mariadb.ts)}"
: "${MARIADB_ROOT_HOST=%}"

mariadb_init_sql() {
    local root_pw db_pw user db
    root_pw=$(hs_sql_string "$(hs_read_secret MYSQL_ROOT_PASSWORD)")
    db_pw=$(hs_sql_string "$(hs_read_secret DB_PASSWORD)")
    user=$(hs_sql_string "$MARIADB_USER")
    # one statement per line: the init-file parser requires it
    echo "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD($root_pw);"
    if [[ -n $MARIADB_ROOT_HOST ]]; then
        local rh
        rh=$(hs_sql_string "$MARIADB_ROOT_HOST")
        echo "CREATE USER IF NOT EXISTS 'root'@$rh IDENTIFIED BY $root_pw;"
        echo "ALTER USER 'root'@$rh IDENTIFIED BY $root_pw;"
        echo "GRANT ALL PRIVILEGES ON *.* TO 'root'@$rh WITH GRANT OPTION;"
    fi
    echo "CREATE USER IF NOT EXISTS $user@'%' IDENTIFIED BY $db_pw;"
    echo "ALTER USER $user@'%' IDENTIFIED BY $db_pw;"
    for db in $MARIADB_DATABASES; do
        [[ $db =~ ^[A-Za-z0-9_]+$ ]] || hs_die "invalid database name '$db' in MARIADB_DATABASES"
        echo "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
        echo "GRANT ALL PRIVILEGES ON \`$db\`.* TO $user@'%';"
    done
    echo "FLUSH PRIVILEGES;"
}

role_start() {
    hs_require_secret MYSQL_ROOT_PASSWORD DB_PASSWORD
    [[ $MARIADB_USER =~ ^[A-Za-z0-9_]+$ ]] || hs_die "invalid MARIADB_USER '$MARIADB_USER'"

    install -d -o mysql -g mysql -m 0755 /run/mysqld
    mkdir -p "$MARIADB_DATADIR"
    hs_chown_if_different mysql:mysql "$MARIADB_DATADIR" recursive

    if [[ ! -d $MARIADB_DATADIR/mysql ]]; then
        hs_info "data directory $MARIADB_DATADIR is empty: initialising system tables"
        mariadb-install-db --user=mysql --datadir="$MARIADB_DATADIR" \
            --skip-test-db --skip-name-resolve >&2
        hs_info "system tables created"
    else
        hs_info "existing data directory $MARIADB_DATADIR: no initialisation"
    fi

    local init=$HOTSTACK_RUN_DIR/mariadb-init.sql
    (
        umask 0377
        rm -f "$init"
        mariadb_init_sql >"$init"
    )
    chown mysql:mysql "$init"
    hs_info "users/databases converge from $init on start-up: $MARIADB_USER@'%'${MARIADB_ROOT_HOST:+, root@'$MARIADB_ROOT_HOST'}, databases: $MARIADB_DATABASES"

    exec mariadbd --user=mysql --datadir="$MARIADB_DATADIR" \
        --socket="$MARIADB_SOCKET" --init-file="$init" "$@"
}

role_health() {
    mariadb --protocol=socket --socket="$MARIADB_SOCKET" --connect-timeout=3 \
        -uroot -N -B -e 'SELECT 1' >/dev/null
}
