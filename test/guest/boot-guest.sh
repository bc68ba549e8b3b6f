#!/usr/bin/env bash
# Boot the hotstack-guest image under qemu TCG on this machine and prove it:
# console "ready" line, SSH as cirros with a throwaway key served by an emulated
# metadata service, second disk visible, hostname from metadata, VLAN
# subinterface, ACPI power button. Prints one line:
#   guest_boot_s=<s to ready> guest_ssh_s=<s to first ssh> image_mb=<MiB>
#
# usage: test/guest/boot-guest.sh [IMAGE.raw|IMAGE.qcow2]
#   without IMAGE it builds one with assets/guest/build.sh into a temp dir.
# env: GUEST_CPU=<qemu -cpu model> (default: qemu's default, qemu64 under TCG)
#      GUEST_MEM=<MiB> (default 256)  GUEST_NIC=<qemu NIC model> (default virtio-net-pci)
#      GUEST_KEY_TYPE=<ssh-keygen -t> (default ed25519; rsa = a nova-generated keypair)
#      GUEST_TIMEOUT=<s to wait for ready> (default 120)
#
# Network: qemu user-mode (slirp), restrict=on (the guest reaches nothing but
# the forwards below), on 169.254.0.0/16 because slirp only forwards guest
# addresses inside its own network: 169.254.169.254:80 goes, per connection,
# through `cmd:` (a small relay) to python3 -m http.server on 127.0.0.1. (A
# guestfwd to a tcp: chardev is connected once at qemu start and serves a
# single connection, useless for HTTP.) The metadata route is thus on-link
# here; the DHCP option 121 path is tested by test/guest/udhcpc-script.sh.
#
# Needs: qemu-system-x86 qemu-utils openssh-client python3 (+ build.sh's tools).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TIMEOUT=${GUEST_TIMEOUT:-120}

fail() { echo "boot-guest: FAIL: $*" >&2; exit 1; }
say() { echo "boot-guest: $*"; }
for t in qemu-system-x86_64:qemu-system-x86 ssh:openssh-client ssh-keygen:openssh-client python3:python3; do
	command -v "${t%%:*}" >/dev/null 2>&1 || fail "missing tool '${t%%:*}': apt-get install -y ${t#*:}"
done
PY=$(command -v python3)

D=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-guest-boot.XXXXXX")
QEMU_PID=
HTTP_PID=
cleanup() {
	rc=$?
	set +e
	if [ -n "$QEMU_PID" ]; then kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; fi
	if [ -n "$HTTP_PID" ]; then kill "$HTTP_PID" 2>/dev/null; wait "$HTTP_PID" 2>/dev/null; fi
	if [ $rc -ne 0 ] && [ -f "$D/serial.log" ]; then
		echo "--- guest console (last 40 lines of $D/serial.log) ---" >&2
		tail -n 40 "$D/serial.log" >&2
		echo "--- qemu ---" >&2
		cat "$D/qemu.log" >&2 2>/dev/null || true
		echo "(kept $D)" >&2
	else
		rm -rf "$D"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- image -------------------------------------------------------------------
if [ $# -ge 1 ]; then
	IMAGE=$1
	[ -f "$IMAGE" ] || fail "no image $IMAGE"
else
	IMAGE=$D/guest.raw
	HOTSTACK_GUEST_QCOW2=0 "$ROOT/assets/guest/build.sh" "$IMAGE" >"$D/build.log" 2>&1 ||
		{ cat "$D/build.log" >&2; fail "build.sh failed"; }
	tail -n 3 "$D/build.log"
fi
case "$IMAGE" in *.qcow2) FMT=qcow2 ;; *) FMT=raw ;; esac
IMAGE_MB=$(awk -v b="$(stat -c %s "$IMAGE")" 'BEGIN { printf "%.1f", b / 1048576 }')

# --- metadata service ----------------------------------------------------------
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP_PORT=$(free_port)
SSH_PORT=$(free_port)
ssh-keygen -q -t "${GUEST_KEY_TYPE:-ed25519}" -N '' -C boot-guest-test -f "$D/id" >/dev/null
KEY_FP=$(ssh-keygen -lf "$D/id.pub" | awk '{print $2}')
KEY_ALG=$(cut -d' ' -f1 "$D/id.pub")
HOST=guest-$RANDOM
MD=$D/md
mkdir -p "$MD/latest/meta-data/public-keys/0" "$MD/openstack/latest"
cp "$D/id.pub" "$MD/latest/meta-data/public-keys/0/openssh-key"
echo "$HOST" >"$MD/latest/meta-data/hostname"
echo "i-$RANDOM" >"$MD/latest/meta-data/instance-id"
printf '#hotstack user-data %s\nsecond line\n' "$HOST" >"$MD/openstack/latest/user_data"
"$PY" -m http.server --bind 127.0.0.1 --directory "$MD" "$HTTP_PORT" >"$D/http.log" 2>&1 &
HTTP_PID=$!

