#!/bin/bash
# Smoke test of the infra and keystone images against the runtime contract
# (assets/images/README.md). Runs everything on a private, internal podman
# network "hsimgtest" (10.214.0.0/24: the addresses test/images/render-fixtures.ts
# renders the fixtures for; smoke-services.sh uses it too, never at the same
# time); every container, secret and data dir it creates is named hsimgtest-*
# and removed on exit, also on failure.
#
#   1. negative checks: unknown role -> exit 2; missing secret -> clear error
#   2. infra roles mariadb, rabbitmq, memcached, haproxy, dnsmasq; then keystone;
#      each waited on with `hotstack-health <role>`
#   3. from inside keystone: token + catalog through HAProxy (public URL),
#      DNS answer from dnsmasq, AMQP login to RabbitMQ with the rendered user,
#      hotstack-keystone-bootstrap run twice (heat-style registration; the
#      second run must change nothing)
#   4. mariadb and keystone recreated (rm + run, as the systemd units do) and
#      restarted in place: no re-initialisation, same fernet keys, old token
#      still valid
#   5. no secret value in any process argv (sampled during start-up and at the
#      end, inside the containers and on the host) nor in `podman inspect` env
#
# Usage: test/images/smoke-keystone.sh    (images from test/images/build.sh)
# Env:   HSIMG_TAG_PREFIX (default localhost/hsimgtest-), HSIMG_KEEP_LOGS dir
set -euo pipefail

prefix=${HSIMG_TAG_PREFIX:-localhost/hsimgtest-}
INFRA=${prefix}infra:latest
KEYSTONE=${prefix}keystone:latest
here=$(cd "$(dirname "$0")" && pwd)
fx=$here/fixtures
NET=hsimgtest
SUBNET=10.214.0.0/24
logs=${HSIMG_KEEP_LOGS:-/var/tmp/hotstack-images-dev/smoke-logs}
CONTAINERS=(hsimgtest-mariadb hsimgtest-rabbitmq hsimgtest-memcached hsimgtest-haproxy
    hsimgtest-dnsmasq hsimgtest-keystone hsimgtest-neg)
SECRET_NAMES=(DB_PASSWORD SERVICE_PASSWORD ADMIN_PASSWORD MYSQL_ROOT_PASSWORD RABBITMQ_PASSWORD)

declare -A IP=([mariadb]=10.214.0.3 [rabbitmq]=10.214.0.4 [memcached]=10.214.0.5
    [haproxy]=10.214.0.6 [dnsmasq]=10.214.0.10 [keystone]=10.214.0.11)

pass=0
failures=0
ok() { echo "  [OK] $*"; pass=$((pass + 1)); }
bad() { echo "  [FAIL] $*"; failures=$((failures + 1)); }
step() { echo; echo "== $*"; }
die() { echo "FATAL: $*" >&2; exit 1; }

work=$(mktemp -d /var/tmp/hsimgtest.XXXXXX)
chmod 0700 "$work"
data=$work/data
sampler_pids=()

