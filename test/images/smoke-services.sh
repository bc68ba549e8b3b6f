#!/bin/bash
# Smoke test of the OpenStack service images (glance, placement, nova, ovn,
# neutron, cinder, heat) against the runtime contract (assets/images/README.md),
# on top of the infra and keystone images.
#
# Everything runs on a private, internal podman network "hsimgtest2"
# (10.214.0.0/24, no DNS: names come from --add-host like the deploy tool's
# aliases); every container, secret and data dir it creates is named
# hsimgtest2-* / lives in a temp dir, and is removed on exit, also on failure.
#
#   1. image pieces without services: --roles of every image, unknown role ->
#      exit 2, nova's kvm group / launchers / noVNC files / wrapper self-tests,
#      ovn-controller/nova-compute binaries, mount-wrapper config handling of
#      cinder-volume (missing nfs_shares, missing LOCAL_PATH, share mismatch)
#   2. infra (mariadb, rabbitmq, memcached, haproxy with every API frontend),
#      keystone, then the services in the order of the units:
#        glance placement ovn-northd cinder-api heat-api
#        nova-api neutron-server cinder-scheduler heat-engine
#        nova-conductor nova-scheduler nova-metadata nova-novncproxy
#      each waited on with `hotstack-health <role>` (time to healthy reported)
#   3. API checks from inside the keystone container through HAProxy: catalog,
#      image upload, network create (seen in the OVN NB DB), volume/orchestration/
#      compute service lists, a heat stack, noVNC page, metadata API, placement
#   4. host-side roles as far as possible without the host: ovn-controller and
#      neutron-ovn-agent against a stand-in "host OVS" ovsdb-server, nova-compute
#      without a libvirt socket (expected: clear error, exit 1), cinder-volume
#      (privileged) with the fake NFS share -> a real volume file
#   5. re-creation of nova-api and heat-api: cell setup and keystone
#      registration are idempotent
#   6. no secret value in any process argv (sampled during start-ups, inside the
#      containers and on the host) nor in `podman inspect`
#
# Usage: test/images/smoke-services.sh    (images from test/images/build.sh)
# Env:   HSIMG_TAG_PREFIX (default localhost/hsimgtest-)
#        HSIMG2_KEEP_LOGS dir for container logs (default /var/tmp/hsimgtest2/smoke-logs)
#        HSIMG2_SKIP_EXTRAS=1 skips step 4's service runs (pieces in step 1 stay)
set -euo pipefail

prefix=${HSIMG_TAG_PREFIX:-localhost/hsimgtest-}
declare -A IMG
for i in infra keystone glance placement nova ovn neutron cinder heat; do IMG[$i]=${prefix}$i:latest; done
here=$(cd "$(dirname "$0")" && pwd)
fx=$here/fixtures
NET=hsimgtest2
SUBNET=10.214.0.0/24
P=hsimgtest2
logs=${HSIMG2_KEEP_LOGS:-/var/tmp/hsimgtest2/smoke-logs}
SECRET_NAMES=(DB_PASSWORD SERVICE_PASSWORD ADMIN_PASSWORD MYSQL_ROOT_PASSWORD RABBITMQ_PASSWORD HEAT_AUTH_KEY)

declare -A IP=([mariadb]=10.214.0.3 [rabbitmq]=10.214.0.4 [memcached]=10.214.0.5
    [haproxy]=10.214.0.6 [keystone]=10.214.0.11 [glance]=10.214.0.12 [placement]=10.214.0.13
    [nova-api]=10.214.0.21 [nova-conductor]=10.214.0.22 [nova-scheduler]=10.214.0.23
    [nova-compute]=10.214.0.24 [nova-metadata]=10.214.0.25 [nova-novncproxy]=10.214.0.26
    [ovn-northd]=10.214.0.31 [neutron-server]=10.214.0.32 [fake-ovs]=10.214.0.35
    [ovn-controller]=10.214.0.36 [neutron-ovn-agent]=10.214.0.37
    [cinder-api]=10.214.0.41 [cinder-scheduler]=10.214.0.42 [cinder-volume]=10.214.0.43
    [heat-api]=10.214.0.51 [heat-engine]=10.214.0.53)
CONTAINERS=(mariadb rabbitmq memcached haproxy keystone glance placement ovn-northd cinder-api
    heat-api nova-api neutron-server cinder-scheduler heat-engine nova-conductor nova-scheduler
    nova-metadata nova-novncproxy fake-ovs ovn-controller neutron-ovn-agent nova-compute
    cinder-volume piece)

pass=0
failures=0
ok() { echo "  [OK] $*"; pass=$((pass + 1)); }
bad() { echo "  [FAIL] $*"; failures=$((failures + 1)); }
info() { echo "  [..] $*"; }
step() { echo; echo "== $*"; }
die() { echo "FATAL: $*" >&2; exit 1; }

work=$(mktemp -d /var/tmp/hsimgtest2.XXXXXX)
chmod 0700 "$work"
data=$work/data
sampler_pid=

