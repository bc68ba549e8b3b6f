#!/bin/bash
# Build-time test of the mount.nfs wrapper. Needs no
# privileges: the decision logic is exercised with a stand-in for
# /usr/bin/mount and for the real mount.nfs.
set -euo pipefail

WRAPPER=/usr/sbin/mount.nfs
REAL=/usr/sbin/mount.nfs.real
fail() { echo "test-mount-nfs-wrapper: FAIL: $*" >&2; exit 1; }

[[ -x $WRAPPER ]] || fail "$WRAPPER is not executable"
[[ -x $REAL ]] || fail "$REAL is not executable"
head -c 2 "$WRAPPER" | grep -q '#!' || fail "$WRAPPER is not the wrapper script"
[[ -x /sbin/mount.nfs ]] || fail "/sbin/mount.nfs does not resolve"
dpkg-divert --list /usr/sbin/mount.nfs | grep -q mount.nfs.real || fail "no dpkg diversion for mount.nfs"

# 1. no arguments -> real binary's usage text
out=$("$WRAPPER" 2>&1 || true)
grep -q 'mount.nfs' <<<"$out" || fail "usage text does not mention mount.nfs: $out"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/mount" <<'EOF'
#!/bin/sh
echo "MOUNT $*" >>"$LOG"
EOF
cat >"$tmp/real" <<'EOF'
#!/bin/bash
echo "REAL $*" >>"$LOG"
EOF
chmod +x "$tmp/mount" "$tmp/real"
export LOG=$tmp/log HOTSTACK_MOUNT_BIN=$tmp/mount HOTSTACK_MOUNT_NFS_REAL=$tmp/real
export HOTSTACK_MOUNT_WRAPPER_CONF=$tmp/conf
share=hotstack-os.fakenfs.local:/var/lib/hotstack-os/cinder-nfs

run() { : >"$LOG"; "$@" || true; cat "$LOG"; }

# 2. missing config -> pass-through
r=$(run "$WRAPPER" "$share" /mnt/x -o vers=4.2)
[[ $r == "REAL $share /mnt/x -o vers=4.2" ]] || fail "missing config: got '$r'"

cat >"$tmp/conf" <<EOF
# fake NFS share served from a local directory
NFS_SHARE="$share"
 LOCAL_PATH = /var/lib/hotstack-os/cinder-nfs
EOF
# 3. matching share -> bind mount, options ignored
r=$(run "$WRAPPER" "$share" /var/lib/cinder/mnt/abc -o vers=4.2,nolock 2>/dev/null)
[[ $r == "MOUNT --bind /var/lib/hotstack-os/cinder-nfs /var/lib/cinder/mnt/abc" ]] || fail "matching share: got '$r'"
# 4. other share (prefix/suffix of the fake one) -> pass-through
r=$(run "$WRAPPER" "$share/sub" /mnt/x)
[[ $r == "REAL $share/sub /mnt/x" ]] || fail "other share: got '$r'"
r=$(run "$WRAPPER" server:/export /mnt/x -o ro)
[[ $r == "REAL server:/export /mnt/x -o ro" ]] || fail "real share: got '$r'"
# 5. fewer than two arguments -> pass-through
r=$(run "$WRAPPER" "$share")
[[ $r == "REAL $share" ]] || fail "one argument: got '$r'"
# 6. called through a symlink as umount.nfs / mount.nfs4 -> pass-through, and
#    the real binary sees that program name (its usage text shows it)
ln -s "$WRAPPER" "$tmp/umount.nfs"
r=$(run "$tmp/umount.nfs" "$share" /mnt/x)
[[ $r == "REAL $share /mnt/x" ]] || fail "umount.nfs: got '$r'"
out=$(HOTSTACK_MOUNT_NFS_REAL=$REAL "$tmp/umount.nfs" 2>&1 || true)
grep -q 'umount.nfs' <<<"$out" || fail "real binary did not see the name umount.nfs: $out"
ln -s "$WRAPPER" "$tmp/mount.nfs4"
out=$(HOTSTACK_MOUNT_NFS_REAL=$REAL "$tmp/mount.nfs4" 2>&1 || true)
grep -q 'mount.nfs4' <<<"$out" || fail "real binary did not see the name mount.nfs4: $out"
# 7. incomplete config -> pass-through
echo "NFS_SHARE=$share" >"$tmp/conf"
r=$(run "$WRAPPER" "$share" /mnt/x)
[[ $r == "REAL $share /mnt/x" ]] || fail "incomplete config: got '$r'"

echo "test-mount-nfs-wrapper: OK (usage, pass-through, interception, umount name kept)"