cleanup() {
    local rc=$?
    set +e
    for p in "${sampler_pids[@]}"; do kill "$p" 2>/dev/null; done
    mkdir -p "$logs"
    for c in "${CONTAINERS[@]}"; do
        if podman container exists "$c"; then
            podman logs "$c" >"$logs/$c.log" 2>&1
            podman rm -f -t 5 "$c" >/dev/null 2>&1
        fi
    done
    for s in "${SECRET_NAMES[@]}"; do
        podman secret rm "hsimgtest-$s" >/dev/null 2>&1
    done
    podman network exists "$NET" && podman network rm "$NET" >/dev/null
    rm -rf "$work"
    echo
    echo "cleanup done (container logs kept in $logs); exit $rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- setup
step "setup: network $NET ($SUBNET, internal), secrets, data dirs"
for c in "${CONTAINERS[@]}"; do podman rm -f "$c" >/dev/null 2>&1 || true; done
for s in "${SECRET_NAMES[@]}"; do podman secret rm "hsimgtest-$s" >/dev/null 2>&1 || true; done
podman network exists "$NET" && podman network rm "$NET" >/dev/null
podman image exists "$INFRA" || die "$INFRA missing (run test/images/build.sh)"
podman image exists "$KEYSTONE" || die "$KEYSTONE missing (run test/images/build.sh)"
podman network create --internal --subnet "$SUBNET" "$NET" >/dev/null

declare -A SECRET
: >"$work/secrets"
chmod 0600 "$work/secrets"
for s in "${SECRET_NAMES[@]}"; do
    v=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    SECRET[$s]=$v
    printf '%s\n' "$v" >>"$work/secrets"
    printf '%s\n' "$v" | podman secret create "hsimgtest-$s" - >/dev/null
done
ok "secrets created from stdin: ${SECRET_NAMES[*]/#/hsimgtest-}"
mkdir -p "$data"/{mysql,rabbitmq,fernet-keys,credential-keys}

# common podman run arguments: static IP, internal network, no external DNS,
# every name the containers use mapped like the deploy tool's aliases would.
hosts=(--add-host "hotstack-os-mariadb:${IP[mariadb]}" --add-host "mariadb:${IP[mariadb]}"
    --add-host "hotstack-os-rabbitmq:${IP[rabbitmq]}" --add-host "rabbitmq:${IP[rabbitmq]}"
    --add-host "hotstack-os-memcached:${IP[memcached]}"
    --add-host "keystone:${IP[keystone]}"
    --add-host "keystone.hotstack-os.local:${IP[haproxy]}")
secret() { printf -- '--secret=hsimgtest-%s,type=mount,target=%s\n' "$1" "$1"; }
tpl() { printf -- '--volume=%s:/etc/hotstack/templates%s:ro\n' "$1" "$2"; }

run_mariadb() {
    podman run -d --name hsimgtest-mariadb --network "$NET" --ip "${IP[mariadb]}" \
        --network-alias mariadb --network-alias hotstack-os-mariadb --dns none "${hosts[@]}" \
        "$(secret MYSQL_ROOT_PASSWORD)" "$(secret DB_PASSWORD)" \
        --env-file "$fx/env/mariadb.env" --env MARIADB_ROOT_HOST=% \
        --volume "$data/mysql:/var/lib/mysql/data" \
        "$(tpl "$fx/mariadb-99-hotstack.cnf" /etc/mysql/mariadb.conf.d/99-hotstack.cnf)" \
        "$INFRA" mariadb >/dev/null
}
run_rabbitmq() {
    podman run -d --name hsimgtest-rabbitmq --network "$NET" --ip "${IP[rabbitmq]}" \
        --hostname rabbitmq --network-alias hotstack-os-rabbitmq --dns none "${hosts[@]}" \
        "$(secret RABBITMQ_PASSWORD)" \
        --volume "$data/rabbitmq:/var/lib/rabbitmq" \
        "$(tpl "$fx/rabbitmq.conf" /etc/rabbitmq/rabbitmq.conf)" \
        "$(tpl "$fx/rabbitmq-definitions.json" /etc/rabbitmq/definitions.json)" \
        "$INFRA" rabbitmq >/dev/null
}
run_memcached() {
    podman run -d --name hsimgtest-memcached --network "$NET" --ip "${IP[memcached]}" \
        --network-alias hotstack-os-memcached --dns none "${hosts[@]}" \
        "$INFRA" memcached >/dev/null
}
run_haproxy() {
    podman run -d --name hsimgtest-haproxy --network "$NET" --ip "${IP[haproxy]}" \
        --hostname haproxy --dns none "${hosts[@]}" \
        "$(tpl "$fx/haproxy.cfg" /etc/haproxy/haproxy.cfg)" \
        "$INFRA" haproxy >/dev/null
}
run_dnsmasq() {
    podman run -d --name hsimgtest-dnsmasq --network "$NET" --ip "${IP[dnsmasq]}" \
        --dns none "${hosts[@]}" \
        "$(tpl "$fx/dnsmasq.conf" /etc/dnsmasq.conf)" \
        "$INFRA" dnsmasq >/dev/null
}
run_keystone() {
    podman run -d --name hsimgtest-keystone --network "$NET" --ip "${IP[keystone]}" \
        --hostname keystone --network-alias keystone --dns none "${hosts[@]}" \
        "$(secret ADMIN_PASSWORD)" "$(secret DB_PASSWORD)" "$(secret SERVICE_PASSWORD)" \
        --env-file "$fx/env/keystone.env" \
        --volume "$data/fernet-keys:/etc/keystone/fernet-keys" \
        --volume "$data/credential-keys:/etc/keystone/credential-keys" \
        "$(tpl "$fx/keystone.conf" /etc/keystone/keystone.conf)" \
        "$KEYSTONE" keystone >/dev/null
}

wait_healthy() {
    # wait_healthy CONTAINER ROLE TIMEOUT
    local c=$1 role=$2 timeout=$3 start now t0 t1 state
    start=$(date +%s)
    while true; do
        state=$(podman inspect -f '{{.State.Status}}' "$c" 2>/dev/null || echo gone)
        if [[ $state != running ]]; then
            bad "$c is $state before becoming healthy; last log lines:"
            podman logs --tail 30 "$c" 2>&1 | sed 's/^/      /'
            return 1
        fi
        t0=$(date +%s%N)
        if podman exec "$c" hotstack-health "$role" >/dev/null 2>&1; then
            t1=$(date +%s%N)
            now=$(date +%s)
            ok "$c healthy after $((now - start))s (hotstack-health $role took $(((t1 - t0) / 1000000)) ms)"
            return 0
        fi
        now=$(date +%s)
        if ((now - start > timeout)); then
            bad "$c not healthy after ${timeout}s; health output and last log lines:"
            podman exec "$c" hotstack-health "$role" 2>&1 | sed 's/^/      /'
            podman logs --tail 30 "$c" 2>&1 | sed 's/^/      /'
            return 1
        fi
        sleep 2
    done
}

# sample argv of every process in a container (and on the host) while it starts
sample_argv() {
    local c=$1 out=$2
    (
        while true; do
            podman top "$c" args >>"$out" 2>/dev/null || true
            ps -eo args >>"$work/host-ps" 2>/dev/null || true
            sleep 0.3
        done
    ) &
    sampler_pids+=($!)
}
stop_samplers() {
    for p in "${sampler_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait "${sampler_pids[@]}" 2>/dev/null || true
    sampler_pids=()
}

retry() {
    # retry N CMD... : run CMD up to N times, 3 s apart (HAProxy marks a
    # backend up only after two successful checks, 5 s apart)
    local n=$1 i
    shift
    for ((i = 1; i < n; i++)); do
        "$@" 2>/dev/null && return 0
        sleep 3
    done
    "$@"
}

in_keystone() {
    # run a bash snippet in the keystone container with admin credentials
    # (OS_PASSWORD is read from the mounted secret inside the container)
    podman exec -i hsimgtest-keystone bash -c \
        ". /usr/local/lib/hotstack/common.sh; . /usr/local/lib/hotstack/openstack.sh; hs_os_admin_env \${AUTH:-http://keystone.hotstack-os.local:5000/v3}; $1"
}

# ---------------------------------------------------------------- negative
step "1. contract checks without services"
rc=0
out=$(podman run --rm --name hsimgtest-neg --network none "$INFRA" nosuchrole 2>&1) || rc=$?
[[ $rc == 2 && $out == *"unknown role 'nosuchrole'"*"mariadb"* ]] &&
    ok "unknown role -> exit 2: $(tail -n1 <<<"$out")" || bad "unknown role: rc=$rc out=$out"
rc=0
out=$(podman run --rm --name hsimgtest-neg --network none "$INFRA" 2>&1) || rc=$?
[[ $rc == 2 ]] && ok "no role -> exit 2" || bad "no role: rc=$rc"
rc=0
out=$(podman run --rm --name hsimgtest-neg --network none "$(secret ADMIN_PASSWORD)" --env-file "$fx/env/keystone.env" \
    "$(tpl "$fx/keystone.conf" /etc/keystone/keystone.conf)" "$KEYSTONE" keystone 2>&1) || rc=$?
[[ $rc == 3 && $out == *"@@DB_PASSWORD@@"*"/etc/hotstack/templates/etc/keystone/keystone.conf"* ]] &&
    ok "template token without secret -> exit 3: $(grep -m1 'token @@' <<<"$out")" ||
    bad "missing secret in template: rc=$rc out=$out"
rc=0
out=$(podman run --rm --name hsimgtest-neg --network none --env-file "$fx/env/mariadb.env" "$INFRA" mariadb 2>&1) || rc=$?
[[ $rc != 0 && $out == *"secret MYSQL_ROOT_PASSWORD is missing"* ]] &&
    ok "mariadb without secrets -> exit $rc: $(grep -m1 ERROR <<<"$out")" || bad "mariadb without secrets: rc=$rc out=$out"
podman run --rm --name hsimgtest-neg --network none --env-file "$fx/env/keystone.env" --entrypoint hotstack-health "$KEYSTONE" keystone >/dev/null 2>&1 &&
    bad "keystone health succeeded without a server" || ok "hotstack-health keystone fails fast without a server"
rc=0
out=$(podman run --rm --name hsimgtest-neg --network none "$(secret ADMIN_PASSWORD)" "$(secret DB_PASSWORD)" \
    "$(tpl "$fx/keystone.conf" /etc/keystone/keystone.conf)" "$KEYSTONE" keystone 2>&1) || rc=$?
[[ $rc != 0 && $out == *"REGION_NAME: set by its unit"* ]] &&
    ok "keystone without its unit's environment -> exit $rc, naming the variable" || bad "keystone without env: rc=$rc out=$out"

# ---------------------------------------------------------------- infra
step "2. infra roles"
sample_argv hsimgtest-mariadb "$work/ps-mariadb"
t=$(date +%s)
run_mariadb
run_rabbitmq
run_memcached
run_haproxy
run_dnsmasq
sample_argv hsimgtest-rabbitmq "$work/ps-rabbitmq"
wait_healthy hsimgtest-mariadb mariadb 120 || die "mariadb"
wait_healthy hsimgtest-memcached memcached 30 || die "memcached"
wait_healthy hsimgtest-haproxy haproxy 30 || die "haproxy"
wait_healthy hsimgtest-dnsmasq dnsmasq 30 || die "dnsmasq"
wait_healthy hsimgtest-rabbitmq rabbitmq 180 || die "rabbitmq"
echo "  infra up in $(($(date +%s) - t))s"

l=$(podman logs hsimgtest-mariadb 2>&1)
grep -q 'initialising system tables' <<<"$l" &&
    ok "mariadb first boot initialised the data dir: $(grep -m1 'initialising' <<<"$l")" || bad "mariadb first boot did not initialise"
# The broker's password is in definitions.json (imported at every boot), not in rabbitmq.conf.
perms=$(podman exec hsimgtest-rabbitmq stat -c '%a %U:%G' /etc/rabbitmq/definitions.json /etc/rabbitmq/rabbitmq.conf | tr '\n' ' ')
[[ $perms == "640 root:rabbitmq 644 root:root " ]] && ok "rendered definitions.json (the secret) and rabbitmq.conf: $perms" || bad "rabbitmq files' perms: $perms"
perms=$(podman exec hsimgtest-mariadb stat -c '%a %U:%G' /etc/mysql/mariadb.conf.d/99-hotstack.cnf)
[[ $perms == "644 root:root" ]] && ok "rendered 99-hotstack.cnf (no secret) is $perms" || bad "cnf perms $perms"
out=$(podman exec hsimgtest-mariadb mariadb -N -B -e "SELECT @@bind_address, @@innodb_snapshot_isolation, @@max_connections, @@datadir")
[[ $out == $'0.0.0.0\t0\t250\t/var/lib/mysql/data/' ]] &&
    ok "mariadb bind 0.0.0.0, snapshot isolation OFF, max_connections 250, datadir /var/lib/mysql/data" ||
    bad "mariadb settings: $out"
out=$(podman exec hsimgtest-mariadb mariadb -N -B -e "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('keystone','glance','placement','nova_api','nova','nova_cell0','neutron','cinder','heat') AND DEFAULT_CHARACTER_SET_NAME='utf8mb4'")
[[ $out == 9 ]] && ok "nine utf8mb4 databases exist" || bad "databases: $out"
out=$(podman exec hsimgtest-mariadb mariadb -N -B -e "SELECT CONCAT(user,'@',host) FROM mysql.user WHERE user IN ('root','openstack') ORDER BY 1" | tr '\n' ' ')
[[ $out == "openstack@% root@% root@localhost " ]] && ok "mariadb users: $out" || bad "mariadb users: $out"
# root password really set: TCP login as root from another container, password via MYSQL_PWD env of that one process
podman exec -i -e HS_S=MYSQL_ROOT_PASSWORD hsimgtest-mariadb bash -c \
    'MYSQL_PWD=$(</run/secrets/$HS_S) mariadb -h 10.214.0.3 -uroot -N -B -e "SELECT CURRENT_USER()"' 2>&1 | grep -q '^root@%$' &&
    ok "root@'%' accepts MYSQL_ROOT_PASSWORD over TCP" || bad "root password over TCP"
if podman exec hsimgtest-mariadb mariadb -h 10.214.0.3 -uroot -N -B -e "SELECT 1" >/dev/null 2>&1; then
    bad "root over TCP without password accepted"
else
    ok "root over TCP without password rejected"
fi
out=$(podman exec hsimgtest-rabbitmq bash -c 'HOME=/var/lib/rabbitmq setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- /usr/lib/rabbitmq/bin/rabbitmqctl -q -n rabbit@rabbitmq list_users' 2>&1)
grep -q '^openstack' <<<"$out" && ok "rabbitmq user from rendered rabbitmq.conf: $(grep '^openstack' <<<"$out" | tr '\t' ' ')" || bad "rabbitmq users: $out"
l=$(podman exec hsimgtest-rabbitmq ps -eo user,args)
grep -q '^rabbitmq .*beam.smp' <<<"$l" && [[ -d $data/rabbitmq/mnesia/rabbit@rabbitmq ]] &&
    ok "rabbitmq beam runs as user rabbitmq; node data in <data>/mnesia/rabbit@rabbitmq" ||
    bad "rabbitmq user/node dir: $l $(ls "$data/rabbitmq/mnesia" 2>&1)"
l=$(podman exec hsimgtest-memcached ps -eo user,args)
grep -q '^memcache .*memcached' <<<"$l" && ok "memcached runs as memcache" || bad "memcached user: $l"

# ---------------------------------------------------------------- keystone
step "3. keystone"
sample_argv hsimgtest-keystone "$work/ps-keystone"
t=$(date +%s)
run_keystone
wait_healthy hsimgtest-keystone keystone 300 || die "keystone"
echo "  keystone usable $(($(date +%s) - t))s after podman run"
stop_samplers

perms=$(podman exec hsimgtest-keystone stat -c '%a %U:%G' /etc/keystone/keystone.conf)
[[ $perms == "640 root:root" ]] && ok "rendered keystone.conf is $perms" || bad "keystone.conf perms $perms"
l=$(podman exec hsimgtest-keystone ps -eo pid,args)
grep -q '^ *1 .*gunicorn' <<<"$l" && ok "gunicorn is PID 1 (exec)" || bad "gunicorn is not PID 1: $l"

echo "  --- token issue (admin, via HAProxy -> keystone.hotstack-os.local:5000)"
if out=$(retry 5 in_keystone 'openstack token issue -f value -c expires -c project_id' 2>&1); then
    ok "token issued: $(tr '\n' ' ' <<<"$out")"
else
    bad "token issue: $out"
fi
echo "  --- catalog list"
if out=$(retry 5 in_keystone 'openstack catalog list -f yaml' 2>&1); then
    sed 's/^/      /' <<<"$out"
    eps=$(in_keystone 'openstack endpoint list --service identity -f value -c "Service Name" -c Interface -c Region -c URL | sort' 2>&1)
    [[ $(grep 'keystone' <<<"$eps" | grep 'RegionOne' | grep -c ' http://keystone.hotstack-os.local:5000/v3/$') == 3 &&
        $eps == *admin*internal*public* ]] &&
        ok "catalog: identity service keystone, public/internal/admin = http://keystone.hotstack-os.local:5000/v3/ in RegionOne" ||
        bad "identity endpoints: $eps"
else
    bad "catalog list: $out"
fi
out=$(in_keystone 'openstack project show service -f value -c name -c domain_id' 2>&1 | tr '\n' ' ')
[[ $out == "default service "* ]] && ok "project service exists ($out)" || bad "project service: $out"
out=$(in_keystone 'openstack role list -f value -c Name | sort | tr "\n" " "' 2>&1)
[[ $out == *admin*manager*member*reader*service* ]] && ok "bootstrap roles: $out" || bad "roles: $out"

# dnsmasq: ask it for keystone.hotstack-os.local (tiny DNS client, no dig in the images)
out=$(podman exec -i hsimgtest-keystone python3 - <<'EOF' 2>&1
import socket, struct
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in "keystone.hotstack-os.local".split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(q, ("10.214.0.10", 53)); r = s.recv(512)
print(".".join(str(b) for b in r[-4:]))
EOF
)
[[ $out == "${IP[haproxy]}" ]] && ok "dnsmasq answers keystone.hotstack-os.local -> $out" || bad "dnsmasq answer: $out"
# rabbitmq: AMQP login with the rendered user (password via stdin of python)
out=$(podman exec -i hsimgtest-keystone python3 -c '
import sys, kombu
pw = sys.stdin.read().strip()
with kombu.Connection(hostname="hotstack-os-rabbitmq", userid="openstack", password=pw, connect_timeout=5) as c:
    c.connect(); print("connected", c.connection.server_properties.get("version"))
' <<<"${SECRET[RABBITMQ_PASSWORD]}" 2>&1)
[[ $out == connected* ]] && ok "AMQP login openstack@hotstack-os-rabbitmq: $out" || bad "AMQP login: $out"
out=$(podman exec hsimgtest-keystone bash -c 'printf "stats\r\nquit\r\n" | nc -N -w 2 hotstack-os-memcached 11211 | grep -E "curr_items|total_items"' 2>&1 | tr -d '\r' | tr '\n' ' ')
[[ $out == *total_items* ]] && ok "keystone uses memcached: $out" || bad "memcached stats: $out"

echo "  --- hotstack-keystone-bootstrap (heat-style registration), twice"
BOOT='hotstack-keystone-bootstrap --service-user heat --password file:/run/secrets/SERVICE_PASSWORD'
BOOT+=' --domain heat "Stack projects and users"'
BOOT+=' --user heat_domain_admin@heat file:/run/secrets/SERVICE_PASSWORD'
BOOT+=' --domain-role heat_domain_admin@heat admin heat'
BOOT+=' --role heat_stack_owner --role heat_stack_user'
BOOT+=' --service heat orchestration Orchestration'
BOOT+=' --endpoint-url "http://heat.hotstack-os.local:8004/v1/\$(project_id)s"'
sample_argv hsimgtest-keystone "$work/ps-keystone"
if out1=$(AUTH=http://keystone:5000/v3 in_keystone "$BOOT" 2>"$work/boot1.err"); then
    ok "first run: $out1"
    sed 's/^/      /' "$work/boot1.err"
else
    bad "bootstrap first run: $(cat "$work/boot1.err")"
fi
if out2=$(AUTH=http://keystone:5000/v3 in_keystone "$BOOT" 2>"$work/boot2.err"); then
    ids1=$(sed 's/"changes": [0-9]*, //' <<<"$out1")
    ids2=$(sed 's/"changes": [0-9]*, //' <<<"$out2")
    [[ $out2 == *'"changes": 0'* && $ids1 == "$ids2" ]] &&
        ok "second run changes nothing, same ids: $out2" || bad "second run: $out2"
else
    bad "bootstrap second run: $(cat "$work/boot2.err")"
fi
stop_samplers
out=$(in_keystone 'openstack role assignment list --names -f value -c Role -c User -c Project -c Domain | sort' 2>&1)
grep -q '^admin heat@Default service@Default' <<<"$out" && grep -q '^service heat@Default service@Default' <<<"$out" &&
    grep -q '^admin heat_domain_admin@heat  heat' <<<"$out" &&
    ok "assignments: heat admin+service on service, heat_domain_admin admin on domain heat" ||
    { bad "role assignments:"; sed 's/^/      /' <<<"$out"; }
out=$(in_keystone 'openstack endpoint list --service heat -f value -c Interface -c URL -c Region | sort' 2>&1 | tr '\n' ';')
[[ $(grep -o 'http://heat.hotstack-os.local:8004/v1/$(project_id)s' <<<"${out//;/$'\n'}" | wc -l) == 3 && $out == *admin*internal*public* ]] &&
    ok "heat endpoints: $out" || bad "heat endpoints: $out"
out=$(in_keystone 'openstack role list -f value -c Name | grep heat_stack | sort | tr "\n" " "; openstack user show heat_domain_admin --domain heat -f value -c name' 2>&1 | tr '\n' ' ')
[[ $out == "heat_stack_owner heat_stack_user heat_domain_admin " ]] && ok "roles/users: $out" || bad "heat roles/users: $out"
out=$(podman exec -i hsimgtest-keystone bash -c '
  export OS_AUTH_URL=http://keystone:5000/v3 OS_USERNAME=heat OS_PROJECT_NAME=service \
         OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_IDENTITY_API_VERSION=3
  OS_PASSWORD=$(</run/secrets/SERVICE_PASSWORD) openstack token issue -f value -c project_id' 2>&1)
[[ $out =~ ^[0-9a-f]{32}$ ]] && ok "service user heat can log in to project service" || bad "heat login: $out"

# ---------------------------------------------------------------- restarts
step "4. restarts: recreate (rm + run, like the units) and podman restart"
keys_before=$(cd "$data" && sha256sum fernet-keys/* credential-keys/* | sha256sum | cut -c1-16)
nkeys=$(ls "$data/fernet-keys" | wc -l)
token=$(in_keystone 'openstack token issue -f value -c id' 2>/dev/null)
tables_before=$(podman exec hsimgtest-mariadb mariadb -N -B -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='keystone'")

podman rm -f -t 10 hsimgtest-mariadb >/dev/null
run_mariadb
wait_healthy hsimgtest-mariadb mariadb 120 || die "mariadb after recreate"
l=$(podman logs hsimgtest-mariadb 2>&1)
grep -q 'existing data directory /var/lib/mysql/data: no initialisation' <<<"$l" && ! grep -q 'initialising system tables' <<<"$l" &&
    ok "mariadb recreated: no re-initialisation" || bad "mariadb recreate log"
tables_after=$(podman exec hsimgtest-mariadb mariadb -N -B -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='keystone'")
[[ $tables_after == "$tables_before" && $tables_after -gt 10 ]] && ok "keystone schema kept ($tables_after tables)" || bad "tables $tables_before -> $tables_after"

podman rm -f -t 10 hsimgtest-keystone >/dev/null
sample_argv hsimgtest-keystone "$work/ps-keystone"
run_keystone
wait_healthy hsimgtest-keystone keystone 300 || die "keystone after recreate"
stop_samplers
l=$(podman logs hsimgtest-keystone 2>&1)
grep -q 'fernet keys present' <<<"$l" && grep -q 'credential keys present' <<<"$l" && ! grep -q 'creating them' <<<"$l" &&
    ok "keystone recreated: key repositories kept ($nkeys fernet keys)" || bad "keystone recreate log"
keys_after=$(cd "$data" && sha256sum fernet-keys/* credential-keys/* | sha256sum | cut -c1-16)
[[ $keys_before == "$keys_after" ]] && ok "fernet/credential keys identical ($keys_after)" || bad "keys changed $keys_before -> $keys_after"
code=$(podman exec hsimgtest-keystone curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $token" -H "X-Subject-Token: $token" http://127.0.0.1:5000/v3/auth/tokens)
[[ $code == 200 ]] && ok "token issued before the restart still validates (HTTP $code)" || bad "old token: HTTP $code"

podman restart -t 10 hsimgtest-mariadb >/dev/null
wait_healthy hsimgtest-mariadb mariadb 120 || die "mariadb after restart"
podman restart -t 10 hsimgtest-keystone >/dev/null
wait_healthy hsimgtest-keystone keystone 300 || die "keystone after restart"
n=$(podman logs hsimgtest-mariadb 2>&1 | grep -c 'initialising system tables' || true)
[[ $n == 0 ]] && ok "mariadb podman restart: no re-initialisation" || bad "mariadb re-initialised $n times"
out=$(retry 10 in_keystone 'openstack token issue -f value -c expires' 2>&1) && ok "token after restarts: expires $out" || bad "token after restarts: $out"
keys_after=$(cd "$data" && sha256sum fernet-keys/* credential-keys/* | sha256sum | cut -c1-16)
[[ $keys_before == "$keys_after" ]] && ok "keys still identical after podman restart" || bad "keys changed on restart"

# ---------------------------------------------------------------- secrets
step "5. secrets never in argv or container env"
for c in hsimgtest-mariadb hsimgtest-rabbitmq hsimgtest-memcached hsimgtest-haproxy hsimgtest-dnsmasq hsimgtest-keystone; do
    podman exec "$c" ps -eo args >"$work/ps-now-$c"
    podman inspect "$c" >"$work/env-$c"
    np=$(wc -l <"$work/ps-now-$c")
    if grep -qFf "$work/secrets" "$work/ps-now-$c" "$work/env-$c"; then
        bad "$c: secret value found in ps/inspect"
    else
        ok "$c: ps -eo args ($np processes) and full podman inspect (env, cmd, mounts) free of secret values"
    fi
done
podman exec hsimgtest-keystone ps -eo args | sed 's/^/      keystone: /'
podman exec hsimgtest-mariadb ps -eo args | sed 's/^/      mariadb:  /'
nsamples=$(cat "$work"/ps-* "$work/host-ps" 2>/dev/null | wc -l)
if grep -qFf "$work/secrets" "$work"/ps-* "$work/host-ps"; then
    bad "secret value found in argv samples taken during start-up"
else
    ok "argv samples during start-ups/bootstrap ($nsamples lines, containers via podman top + host ps): no secret value"
fi
cat "$work"/ps-keystone | grep -E 'keystone-manage|hotstack-keystone-bootstrap|hotstack-wait-db' | sort -u | sed 's/^/      seen: /' | head -8

# ---------------------------------------------------------------- summary
step "summary: $pass checks passed, $failures failed"
((failures == 0))