cleanup() {
    local rc=$?
    set +e
    [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null
    mkdir -p "$logs"
    for c in "${CONTAINERS[@]}"; do
        if podman container exists "$P-$c"; then
            podman logs "$P-$c" >"$logs/$P-$c.log" 2>&1
            podman rm -f -t 5 "$P-$c" >/dev/null 2>&1
        fi
    done
    for s in "${SECRET_NAMES[@]}"; do
        podman secret rm "$P-$s" >/dev/null 2>&1
    done
    podman network exists "$NET" && podman network rm "$NET" >/dev/null
    rm -rf "$work"
    echo
    echo "cleanup done (container logs kept in $logs); exit $rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- setup
step "setup: network $NET ($SUBNET, internal), secrets from stdin, data dirs"
for c in "${CONTAINERS[@]}"; do podman rm -f "$P-$c" >/dev/null 2>&1 || true; done
for s in "${SECRET_NAMES[@]}"; do podman secret rm "$P-$s" >/dev/null 2>&1 || true; done
podman network exists "$NET" && podman network rm "$NET" >/dev/null
for i in "${!IMG[@]}"; do podman image exists "${IMG[$i]}" || die "${IMG[$i]} missing (run test/images/build.sh)"; done
podman network create --internal --subnet "$SUBNET" "$NET" >/dev/null

: >"$work/secrets"
chmod 0600 "$work/secrets"
for s in "${SECRET_NAMES[@]}"; do
    # 24 random bytes -> 32 URL-safe characters (HEAT_AUTH_KEY must be 32)
    v=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    printf '%s\n' "$v" >>"$work/secrets"
    printf '%s\n' "$v" | podman secret create "$P-$s" - >/dev/null
done
ok "secrets created from stdin: ${SECRET_NAMES[*]/#/$P-}"
mkdir -p "$data"/{mysql,rabbitmq,fernet-keys,credential-keys,glance-images,ovn,ovn-run,openvswitch,cinder,cinder-nfs}
kvm_gid=$(podman run --rm --network none --entrypoint getent "${IMG[nova]}" group kvm | cut -d: -f3)
chgrp "$kvm_gid" "$data/cinder-nfs" && chmod 2775 "$data/cinder-nfs"

hosts=(--add-host "hotstack-os-mariadb:${IP[mariadb]}" --add-host "mariadb:${IP[mariadb]}"
    --add-host "hotstack-os-rabbitmq:${IP[rabbitmq]}" --add-host "rabbitmq:${IP[rabbitmq]}"
    --add-host "hotstack-os-memcached:${IP[memcached]}"
    --add-host "keystone:${IP[keystone]}" --add-host "glance:${IP[glance]}"
    --add-host "placement:${IP[placement]}" --add-host "nova:${IP[nova-api]}"
    --add-host "neutron:${IP[neutron-server]}" --add-host "cinder:${IP[cinder-api]}"
    --add-host "heat:${IP[heat-api]}")
for s in keystone glance placement nova neutron cinder heat; do
    hosts+=(--add-host "$s.hotstack-os.local:${IP[haproxy]}")
done
secret() { local s; for s in "$@"; do printf -- '--secret=%s-%s,type=mount,target=%s\n' "$P" "$s" "$s"; done; }
tpl() { printf -- '--volume=%s:/etc/hotstack/templates%s:ro\n' "$1" "$2"; }

# run_ct NAME IMAGE-KEY ROLE [podman args...] : detached, static IP, test names
run_ct() {
    local name=$1 image=$2 role=$3
    shift 3
    local -a extra=()
    while (($#)) && [[ $1 != -- ]]; do extra+=("$1"); shift; done
    [[ ${1:-} == -- ]] && shift
    # What its unit gives it (rendered from components/services); -e in extra overrides a value.
    local -a env=()
    [[ -f $fx/env/$name.env ]] && env=(--env-file "$fx/env/$name.env")
    podman run -d --name "$P-$name" --network "$NET" --ip "${IP[$name]}" --dns none \
        "${hosts[@]}" "${env[@]}" "${extra[@]}" "${IMG[$image]}" "$role" "$@" >/dev/null
}

NOVA_SECRETS=(SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD)
start() {
    # start SERVICE : the podman run of each service, as its unit would do it
    case $1 in
        mariadb)
            run_ct mariadb infra mariadb $(secret MYSQL_ROOT_PASSWORD DB_PASSWORD) \
                --volume "$data/mysql:/var/lib/mysql/data" \
                "$(tpl "$fx/mariadb-99-hotstack.cnf" /etc/mysql/mariadb.conf.d/99-hotstack.cnf)" ;;
        rabbitmq)
            run_ct rabbitmq infra rabbitmq --hostname rabbitmq $(secret RABBITMQ_PASSWORD) \
                --volume "$data/rabbitmq:/var/lib/rabbitmq" \
                "$(tpl "$fx/rabbitmq.conf" /etc/rabbitmq/rabbitmq.conf)" \
                "$(tpl "$fx/rabbitmq-definitions.json" /etc/rabbitmq/definitions.json)" ;;
        memcached) run_ct memcached infra memcached ;;
        haproxy)
            run_ct haproxy infra haproxy --hostname haproxy \
                "$(tpl "$fx/haproxy-services.cfg" /etc/haproxy/haproxy.cfg)" ;;
        keystone)
            run_ct keystone keystone keystone --hostname keystone \
                $(secret ADMIN_PASSWORD DB_PASSWORD SERVICE_PASSWORD) \
                --volume "$data/fernet-keys:/etc/keystone/fernet-keys" \
                --volume "$data/credential-keys:/etc/keystone/credential-keys" \
                "$(tpl "$fx/keystone.conf" /etc/keystone/keystone.conf)" ;;
        glance)
            run_ct glance glance glance --hostname glance \
                $(secret ADMIN_PASSWORD SERVICE_PASSWORD DB_PASSWORD) \
                --volume "$data/glance-images:/var/lib/glance/images" \
                "$(tpl "$fx/glance-api.conf" /etc/glance/glance-api.conf)" ;;
        placement)
            run_ct placement placement placement --hostname placement \
                $(secret ADMIN_PASSWORD SERVICE_PASSWORD DB_PASSWORD) \
                "$(tpl "$fx/placement.conf" /etc/placement/placement.conf)" ;;
        nova-api)
            run_ct nova-api nova nova-api --hostname nova $(secret ADMIN_PASSWORD "${NOVA_SECRETS[@]}") \
                "$(tpl "$fx/nova.conf" /etc/nova/nova.conf)" ;;
        nova-conductor | nova-scheduler | nova-metadata | nova-novncproxy)
            run_ct "$1" nova "$1" --hostname "$1" $(secret "${NOVA_SECRETS[@]}") \
                "$(tpl "$fx/nova.conf" /etc/nova/nova.conf)" ;;
        ovn-northd)
            run_ct ovn-northd ovn ovn-northd --hostname ovn-northd \
                --volume "$data/ovn:/var/lib/ovn" --volume "$data/ovn-run:/run/ovn" ;;
        neutron-server)
            run_ct neutron-server neutron neutron-server --hostname neutron \
                $(secret ADMIN_PASSWORD SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD) \
                "$(tpl "$fx/neutron.conf" /etc/neutron/neutron.conf)" \
                "$(tpl "$fx/ml2_conf.ini" /etc/neutron/plugins/ml2/ml2_conf.ini)" ;;
        cinder-api)
            run_ct cinder-api cinder cinder-api --hostname cinder \
                $(secret ADMIN_PASSWORD SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD) \
                "$(tpl "$fx/cinder.conf" /etc/cinder/cinder.conf)" ;;
        cinder-scheduler)
            run_ct cinder-scheduler cinder cinder-scheduler --hostname cinder-scheduler \
                $(secret SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD) \
                "$(tpl "$fx/cinder.conf" /etc/cinder/cinder.conf)" ;;
        heat-api)
            run_ct heat-api heat heat-api --hostname heat \
                $(secret ADMIN_PASSWORD SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD HEAT_AUTH_KEY) \
                "$(tpl "$fx/heat.conf" /etc/heat/heat.conf)" ;;
        heat-engine)
            run_ct heat-engine heat heat-engine --hostname heat-engine \
                $(secret SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD HEAT_AUTH_KEY) \
                "$(tpl "$fx/heat.conf" /etc/heat/heat.conf)" ;;
        *) die "no start definition for $1" ;;
    esac
}

declare -A ROLE=([mariadb]=mariadb [rabbitmq]=rabbitmq [memcached]=memcached [haproxy]=haproxy
    [keystone]=keystone)
declare -A T_START T_HEALTHY T_FIRST T_RERUN
role_of() { echo "${ROLE[$1]:-$1}"; }

