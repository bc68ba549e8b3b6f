#!/usr/bin/env bash
# Unit test of assets/guest/udhcpc.script (the guest's DHCP event script) with
# busybox ip, in a private network + UTS namespace on a tap device: router
# only, option 121 (classless static routes) as OVN sends it for metadata,
# option 121 without a default route, on-link routes, MTU (option 26).
# qemu's user-mode DHCP (test/guest/boot-guest.sh) sends neither 121 nor 26.
#
# usage: test/guest/udhcpc-script.sh      (root; needs unshare, busybox)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT=$HERE/../../assets/guest/udhcpc.script

if [ -z "${IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "udhcpc-script: needs root (unshare -n)" >&2; exit 1; }
	command -v busybox >/dev/null || { echo "udhcpc-script: missing tool 'busybox': apt-get install -y busybox-static" >&2; exit 1; }
	command -v ip >/dev/null || { echo "udhcpc-script: missing tool 'ip': apt-get install -y iproute2" >&2; exit 1; }
	command -v unshare >/dev/null || { echo "udhcpc-script: missing tool 'unshare': apt-get install -y util-linux" >&2; exit 1; }
	exec env IN_NS=1 unshare -n -u "$0" "$@"
fi

ip tuntap add tap0 mode tap # iproute2: busybox ip has no tuntap
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin"
for a in ip grep cat hostname sh; do ln -s "$(command -v busybox)" "$T/bin/$a"; done
export PATH=$T/bin:$PATH HOTSTACK_NET_ENV=$T/net.env HOTSTACK_RESOLV=$T/resolv.conf

pass=0
failed=0
check() { # check NAME EXPECTED-REGEX TEXT
	if grep -qE "$2" <<<"$3"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $1: /$2/ not in:"
		echo "$3" | sed 's/^/    /'
	fi
}
check_not() { # check_not NAME UNEXPECTED-REGEX TEXT
	if grep -qE "$2" <<<"$3"; then
		failed=$((failed + 1))
		echo "FAIL: $1: /$2/ in:"
		echo "$3" | sed 's/^/    /'
	else
		pass=$((pass + 1))
	fi
}
lease() { # lease EVENT VAR=VALUE...: run the script with a fresh lease environment
	env -i PATH="$PATH" HOTSTACK_NET_ENV="$HOTSTACK_NET_ENV" HOTSTACK_RESOLV="$HOTSTACK_RESOLV" \
		interface=tap0 ip=10.9.0.5 mask=24 "${@:2}" sh "$SCRIPT" "$1" >"$T/out" 2>&1
}
reset() { busybox ip -4 addr flush dev tap0; busybox ip route flush dev tap0 2>/dev/null || true; }

# 1. plain lease: router, dns, domain, mtu
lease deconfig
lease bound router="10.9.0.1 10.9.0.254" dns="10.9.0.3 10.9.0.4" domain=example.test mtu=1442 hostname=fromdhcp
routes=$(busybox ip route)
check "router: default route via the first router" '^default via 10\.9\.0\.1 dev tap0' "$routes"
check "router: address" 'inet 10\.9\.0\.5/24' "$(busybox ip -4 addr show dev tap0)"
check "mtu 26" 'mtu 1442' "$(busybox ip link show tap0)"
check "resolv.conf" '^search example\.test$' "$(cat "$T/resolv.conf")"
check "resolv.conf" '^nameserver 10\.9\.0\.4$' "$(cat "$T/resolv.conf")"
check "dhcp hostname" '^fromdhcp$' "$(hostname)"
check "env file" "^NET_ROUTES='default>10\.9\.0\.1'$" "$(cat "$T/net.env")"
check "log line" '^hotstack-guest: dhcp: bound tap0 ip=10\.9\.0\.5/24 mtu=1442' "$(cat "$T/out")"

# 2. OVN: option 121 with the metadata route and the default route; option 3 ignored
reset
lease bound router=10.9.0.1 staticroutes="169.254.169.254/32 10.9.0.2 0.0.0.0/0 10.9.0.254"
routes=$(busybox ip route)
check "121: metadata route" '^169\.254\.169\.254 via 10\.9\.0\.2 dev tap0' "$routes"
check "121: default from 121, not option 3" '^default via 10\.9\.0\.254 dev tap0' "$routes"
check_not "121: option 3 not used" 'via 10\.9\.0\.1 ' "$routes"

# 3. option 121 without a default route: default via option 3 all the same
reset
lease bound router=10.9.0.1 staticroutes="169.254.169.254/32 10.9.0.2 192.168.77.0/24 0.0.0.0"
routes=$(busybox ip route)
check "121 w/o default: metadata route" '^169\.254\.169\.254 via 10\.9\.0\.2 dev tap0' "$routes"
check "121 w/o default: on-link route" '^192\.168\.77\.0/24 dev tap0' "$routes"
check "121 w/o default: default via router" '^default via 10\.9\.0\.1 dev tap0' "$routes"

# 4. renew with the same address keeps it; nonsense MTU is ignored
lease renew router=10.9.0.1 mtu=200
check "renew: address kept" 'inet 10\.9\.0\.5/24' "$(busybox ip -4 addr show dev tap0)"
check "renew: mtu < 576 ignored" 'mtu 1442' "$(busybox ip link show tap0)"

# 5. deconfig drops the address
lease deconfig
check "deconfig: no address" '^$' "$(busybox ip -4 addr show dev tap0 | grep inet || true)"

echo "udhcpc-script: $pass passed, $failed failed"
[ "$failed" = 0 ]
