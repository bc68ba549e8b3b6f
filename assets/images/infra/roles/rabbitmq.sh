# shellcheck shell=bash
# Role "rabbitmq" (infra image): RabbitMQ broker.
#
# The broker is configured by /etc/rabbitmq/rabbitmq.conf; its user, password
# and vhost by the definitions file that config names, imported on every boot
# (render it from a template so the password can be @@RABBITMQ_PASSWORD@@; it
# then gets mode 0640 root:rabbitmq), so a changed password applies on restart.
# Start: fix ownership of /var/lib/rabbitmq, then exec the real server script
# (not Debian's /usr/sbin wrapper, which would go through `su` and log to a
# file) as user rabbitmq with console logging and a fixed node name, so the
# persisted mnesia/khepri directory is found again after a restart.
# Health: AMQP port open and `rabbitmq-diagnostics ping` answers.

ROLE_SECRET_GROUP=rabbitmq

: "${RABBITMQ_NODENAME:=rabbit@rabbitmq}"
: "${RABBITMQ_CONFIG_FILE:=/etc/rabbitmq/rabbitmq.conf}"
: "${RABBITMQ_AMQP_PORT:=5672}"

rabbitmq_as_user() {
    HOME=/var/lib/rabbitmq RABBITMQ_NODENAME=$RABBITMQ_NODENAME \
        setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- "$@"
}

role_start() {
    [[ -f $RABBITMQ_CONFIG_FILE ]] || hs_die "$RABBITMQ_CONFIG_FILE is missing (mount it at /etc/hotstack/templates$RABBITMQ_CONFIG_FILE)"
    [[ $RABBITMQ_NODENAME == *@* ]] || hs_die "RABBITMQ_NODENAME must look like rabbit@<host>"

    install -d -m 0755 /var/lib/rabbitmq /var/log/rabbitmq
    hs_chown_if_different rabbitmq:rabbitmq /var/lib/rabbitmq recursive
    hs_chown_if_different rabbitmq:rabbitmq /var/log/rabbitmq recursive
    chmod 0755 /var/lib/rabbitmq

    local host=${RABBITMQ_NODENAME#*@}
    if ! getent hosts "$host" >/dev/null; then
        hs_warn "node host '$host' does not resolve (run the container with --hostname $host); adding it to /etc/hosts"
        echo "127.0.0.1 $host" >>/etc/hosts
    fi
    if [[ $(hostname) != "$host" ]]; then
        hs_warn "container hostname is '$(hostname)', node name is $RABBITMQ_NODENAME"
    fi

    export HOME=/var/lib/rabbitmq
    export RABBITMQ_NODENAME RABBITMQ_CONFIG_FILE
    export RABBITMQ_LOGS=-
    hs_info "node $RABBITMQ_NODENAME, config $RABBITMQ_CONFIG_FILE, data /var/lib/rabbitmq"
    exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- \
        /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
}

role_health() {
    nc -z -w 2 127.0.0.1 "$RABBITMQ_AMQP_PORT" >/dev/null 2>&1 || { echo "AMQP port $RABBITMQ_AMQP_PORT closed" >&2; return 1; }
    rabbitmq_as_user /usr/lib/rabbitmq/bin/rabbitmq-diagnostics -q ping --timeout 3 >/dev/null
}
