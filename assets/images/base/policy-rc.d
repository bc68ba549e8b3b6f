#!/bin/sh
# hotstack-os images: services are started by the container entrypoint only,
# never by package maintainer scripts (invoke-rc.d / deb-systemd-invoke).
exit 101
