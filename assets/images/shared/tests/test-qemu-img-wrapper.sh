#!/bin/bash
# Build-time test of the qemu-img wrapper: qcow2, raw and a
# qcow2 overlay (backing file + backing format) created through the wrapper
# must end up with mode 664 and still be readable by `qemu-img info`.
set -euo pipefail

WRAPPER=${1:-/usr/local/bin/qemu-img}
fail() { echo "test-qemu-img-wrapper: FAIL: $*" >&2; exit 1; }

[[ -x $WRAPPER ]] || fail "$WRAPPER is not executable"
[[ $(command -v qemu-img) == "$WRAPPER" ]] || fail "qemu-img in PATH is $(command -v qemu-img), not $WRAPPER"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 0022

"$WRAPPER" create -q -f qcow2 "$tmp/disk.qcow2" 1G
"$WRAPPER" create -q -f raw "$tmp/disk.raw" 1G
"$WRAPPER" create -q -f qcow2 -b "$tmp/disk.qcow2" -F qcow2 "$tmp/overlay.qcow2" 1G
# options after the filename and -o values must not confuse the parser
"$WRAPPER" create -q -o cluster_size=65536 -f qcow2 "$tmp/opts.qcow2" 1G

for f in disk.qcow2 disk.raw overlay.qcow2 opts.qcow2; do
    mode=$(stat -c %a "$tmp/$f")
    [[ $mode == 664 ]] || fail "$f has mode $mode, expected 664"
    /usr/bin/qemu-img info "$tmp/$f" >/dev/null || fail "qemu-img info $f failed"
done
/usr/bin/qemu-img info "$tmp/overlay.qcow2" | grep -q "backing file: $tmp/disk.qcow2" ||
    fail "overlay lost its backing file"

# a failing create keeps the real exit code
if "$WRAPPER" create -q -f qcow2 "$tmp/nodir/x.qcow2" 1G 2>/dev/null; then
    fail "create into a missing directory succeeded"
fi
# non-create sub-commands are untouched
"$WRAPPER" info "$tmp/disk.raw" >/dev/null
chmod 0644 "$tmp/disk.raw"
"$WRAPPER" info "$tmp/disk.raw" >/dev/null
[[ $(stat -c %a "$tmp/disk.raw") == 644 ]] || fail "info changed the file mode"

echo "test-qemu-img-wrapper: OK (qcow2, raw, overlay, -o: mode 664; exit codes preserved)"