wait_healthy() {
    # wait_healthy NAME TIMEOUT : poll `hotstack-health <role>` every 2 s
    local c=$1 timeout=$2 role start now t0 t1 state
    role=$(role_of "$c")
    start=${T_START[$c]:-$(date +%s)}
    while true; do
        state=$(podman inspect -f '{{.State.Status}}' "$P-$c" 2>/dev/null || echo gone)
        if [[ $state != running ]]; then
            bad "$c is $state before becoming healthy; last log lines:"
            podman logs --tail 40 "$P-$c" 2>&1 | sed 's/^/      /'
            return 1
        fi
        t0=$(date +%s%N)
        if podman exec "$P-$c" hotstack-health "$role" >/dev/null 2>&1; then
            t1=$(date +%s%N)
            now=$(date +%s)
            T_HEALTHY[$c]=$((now - start))
            ok "$c healthy ${T_HEALTHY[$c]}s after podman run (hotstack-health $role took $(((t1 - t0) / 1000000)) ms)"
            return 0
        fi
        now=$(date +%s)
        if ((now - start > timeout)); then
            bad "$c not healthy after ${timeout}s; health output and last log lines:"
            podman exec "$P-$c" hotstack-health "$role" 2>&1 | sed 's/^/      /'
            podman logs --tail 40 "$P-$c" 2>&1 | sed 's/^/      /'
            return 1
        fi
        sleep 2
    done
}

# start a wave of services, then wait for each (in order)
wave() {
    local timeout=$1 s
    shift
    for s in "$@"; do
        T_START[$s]=$(date +%s)
        start "$s"
    done
    for s in "$@"; do wait_healthy "$s" "$timeout" || true; done
}

# argv sampler: host `ps` (sees every container process) + podman top of the
# test containers, all through the run
start_sampler() {
    (
        while true; do
            ps -eo args >>"$work/ps-host" 2>/dev/null || true
            for c in $(podman ps --format '{{.Names}}' --filter "name=^$P-" 2>/dev/null); do
                podman top "$c" args >>"$work/ps-top" 2>/dev/null || true
            done
            sleep 0.5
        done
    ) &
    sampler_pid=$!
}
stop_sampler() { [[ -n $sampler_pid ]] && { kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null; sampler_pid=; } || true; }

wait_state() {
    # wait_state SECONDS REGEX CMD : run the keystone-container snippet CMD every
    # 3 s until its output matches the extended regex REGEX; prints the last
    # output (seconds waited in $work/wait_s)
    local limit=$1 re=$2 cmd=$3 t0 out
    t0=$(date +%s)
    while true; do
        out=$(in_keystone "$cmd" 2>&1) || true
        if grep -qE "$re" <<<"$out"; then
            echo $(($(date +%s) - t0)) >"$work/wait_s"
            printf '%s' "$out"
            return 0
        fi
        (($(date +%s) - t0 >= limit)) && { printf '%s' "$out"; return 1; }
        sleep 3
    done
}

retry() {
    # retry N CMD... : up to N times, 3 s apart (HAProxy marks a backend up after two checks 5 s apart)
    local n=$1 i
    shift
    for ((i = 1; i < n; i++)); do
        "$@" 2>/dev/null && return 0
        sleep 3
    done
    "$@"
}

in_keystone() {
    # a bash snippet in the keystone container with admin credentials (the
    # password comes from the mounted secret inside), public URLs via HAProxy
    podman exec -i "$P-keystone" bash -c \
        ". /usr/local/lib/hotstack/common.sh; . /usr/local/lib/hotstack/openstack.sh; hs_os_admin_env http://keystone.hotstack-os.local:5000/v3; $1"
}

# ---------------------------------------------------------------- 1. pieces
step "1. image pieces (no services, --network none)"
piece() { podman run --rm --name "$P-piece" --network none "$@"; }
declare -A EXPECT_ROLES=([glance]="glance" [placement]="placement"
    [nova]="nova-api nova-compute nova-conductor nova-metadata nova-novncproxy nova-scheduler"
    [ovn]="ovn-controller ovn-northd" [neutron]="neutron-ovn-agent neutron-server"
    [cinder]="cinder-api cinder-scheduler cinder-volume" [heat]="heat-api heat-engine")
for i in glance placement nova ovn neutron cinder heat; do
    out=$(piece "${IMG[$i]}" --roles 2>&1) || true
    [[ $out == "${EXPECT_ROLES[$i]}" ]] && ok "$i --roles: $out" || bad "$i --roles: '$out'"
    rc=0
    out=$(piece "${IMG[$i]}" nosuchrole 2>&1) || rc=$?
    [[ $rc == 2 && $out == *"unknown role 'nosuchrole'"* ]] || bad "$i unknown role: rc=$rc $out"
    labels=$(podman image inspect -f '{{index .Labels "io.hotstack-os.roles"}}' "${IMG[$i]}")
    [[ $(tr ' ' '\n' <<<"$labels" | sort | tr '\n' ' ') == "$(tr ' ' '\n' <<<"${EXPECT_ROLES[$i]}" | sort | tr '\n' ' ')" ]] ||
        bad "$i label io.hotstack-os.roles='$labels'"
done
ok "every image: unknown role -> exit 2, label io.hotstack-os.roles matches --roles"

