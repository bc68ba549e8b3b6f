#!/bin/bash
# Runtime proof of the wrappers in the throwaway image built by
#   test/images/build.sh base wrappers-test
# (the build itself already ran the build-time tests). Here, in a privileged
# container without network:
#   * `mount -t nfs <fake share> <dir>` goes util-linux -> /sbin/mount.nfs
#     (wrapper) -> bind mount of LOCAL_PATH; files written through the mount
#     land in LOCAL_PATH; plain `umount` removes it;
#   * a non-matching share reaches the real mount.nfs (fails: no network);
#   * qemu-img create via PATH gives 0664 files under umask 022.
set -euo pipefail
img=${HSIMG_TAG_PREFIX:-localhost/hsimgtest-}wrappers-test:latest
name=hsimgtest-wrappers
trap 'podman rm -f "$name" >/dev/null 2>&1 || true' EXIT
podman rm -f "$name" >/dev/null 2>&1 || true

podman run --rm --pull=never --name "$name" --network none --privileged --entrypoint bash "$img" -c '
set -euo pipefail
share=hotstack-os.fakenfs.local:/var/lib/hotstack-os/cinder-nfs
mkdir -p /var/lib/hotstack-os/cinder-nfs /var/lib/cinder/mnt/abc /etc/hotstack
cat >/etc/hotstack/mount-wrapper.conf <<CONF
NFS_SHARE=$share
LOCAL_PATH=/var/lib/hotstack-os/cinder-nfs
CONF
echo "mount.nfs resolves to: $(readlink -f /sbin/mount.nfs) ($(head -c 11 /sbin/mount.nfs | tr -d "\n"))"
dpkg-divert --list /usr/sbin/mount.nfs
mount -t nfs -o vers=4.2,nolock "$share" /var/lib/cinder/mnt/abc
findmnt -n -o TARGET,SOURCE,FSTYPE /var/lib/cinder/mnt/abc
umask 0022
qemu-img create -q -f raw /var/lib/cinder/mnt/abc/volume-1 1G
ls -l /var/lib/hotstack-os/cinder-nfs/volume-1
[ "$(stat -c %a /var/lib/hotstack-os/cinder-nfs/volume-1)" = 664 ]
umount /var/lib/cinder/mnt/abc
! findmnt /var/lib/cinder/mnt/abc >/dev/null
echo "unmounted with plain umount"
rc=0; out=$(timeout 20 mount -t nfs -o vers=4.2,nolock,retry=0,timeo=10 otherhost.invalid:/export /var/lib/cinder/mnt/abc 2>&1) || rc=$?
echo "non-matching share -> real mount.nfs, rc=$rc: $out"
[ $rc -ne 0 ]
echo "WRAPPERS RUNTIME OK"
'