# one connection from the guest -> one relay process -> the http server
cat >"$D/relay.py" <<'EOF'
import os, socket, sys, threading
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.settimeout(None)
def up():
    while True:
        d = os.read(0, 65536)
        if not d:
            break
        s.sendall(d)
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
threading.Thread(target=up, daemon=True).start()
while True:
    d = s.recv(65536)
    if not d:
        break
    os.write(1, d)
EOF
for _ in $(seq 50); do
	"$PY" -c "import socket; socket.create_connection(('127.0.0.1', $HTTP_PORT), timeout=1)" 2>/dev/null && break
	sleep 0.1
done

# --- boot --------------------------------------------------------------------------
truncate -s 64M "$D/disk2.raw"
CPU_ARGS=()
[ -n "${GUEST_CPU:-}" ] && CPU_ARGS=(-cpu "$GUEST_CPU")
T0=$(date +%s.%N)
qemu-system-x86_64 -accel tcg -m "${GUEST_MEM:-256}" -nographic "${CPU_ARGS[@]}" \
	-drive "file=$IMAGE,format=$FMT,if=virtio,snapshot=on" \
	-drive "file=$D/disk2.raw,format=raw,if=virtio" \
	-netdev "user,id=n0,restrict=on,net=169.254.0.0/16,hostfwd=tcp:127.0.0.1:$SSH_PORT-:22,guestfwd=tcp:169.254.169.254:80-cmd:$PY $D/relay.py $HTTP_PORT" \
	-device "${GUEST_NIC:-virtio-net-pci},netdev=n0" \
	-serial "file:$D/serial.log" -monitor "unix:$D/monitor.sock,server=on,wait=off" \
	</dev/null >"$D/qemu.log" 2>&1 &
QEMU_PID=$!
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

BOOT_S=
while :; do
	kill -0 "$QEMU_PID" 2>/dev/null || fail "qemu exited"
	if grep -q '^hotstack-guest: ready' "$D/serial.log" 2>/dev/null; then
		BOOT_S=$(elapsed)
		break
	fi
	awk -v a="$T0" -v b="$(date +%s.%N)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }' &&
		fail "no 'hotstack-guest: ready' on the console after ${TIMEOUT}s"
	sleep 0.2
done
tr -d '\r' <"$D/serial.log" | grep '^hotstack-guest: ' | sed 's/^/  console: /'

SUMMARY=$(tr -d '\r' <"$D/serial.log" | grep '^hotstack-guest: ip=' | tail -n1)
case "$SUMMARY" in *" metadata=ok "*) ;; *) fail "console: metadata not ok: $SUMMARY" ;; esac
case "$SUMMARY" in *" hostname=$HOST "*) ;; *) fail "console: hostname is not $HOST: $SUMMARY" ;; esac
case "$SUMMARY" in *" key=$KEY_ALG:$KEY_FP:"*) ;; *) fail "console: key is not $KEY_FP: $SUMMARY" ;; esac
grep -q "^hotstack-guest: user_data=#hotstack user-data $HOST" "$D/serial.log" || fail "console: no user_data line"
grep -q '^hotstack-guest: ready .*ssh=up' "$D/serial.log" || fail "console: ssh not up"

# --- ssh -------------------------------------------------------------------------
SSH=(ssh -i "$D/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o BatchMode=yes -o ConnectTimeout=5 -p "$SSH_PORT")
SSH_S=
for _ in $(seq 60); do
	if "${SSH[@]}" cirros@127.0.0.1 true 2>"$D/ssh.err"; then
		SSH_S=$(elapsed)
		break
	fi
	sleep 0.5
done
[ -n "$SSH_S" ] || fail "no ssh as cirros: $(cat "$D/ssh.err")"

OUT=$("${SSH[@]}" cirros@127.0.0.1 'cat /proc/partitions; hostname') || fail "ssh command failed"
echo "$OUT" | sed 's/^/  guest: /'
grep -qw vdb <<<"$OUT" || fail "second disk vdb not in /proc/partitions"
[ "${OUT##*$'\n'}" = "$HOST" ] || fail "hostname is not $HOST"

"${SSH[@]}" cirros@127.0.0.1 'sudo ip link add link eth0 name eth0.100 type vlan id 100 &&
	sudo ip link set eth0.100 up && grep -q "eth0.100 *| 100" /proc/net/vlan/config' ||
	fail "vlan subinterface eth0.100 as cirros (sudo)"
"${SSH[@]}" root@127.0.0.1 true || fail "no ssh as root"

# --- graceful power off (ACPI power button, as nova's stop) -------------------------
"$PY" - "$D/monitor.sock" <<'EOF' || fail "qemu monitor"
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"system_powerdown\n"); time.sleep(0.5); s.close()
EOF
P0=$(date +%s)
while kill -0 "$QEMU_PID" 2>/dev/null; do
	[ $(($(date +%s) - P0)) -lt 30 ] || fail "guest did not power off within 30 s of the ACPI power button"
	sleep 0.2
done
wait "$QEMU_PID" 2>/dev/null || true
QEMU_PID=
say "powered off $(($(date +%s) - P0)) s after the ACPI power button"

echo "guest_boot_s=$BOOT_S guest_ssh_s=$SSH_S image_mb=$IMAGE_MB"