out=$(piece --entrypoint bash "${IMG[nova]}" -c '
    set -e
    echo "kvm=$(getent group kvm | cut -d: -f3) root-groups=$(id -G)"
    nova-compute --version; nova-novncproxy --version
    ls /usr/share/novnc/vnc_lite.html /usr/share/novnc/core/rfb.js >/dev/null && echo novnc-files
    dpkg -s nova-compute nova-consoleproxy novnc nodejs libvirt-daemon-system qemu-system-x86 2>/dev/null | grep -c "^Package:" || true
    virsh --version
    /usr/local/lib/hotstack/tests/test-qemu-img-wrapper.sh
    /usr/local/lib/hotstack/tests/test-mount-nfs-wrapper.sh
    grep -c "^privsep-helper" /etc/nova/rootwrap.d/compute.filters
    sudo -n nova-rootwrap /etc/nova/rootwrap.conf privsep-helper --config-file /etc/nova/x.conf --privsep_context os_brick.privileged.default --privsep_sock_path /tmp/x --help 2>&1 | head -1
' 2>&1) || true
sed 's/^/      /' <<<"$out"
grep -q "^kvm=$kvm_gid root-groups=.*\b$kvm_gid\b" <<<"$out" && ok "nova: kvm group has GID $kvm_gid (KVM_GID) and root is a member at run time" || bad "nova kvm group"
grep -q '^31\.' <<<"$out" && grep -q novnc-files <<<"$out" && ok "nova: nova-compute/nova-novncproxy launchers (31.x), /usr/share/novnc/vnc_lite.html present" || bad "nova launchers/novnc"
[[ $(sed -n 5p <<<"$out") == 0 ]] && ok "nova: none of nova-compute, nova-consoleproxy, novnc, nodejs, libvirt-daemon-system, qemu-system-x86 installed" || bad "nova: unexpected packages: $(sed -n 5p <<<"$out")"
grep -q 'test-qemu-img-wrapper: OK' <<<"$out" && grep -q 'test-mount-nfs-wrapper: OK' <<<"$out" && ok "nova: qemu-img and mount.nfs wrapper self-tests pass at run time" || bad "nova wrappers"
grep -q 'usage: privsep-helper\|privsep-helper' <<<"$(tail -n1 <<<"$out")" && ok "nova: sudo nova-rootwrap accepts privsep-helper via the image's compute.filters" || bad "nova rootwrap/privsep filter: $(tail -n1 <<<"$out")"

out=$(piece --entrypoint bash "${IMG[cinder]}" -c '
    /usr/local/lib/hotstack/tests/test-qemu-img-wrapper.sh && /usr/local/lib/hotstack/tests/test-mount-nfs-wrapper.sh
    cinder-volume --version; readlink -f /sbin/mount.nfs; dpkg-divert --list /usr/sbin/mount.nfs' 2>&1) || true
grep -q 'test-qemu-img-wrapper: OK' <<<"$out" && grep -q 'test-mount-nfs-wrapper: OK' <<<"$out" &&
    ok "cinder: wrapper self-tests pass, cinder-volume $(grep -m1 '^26\.' <<<"$out"), $(tail -n1 <<<"$out")" || { bad "cinder wrappers"; sed 's/^/      /' <<<"$out"; }
out=$(piece --entrypoint bash "${IMG[ovn]}" -c 'ovn-controller --version | head -1; ovn-northd --version | head -1; ovs-vsctl --version | head -1' 2>&1) || true
[[ $out == *"ovn-controller"*"25.03"*"ovn-northd"*"ovs-vsctl"*"3.5"* ]] && ok "ovn: $(tr '\n' ';' <<<"$out")" || bad "ovn versions: $out"
rc=0
out=$(piece "${IMG[ovn]}" ovn-controller 2>&1) || rc=$?
[[ $rc != 0 && $out == *"OVN_ENCAP_IP must be set"* ]] && ok "ovn-controller without OVN_ENCAP_IP/CHASSIS_HOSTNAME -> exit $rc, clear message" || bad "ovn-controller env check rc=$rc $out"
rc=0
out=$(piece -e OVN_ENCAP_IP=1.2.3.4 -e CHASSIS_HOSTNAME=x -e OVN_BRIDGE_DATAPATH_TYPE=dpdk "${IMG[ovn]}" ovn-controller 2>&1) || rc=$?
[[ $rc == 2 && $out == *"OVN_BRIDGE_DATAPATH_TYPE must be"* ]] && ok "ovn-controller rejects OVN_BRIDGE_DATAPATH_TYPE=dpdk (exit 2)" || bad "datapath type check rc=$rc $out"
out=$(piece --entrypoint bash "${IMG[neutron]}" -c 'neutron-server --version; neutron-ovn-agent --version; haproxy -v | head -1' 2>&1) || true
[[ $out == *26.0*HAProxy* ]] && ok "neutron: $(tr '\n' ' ' <<<"$out")" || bad "neutron versions: $out"

# hs_supervise (ovn-controller, neutron-ovn-agent): PID 1 stays the role
# shell, podman stop's SIGTERM reaches the daemon, exit 0
podman run -d --name "$P-piece" --network none --entrypoint bash "${IMG[ovn]}" -c \
    '. /usr/local/lib/hotstack/common.sh; hs_supervise sleep 1000' >/dev/null
sleep 1
t0=$(date +%s%N)
podman stop -t 10 "$P-piece" >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
rc=$(podman inspect -f '{{.State.ExitCode}}' "$P-piece")
podman rm -f "$P-piece" >/dev/null
[[ $rc == 0 ]] && ((ms < 5000)) && ok "hs_supervise: a child without SIGTERM handling stops on podman stop in $ms ms, exit 0" || bad "hs_supervise: rc=$rc after $ms ms"

# a role started without what its unit gives it stops at once, naming the variable
rc=0
out=$(piece $(secret SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD HEAT_AUTH_KEY) "$(tpl "$fx/heat.conf" /etc/heat/heat.conf)" "${IMG[heat]}" heat-engine 2>&1) || rc=$?
[[ $rc != 0 && $out == *"HEAT_API_URL: set by its unit"* ]] && ok "heat-engine without its unit's environment -> exit $rc: $(grep -m1 HEAT_API_URL <<<"$out" | cut -c1-120)" || bad "heat-engine without env: rc=$rc $out"

# cinder-volume: nfs_shares and mount-wrapper.conf handling (fails before any network use)
cv() { podman run --rm --name "$P-piece" --network none $(secret SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD) \
    --env-file "$fx/env/cinder-volume.env" "$(tpl "$fx/cinder.conf" /etc/cinder/cinder.conf)" "$@"; }
rc=0
out=$(cv "${IMG[cinder]}" cinder-volume 2>&1) || rc=$?
[[ $rc == 1 && $out == *"/etc/cinder/nfs_shares is missing"* ]] && ok "cinder-volume without nfs_shares -> exit 1: $(grep -m1 ERROR <<<"$out")" || bad "no nfs_shares: rc=$rc $out"
rc=0
out=$(cv "$(tpl "$fx/nfs_shares" /etc/cinder/nfs_shares)" "$(tpl "$fx/mount-wrapper.conf" /etc/hotstack/mount-wrapper.conf)" \
    "${IMG[cinder]}" cinder-volume 2>&1) || rc=$?
[[ $rc == 1 && $out == *"LOCAL_PATH /var/lib/hotstack-os/cinder-nfs"*"is not a directory"* ]] &&
    ok "cinder-volume with mount-wrapper.conf but LOCAL_PATH not mounted -> exit 1: $(grep -m1 'LOCAL_PATH' <<<"$out" | cut -c1-150)" || bad "LOCAL_PATH check: rc=$rc $out"
printf 'otherhost:/export\n' >"$work/nfs_shares_other"
podman run -d --name "$P-piece" --network none $(secret SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD) \
    --env-file "$fx/env/cinder-volume.env" \
    "$(tpl "$fx/cinder.conf" /etc/cinder/cinder.conf)" "$(tpl "$work/nfs_shares_other" /etc/cinder/nfs_shares)" \
    "$(tpl "$fx/mount-wrapper.conf" /etc/hotstack/mount-wrapper.conf)" \
    --volume "$data/cinder-nfs:/var/lib/hotstack-os/cinder-nfs" "${IMG[cinder]}" cinder-volume >/dev/null
sleep 4
out=$(podman logs "$P-piece" 2>&1)
podman rm -f -t 0 "$P-piece" >/dev/null
[[ $out == *"is not listed in /etc/cinder/nfs_shares"* && $out == *"waiting for database"* ]] &&
    ok "cinder-volume warns when NFS_SHARE is not in nfs_shares, then goes on (waits for the DB)" || bad "share mismatch: $out"

# ---------------------------------------------------------------- 2. services
step "2. infra + keystone"
start_sampler
t_all=$(date +%s)
wave 180 mariadb memcached haproxy rabbitmq
wave 300 keystone
[[ -n ${T_HEALTHY[keystone]:-} ]] || die "keystone did not come up"

step "2b. services, in unit order (waves)"
wave 300 glance placement ovn-northd cinder-api heat-api
wave 300 nova-api neutron-server cinder-scheduler heat-engine
wave 300 nova-conductor nova-scheduler nova-metadata nova-novncproxy
echo "  all services started and checked within $(($(date +%s) - t_all))s"
stop_sampler

# ---------------------------------------------------------------- 3. APIs
step "3. API checks from the keystone container (through HAProxy)"
if out=$(retry 10 in_keystone 'openstack catalog list -f value -c Name -c Type | sort' 2>&1); then
    sed 's/^/      /' <<<"$out"
    missing=
    for t in identity image placement compute network volumev3 orchestration; do
        grep -q " $t$" <<<"$out" || missing+=" $t"
    done
    [[ -z $missing ]] && ok "catalog lists identity image placement compute network volumev3 orchestration" || bad "catalog misses:$missing"
else
    bad "catalog list: $out"
fi
eps=$(in_keystone 'openstack endpoint list -f value -c "Service Name" -c Interface -c URL | sort' 2>&1) || true
for want in 'glance public http://glance.hotstack-os.local:9292' 'placement public http://placement.hotstack-os.local:8778' \
    'nova public http://nova.hotstack-os.local:8774/v2.1' 'neutron public http://neutron.hotstack-os.local:9696' \
    'cinderv3 public http://cinder.hotstack-os.local:8776/v3/$(project_id)s' 'heat public http://heat.hotstack-os.local:8004/v1/$(project_id)s'; do
    grep -qxF "$want" <<<"$eps" || bad "endpoint '$want' missing"
done
n=$(grep -c . <<<"$eps") || n=0
[[ $n == 21 ]] && ok "21 endpoints (7 services x public/internal/admin), URLs" || bad "endpoint count $n: $eps"

out=$(retry 5 in_keystone 'head -c 1048576 /dev/urandom >/tmp/tiny.raw && openstack image create --disk-format raw --container-format bare --file /tmp/tiny.raw hsimgtest2-tiny -f value -c id -c status -c size' 2>&1) || true
img_id=$(head -n1 <<<"$out") || true
if [[ $out == *active* && -f $data/glance-images/$img_id ]]; then
    ok "image create (1 MiB raw): $(tr '\n' ' ' <<<"$out"); stored as <glance-images>/$img_id ($(stat -c %s "$data/glance-images/$img_id") bytes)"
else
    bad "image create: $out; $(ls -la "$data/glance-images" 2>&1)"
fi
out=$(in_keystone 'openstack image list -f value -c Name -c Status' 2>&1) || true
[[ $out == *"hsimgtest2-tiny active"* ]] && ok "image list: $out" || bad "image list: $out"

out=$(retry 5 in_keystone 'openstack network list -f value -c Name' 2>&1) && ok "network list answers (${out:-no networks})" || bad "network list: $out"
out=$(in_keystone 'openstack network create hsimgtest2-net -f value -c id -c status' 2>&1) || true
net_id=$(head -n1 <<<"$out") || true
nb=$(podman exec "$P-ovn-northd" ovn-nbctl --db=unix:/run/ovn/ovnnb_db.sock ls-list 2>&1) || true
[[ $out == *ACTIVE* && $nb == *"neutron-$net_id"* ]] && ok "network create -> ACTIVE, logical switch neutron-$net_id in the OVN NB DB" || bad "network create: $out / NB: $nb"
out=$(in_keystone 'openstack subnet create --network hsimgtest2-net --subnet-range 192.168.77.0/24 hsimgtest2-subnet -f value -c id' 2>&1) &&
    ok "subnet create on it (ML2/OVN DHCP options written)" || bad "subnet create: $out"
out=$(in_keystone 'openstack extension list --network -f value -c Alias' 2>&1 | grep -cx 'trunk\|router\|port-security' || true)
[[ $out == 3 ]] && ok "network extensions include trunk, router (ovn-router), port-security" || bad "network extensions: $out"

out=$(wait_state 120 '^cinder-scheduler .* up$' 'openstack volume service list -f value -c Binary -c Host -c State') &&
    ok "volume service list: $(tr '\n' ';' <<<"$out") (state up after $(cat "$work/wait_s")s of polling)" || bad "volume service list after 120 s: $out"
out=$(wait_state 120 '^heat-engine up$' 'openstack orchestration service list -f value -c Binary -c Status') &&
    ok "orchestration service list: $(tr '\n' ';' <<<"$out")" || bad "orchestration service list: $out"
out=$(wait_state 120 '^nova-conductor .* up$' 'openstack compute service list -f value -c Binary -c Host -c State') &&
    grep -q '^nova-scheduler .* up$' <<<"$out" &&
    ok "compute service list: $(tr '\n' ';' <<<"$out")" || bad "compute service list: $out"
out=$(in_keystone 'openstack flavor create --ram 64 --disk 1 --vcpus 1 hsimgtest2-flavor -f value -c name && openstack server list -f value && echo servers-ok' 2>&1) || true
[[ $out == *hsimgtest2-flavor*servers-ok* ]] && ok "nova API: flavor create, server list" || bad "nova API: $out"
out=$(in_keystone 'curl -s -o /dev/null -w "%{http_code}" -H "X-Auth-Token: $(openstack token issue -f value -c id)" -H "OpenStack-API-Version: placement 1.39" http://placement.hotstack-os.local:8778/resource_providers' 2>&1) || true
[[ $out == 200 ]] && ok "placement: GET /resource_providers with a token -> 200" || bad "placement resource_providers: $out"
cat >"$work/stack.yaml" <<'EOF'
heat_template_version: 2021-04-16
resources:
  rnd:
    type: OS::Heat::RandomString
    properties:
      length: 12
outputs:
  value:
    value: {get_attr: [rnd, value]}
EOF
out=$(podman exec -i "$P-keystone" bash -c 'cat >/tmp/stack.yaml' <"$work/stack.yaml"
    in_keystone 'openstack stack create -t /tmp/stack.yaml --wait hsimgtest2-stack -f value -c stack_status 2>&1 | tail -n1; openstack stack output show hsimgtest2-stack value -f value -c output_value' 2>&1) || true
[[ $(head -n1 <<<"$out") == CREATE_COMPLETE && $(sed -n 2p <<<"$out") =~ ^[A-Za-z0-9]{12}$ ]] &&
    ok "heat: stack with OS::Heat::RandomString CREATE_COMPLETE, output of 12 chars" || bad "heat stack: $out"
out=$(in_keystone 'openstack stack delete --yes --wait hsimgtest2-stack 2>&1 && echo deleted' 2>&1 | tail -n1) || true
[[ $out == deleted ]] && ok "heat: stack deleted" || bad "heat stack delete: $out"
code=$(podman exec "$P-keystone" curl -s -o /dev/null -w '%{http_code}' http://nova.hotstack-os.local:6080/vnc_lite.html) || true
[[ $code == 200 ]] && ok "noVNC: GET http://nova.hotstack-os.local:6080/vnc_lite.html -> 200 (HAProxy tcp -> nova-novncproxy)" || bad "novnc page: $code"
code=$(podman exec "$P-keystone" curl -s -o /dev/null -w '%{http_code}' http://nova.hotstack-os.local:8775/) || true
[[ $code == 200 ]] && ok "nova metadata API via HAProxy: GET / -> 200" || bad "metadata: $code"

cells=$(podman exec "$P-nova-api" nova-manage --config-file /etc/nova/nova.conf cell_v2 list_cells 2>/dev/null | awk -F'|' 'NF>3 && $2 !~ /Name/ {gsub(/ /,"",$2); print $2}' | sort | tr '\n' ' ') || true
[[ $cells == "cell0 cell1 " ]] && ok "nova cells: $cells" || bad "nova cells: $cells"
stored=$(podman exec "$P-mariadb" mariadb -N -B -e "SELECT name, transport_url, database_connection FROM nova_api.cell_mappings ORDER BY id") || true
if grep -qF -f "$work/secrets" <<<"$stored"; then
    bad "cell_mappings contain a secret value"
elif [[ $stored == *"{username}:{password}@hotstack-os-mariadb/nova_cell0"* && $stored == *"rabbit://{username}:{password}@hotstack-os-rabbitmq:5672/"* ]]; then
    ok "cell_mappings store templates, no password: $(tr '\t\n' ' ;' <<<"$stored")"
else
    bad "cell_mappings: $stored"
fi

# ---------------------------------------------------------------- 4. host-side roles
step "4. host-side roles without the host"
if [[ ${HSIMG2_SKIP_EXTRAS:-0} != 1 ]]; then
    start_sampler
    # a stand-in for the host's OVS database (no ovs-vswitchd: ovn-controller
    # cannot program flows, but it registers the chassis)
    podman run -d --name "$P-fake-ovs" --network "$NET" --ip "${IP[fake-ovs]}" --dns none \
        --volume "$data/openvswitch:/run/openvswitch" --entrypoint bash "${IMG[ovn]}" -c '
        ovsdb-tool create /tmp/conf.db /usr/share/openvswitch/vswitch.ovsschema &&
        exec ovsdb-server /tmp/conf.db --remote=punix:/run/openvswitch/db.sock --no-chdir -vconsole:warn' >/dev/null
    for _ in $(seq 20); do [[ -S $data/openvswitch/db.sock ]] && break; sleep 0.5; done
    podman exec "$P-fake-ovs" ovs-vsctl --no-wait init || bad "stand-in OVS DB did not start"
    T_START[ovn-controller]=$(date +%s)
    run_ct ovn-controller ovn ovn-controller --hostname ovn-controller \
        --volume "$data/openvswitch:/run/openvswitch" --volume "$data/ovn-run:/run/ovn" \
        -e OVN_ENCAP_IP="${IP[ovn-controller]}" -e CHASSIS_HOSTNAME=hotstack-test-compute \
        -e OVN_BRIDGE_DATAPATH_TYPE=netdev
    wait_healthy ovn-controller 120 || true
    ext=$(podman exec "$P-fake-ovs" ovs-vsctl --no-wait get Open_vSwitch . external_ids 2>&1) || true
    for kv in 'ovn-remote="unix:/run/ovn/ovnsb_db.sock"' ovn-encap-type=geneve "ovn-encap-ip=\"${IP[ovn-controller]}\"" \
        'system-id=hotstack-test-compute' 'hostname=hotstack-test-compute' ovn-bridge=hot-int \
        'ovn-bridge-mappings="provider:hot-ex"' 'ovn-cms-options=enable-chassis-as-gw' ovn-bridge-datapath-type=netdev; do
        [[ $ext == *"$kv"* ]] || bad "OVS external_ids lack $kv: $ext"
    done
    dp=$(podman exec "$P-fake-ovs" ovs-vsctl --no-wait get Bridge hot-int datapath_type 2>&1) || true
    [[ $dp == netdev ]] && ok "ovn-controller wrote the chassis external_ids (incl. ovn-bridge-datapath-type=netdev) and bridge hot-int (datapath_type netdev)" || bad "bridge hot-int: $dp"
    sb=$(podman exec "$P-ovn-northd" ovn-sbctl --db=unix:/run/ovn/ovnsb_db.sock show 2>&1) || true
    [[ $sb == *'Chassis hotstack-test-compute'*geneve*"${IP[ovn-controller]}"* ]] &&
        ok "SB DB: chassis hotstack-test-compute, geneve ${IP[ovn-controller]}" || bad "SB chassis: $sb"

    T_START[neutron-ovn-agent]=$(date +%s)
    run_ct neutron-ovn-agent neutron neutron-ovn-agent --hostname neutron-metadata --privileged \
        $(secret SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD) \
        -e NEUTRON_URL=http://neutron.hotstack-os.local:9696/ \
        --volume "$data/openvswitch:/run/openvswitch" \
        "$(tpl "$fx/neutron.conf" /etc/neutron/neutron.conf)" \
        "$(tpl "$fx/neutron_ovn_agent.ini" /etc/neutron/neutron_ovn_agent.ini)"
    wait_healthy neutron-ovn-agent 120 || true
    out=
    for _ in $(seq 30); do
        out=$(in_keystone 'openstack network agent list -f value -c "Agent Type" -c Host -c Alive' 2>&1) || true
        [[ $out == *"OVN Controller Gateway agent hotstack-test-compute"* && $out == *"OVN Metadata agent hotstack-test-compute"* ]] && break
        sleep 3
    done
    # No ovs-vswitchd behind the stand-in DB: ovn-controller never confirms a
    # flow generation (Chassis_Private nb_cfg), so neutron shows both agents of
    # the chassis as not alive (it ties the agent's liveness to ovn-controller's).
    [[ $out == *"OVN Controller Gateway agent hotstack-test-compute"* ]] &&
        ok "network agent list: chassis registered as OVN Controller Gateway agent (enable-chassis-as-gw; 'alive' needs ovs-vswitchd)" || bad "gateway agent: $out"
    [[ $out == *"OVN Metadata agent hotstack-test-compute"* ]] &&
        ok "network agent list: neutron-ovn-agent's metadata extension registered as OVN Metadata agent" || bad "OVN metadata agent: $out"
    # the agent itself answers neutron's liveness pings: it copies SB_Global
    # nb_cfg into its Chassis_Private row
    sbctl() { podman exec "$P-ovn-northd" ovn-sbctl --db=unix:/run/ovn/ovnsb_db.sock "$@"; }
    for _ in $(seq 10); do
        want=$(sbctl get SB_Global . nb_cfg 2>/dev/null) || true
        got=$(sbctl get Chassis_Private hotstack-test-compute 'external_ids:"neutron:ovn-neutron-agent-sb-cfg"' 2>/dev/null | tr -d '"') || true
        [[ -n $want && $got == "$want" ]] && break
        sleep 2
    done
    [[ -n $want && $want != 0 && $got == "$want" ]] &&
        ok "neutron-ovn-agent answers liveness pings: Chassis_Private neutron:ovn-neutron-agent-sb-cfg = SB_Global nb_cfg = $want" ||
        bad "agent liveness: SB nb_cfg=$want, agent=$got"

    # nova-compute: everything but the libvirt session socket -> clear error, exit 1
    mkdir -p "$work/fake-run-user"
    t=$(date +%s)
    rc=0
    out=$(podman run --name "$P-nova-compute" --network "$NET" --ip "${IP[nova-compute]}" --dns none "${hosts[@]}" \
        $(secret "${NOVA_SECRETS[@]}") --env-file "$fx/env/nova-compute.env" -e XDG_RUNTIME_DIR=/run/user/1001 -e NOVA_LIBVIRT_RETRY_DELAY=3 \
        --volume "$work/fake-run-user:/run/user/1001:ro" \
        "$(tpl "$fx/nova.conf" /etc/nova/nova.conf)" "$(tpl "$fx/mount-wrapper.conf" /etc/hotstack/mount-wrapper.conf)" \
        "${IMG[nova]}" nova-compute 2>&1) || rc=$?
    podman rm -f "$P-nova-compute" >/dev/null 2>&1 || true
    if [[ $rc == 1 && $out == *"socket /run/user/1001/libvirt/libvirt-sock does not exist"* && $out == *"retrying in 3s"* ]]; then
        ok "nova-compute without libvirt socket: exit 1 after $(($(date +%s) - t))s with the diagnosis:"
        grep -E 'ERROR|WARNING' <<<"$out" | cut -c1-200 | sed 's/^/      /'
    else
        bad "nova-compute libvirt check: rc=$rc"
        tail -n 20 <<<"$out" | sed 's/^/      /'
    fi

    # cinder-volume, privileged (for the bind mount), NFS driver on the fake share
    T_START[cinder-volume]=$(date +%s)
    run_ct cinder-volume cinder cinder-volume --hostname cinder-volume --privileged \
        $(secret SERVICE_PASSWORD DB_PASSWORD RABBITMQ_PASSWORD) \
        --volume "$data/cinder:/var/lib/cinder" \
        --volume "$data/cinder-nfs:/var/lib/hotstack-os/cinder-nfs" \
        "$(tpl "$fx/cinder.conf" /etc/cinder/cinder.conf)" \
        "$(tpl "$fx/nfs_shares" /etc/cinder/nfs_shares)" \
        "$(tpl "$fx/mount-wrapper.conf" /etc/hotstack/mount-wrapper.conf)"
    wait_healthy cinder-volume 180 || true
    out=
    for _ in $(seq 30); do
        out=$(in_keystone 'openstack volume service list -f value -c Binary -c Host -c State' 2>&1) || true
        grep -q '^cinder-volume cinder-volume@nfs up$' <<<"$out" && break
        sleep 3
    done
    grep -q '^cinder-volume cinder-volume@nfs up$' <<<"$out" && ok "volume service list: cinder-volume@nfs up" || bad "cinder-volume service: $out"
    mnt=$(podman exec "$P-cinder-volume" findmnt -rn -o TARGET,SOURCE 2>&1 | grep '^/var/lib/cinder/mnt/') || true
    [[ $mnt == /var/lib/cinder/mnt/*cinder-nfs\]* ]] &&
        ok "cinder NFS driver mounted the fake share through the wrapper: bind mount $mnt" || bad "fake share mount: $mnt"
    out=$(in_keystone 'id=$(openstack volume create --size 1 hsimgtest2-vol -f value -c id) || exit 1
        for i in $(seq 60); do s=$(openstack volume show "$id" -f value -c status); [ "$s" = available -o "$s" = error ] && break; sleep 2; done
        echo "$id"; echo "$s"' 2>&1) || true
    vol_id=$(head -n1 <<<"$out") || true
    f=$data/cinder-nfs/volume-$vol_id
    if [[ $out == *available* && -f $f ]]; then
        ok "volume create 1 GiB -> available; file <cinder-nfs>/volume-$vol_id: $(stat -c '%a %G, %s bytes apparent, %b blocks' "$f")"
        [[ $(stat -c %G "$f") == "$(getent group "$kvm_gid" | cut -d: -f1)" && $(stat -c %a "$f") =~ ^6[67]0$|^66[46]$ ]] &&
            ok "volume file is group-writable and group kvm (setgid export dir)" || bad "volume file mode/group: $(stat -c '%a %U:%G' "$f")"
        out=$(in_keystone "openstack volume delete $vol_id && for i in \$(seq 30); do openstack volume show $vol_id >/dev/null 2>&1 || { echo gone; break; }; sleep 2; done" 2>&1) || true
        [[ $out == *gone* && ! -e $f ]] && ok "volume delete removed the file" || bad "volume delete: $out"
    else
        bad "volume create: $out"
        podman logs --tail 30 "$P-cinder-volume" 2>&1 | sed 's/^/      /'
    fi
    stop_sampler
else
    info "HSIMG2_SKIP_EXTRAS=1: host-side roles skipped"
fi

# ---------------------------------------------------------------- 5. re-creation
step "5. re-creation (rm + run, as the units do): idempotent start-up"
# a cell1 mapping that is not the canonical template (as if edited by hand):
# the re-created nova-api must converge it back
podman exec "$P-mariadb" mariadb -e "UPDATE nova_api.cell_mappings SET transport_url='rabbit://{username}:{password}@rabbitmq:5672/' WHERE name='cell1'"
start_sampler
for s in nova-api heat-api glance; do
    podman rm -f -t 10 "$P-$s" >/dev/null
    T_START[$s]=$(date +%s)
    start "$s"
done
for s in nova-api heat-api glance; do
    T_FIRST[$s]=${T_HEALTHY[$s]:-}
    wait_healthy "$s" 300 || true
    T_RERUN[$s]=${T_HEALTHY[$s]:-}
    T_HEALTHY[$s]=${T_FIRST[$s]}
done
stop_sampler
l=$(podman logs "$P-nova-api" 2>&1) || true
grep -q 'cell0 exists and is up to date' <<<"$l" && grep -q 'cell cell1 exists .*: storing its URLs as templates' <<<"$l" &&
    ! grep -q 'creating cell\|mapping cell0' <<<"$l" &&
    ok "nova-api re-run: no cell created, cell0 kept, hand-edited cell1 URL converged" || bad "nova-api re-run log: $(grep -i cell <<<"$l" | head -5)"
stored=$(podman exec "$P-mariadb" mariadb -N -B -e "SELECT transport_url FROM nova_api.cell_mappings WHERE name='cell1'") || true
[[ $stored == 'rabbit://{username}:{password}@hotstack-os-rabbitmq:5672/' ]] && ok "cell1 transport_url back to $stored" || bad "cell1 transport_url: $stored"
cells=$(podman exec "$P-mariadb" mariadb -N -B -e "SELECT COUNT(*) FROM nova_api.cell_mappings") || true
[[ $cells == 2 ]] && ok "still exactly 2 cell mappings" || bad "cell mappings: $cells"
for s in nova-api heat-api glance; do
    j=$(podman logs "$P-$s" 2>&1 | grep -m1 '^{.*"changes"' || true)
    [[ $j == *'"changes": 0'* ]] && ok "$s re-run: keystone registration changed nothing ($j)" || bad "$s re-run registration: ${j:-no summary}"
done
# ovn-northd: SIGTERM through the supervisor, DB files kept across re-creation
t0=$(date +%s%N)
podman stop -t 20 "$P-ovn-northd" >/dev/null
rc=$(podman inspect -f '{{.State.ExitCode}}' "$P-ovn-northd")
ms=$((($(date +%s%N) - t0) / 1000000))
l=$(podman logs "$P-ovn-northd" 2>&1 | tail -n 5)
[[ $rc == 0 && $l == *stopping* ]] && ok "ovn-northd podman stop: exit 0 after $ms ms (supervisor forwarded SIGTERM)" || bad "ovn-northd stop: rc=$rc $l"
podman rm -f "$P-ovn-northd" >/dev/null
T_START[ovn-northd]=$(date +%s)
start ovn-northd
T_FIRST[ovn-northd]=${T_HEALTHY[ovn-northd]:-}
wait_healthy ovn-northd 120 || true
T_RERUN[ovn-northd]=${T_HEALTHY[ovn-northd]:-}
T_HEALTHY[ovn-northd]=${T_FIRST[ovn-northd]}
l=$(podman logs "$P-ovn-northd" 2>&1)
nb=$(podman exec "$P-ovn-northd" ovn-nbctl --db=unix:/run/ovn/ovnnb_db.sock ls-list 2>&1) || true
[[ $l == *"using /var/lib/ovn/ovnnb_db.db"* && $l != *creating* && $nb == *"neutron-$net_id"* ]] &&
    ok "ovn-northd re-created: existing NB/SB files used, logical switch neutron-$net_id still there" || bad "ovn-northd re-creation: $nb"
out=$(in_keystone 'openstack compute service list -f value -c Binary -c State | sort | tr "\n" ";"; openstack image list -f value -c Name' 2>&1) || true
[[ $out == *"nova-conductor up"*"nova-scheduler up"*hsimgtest2-tiny* ]] && ok "after re-creation: $out" || bad "after re-creation: $out"

# ---------------------------------------------------------------- 6. secrets
step "6. secrets never in argv or container config"
for c in "${CONTAINERS[@]}"; do
    podman container exists "$P-$c" || continue
    [[ $(podman inspect -f '{{.State.Status}}' "$P-$c") == running ]] || continue
    podman exec "$P-$c" ps -eo args >"$work/ps-now-$c" 2>/dev/null || true
    podman inspect "$P-$c" >"$work/inspect-$c"
    np=$(wc -l <"$work/ps-now-$c") || true
    if grep -qFf "$work/secrets" "$work/ps-now-$c" "$work/inspect-$c"; then
        bad "$c: secret value found in ps/inspect"
    else
        ok "$c: ps -eo args ($np lines) and podman inspect free of secret values"
    fi
done
nsamples=$(cat "$work/ps-host" "$work/ps-top" 2>/dev/null | wc -l) || true
if grep -qFf "$work/secrets" "$work/ps-host" "$work/ps-top" 2>/dev/null; then
    bad "secret value found in argv samples taken during start-ups"
    grep -hFf "$work/secrets" "$work/ps-host" "$work/ps-top" | sort -u | cut -c1-160 | sed 's/^/      /' | head
else
    ok "argv samples during all start-ups ($nsamples lines: host ps + podman top of every test container): no secret value"
fi
grep -hE 'hotstack-keystone-bootstrap |hotstack-wait-db |bin/[a-z]+-manage |ovs-vsctl --db' "$work/ps-host" 2>/dev/null | sort -u | cut -c1-150 | head -12 | sed 's/^/      seen: /' || true

step "memory (podman stats)"
podman stats --no-stream --format '{{.Name}} {{.MemUsage}}' 2>/dev/null | grep "^$P-" | sort | sed 's/^/    /' || true

# ---------------------------------------------------------------- 7. stop
step "7. podman stop (SIGTERM, -t 30): time and exit code per service (for StopTimeout=)"
for c in heat-engine heat-api cinder-volume cinder-scheduler cinder-api neutron-ovn-agent neutron-server \
    ovn-controller nova-novncproxy nova-metadata nova-scheduler nova-conductor nova-api placement glance ovn-northd; do
    podman container exists "$P-$c" || continue
    [[ $(podman inspect -f '{{.State.Status}}' "$P-$c") == running ]] || continue
    t0=$(date +%s%N)
    podman stop -t 30 "$P-$c" >/dev/null 2>&1 || true
    ms=$((($(date +%s%N) - t0) / 1000000))
    rc=$(podman inspect -f '{{.State.ExitCode}}' "$P-$c")
    printf '    %-18s exit %-4s %6s ms\n' "$c" "$rc" "$ms"
    ((ms < 30000)) || bad "$c needed the SIGKILL after 30 s"
done

# ---------------------------------------------------------------- summary
step "timings (podman run -> hotstack-health OK)"
for c in keystone glance placement ovn-northd cinder-api heat-api nova-api neutron-server cinder-scheduler \
    heat-engine nova-conductor nova-scheduler nova-metadata nova-novncproxy ovn-controller neutron-ovn-agent cinder-volume; do
    [[ -n ${T_HEALTHY[$c]:-} ]] && printf '    %-18s %4ss%s\n' "$c" "${T_HEALTHY[$c]}" "${T_RERUN[$c]:+   (re-created: ${T_RERUN[$c]}s)}"
done

step "summary: $pass checks passed, $failures failed"
((failures == 0))
