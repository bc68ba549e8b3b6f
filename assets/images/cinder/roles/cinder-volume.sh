# shellcheck shell=bash
# Role "cinder-volume" (cinder image): volume service with the NFS driver.
# Runs with Network=host, privileged, as root, HostName=cinder-volume (stable
# service host "cinder-volume@nfs" unless [DEFAULT] host is set).
#
# The NFS driver mounts each share of nfs_shares with
# `mount -t nfs -o <nfs_mount_options> <share> <nfs_mount_point_base>/<hash>`
# (through cinder-rootwrap). The image's /usr/sbin/mount.nfs is the hotstack
# wrapper: the share named NFS_SHARE in /etc/hotstack/mount-wrapper.conf is
# bind-mounted from LOCAL_PATH instead (no NFS server), other shares go to
# the real mount.nfs. qemu-img is wrapped too (created files mode 0664).
#
# Start:
#   1. wait for the database of cinder.conf (fatal), up to 120 s for the API
#      CINDER_API_URL (not fatal);
#   2. CINDER_NFS_SHARES (default /etc/cinder/nfs_shares) must exist and list
#      a share (exit 1 otherwise);
#   3. mount-wrapper.conf check: if present, LOCAL_PATH must be a directory in
#      the container (exit 1 otherwise); a warning if its NFS_SHARE is not
#      listed in nfs_shares (then no interception happens) or if the file is
#      missing (real NFS);
#   4. exec cinder-volume.
# Health: cinder-volume process running and holding an AMQP connection.

. "$HOTSTACK_LIB/openstack.sh"

: "${CINDER_CONFIG:=/etc/cinder/cinder.conf}"
: "${CINDER_API_URL:?set by its unit (components/services/cinder.ts)}"
: "${CINDER_NFS_SHARES:=/etc/cinder/nfs_shares}"

role_start() {
    hs_os_require_config "$CINDER_CONFIG"
    [[ -f $CINDER_NFS_SHARES ]] || hs_die "$CINDER_NFS_SHARES is missing (mount it, e.g. at /etc/hotstack/templates$CINDER_NFS_SHARES)"
    sed -e 's/#.*//' "$CINDER_NFS_SHARES" | grep -q '[^[:space:]]' || hs_die "$CINDER_NFS_SHARES lists no share"
    hs_os_mount_wrapper_check "${HOTSTACK_MOUNT_WRAPPER_CONF:-/etc/hotstack/mount-wrapper.conf}" "$CINDER_NFS_SHARES" ||
        hs_die "mount.nfs wrapper configuration unusable"
    install -d -m 0755 /var/lib/cinder /var/lib/cinder/mnt /var/lock/cinder

    hs_os_wait_db "$CINDER_CONFIG" || hs_die "database not reachable"
    hs_os_wait_http_soft "$CINDER_API_URL" 60 2
    hs_info "starting cinder-volume"
    exec cinder-volume --config-file "$CINDER_CONFIG" "$@"
}

role_health() {
    hs_os_health_proc cinder-volume && hs_os_health_amqp
}
