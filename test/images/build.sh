#!/bin/bash
# Build the hotstack-os images with host podman, the way the deploy tool does:
# context assets/images/, -f <image>/Containerfile, parents passed by image ID.
#
#   base -> infra
#        -> ovn
#        -> openstack -> keystone, placement, glance, nova, neutron, cinder, heat, dashboard
#        -> wrappers-test (test/images/wrappers-test: wrapper proof image, optional)
# The openstack layer installs the packages of the whole cloud's OpenStack services (their
# descriptors' layerPackages, as the program passes them: needs the repository's npm ci).
#
# Usage: test/images/build.sh [image...]     (default: all twelve images, in that order)
# Env:   HSIMG_TAG_PREFIX   tag prefix       (default localhost/hsimgtest-, tag :latest)
#        BASE_IMAGE         FROM of base     (default docker.io/library/debian:trixie-slim)
#        HSIMG_LOG_DIR      build logs       (default /var/tmp/hotstack-images-dev/logs)
#        HSIMG_KVM_GID      KVM_GID of openstack and nova (default: GID of this host's kvm group)
#        HSIMG_NO_CACHE=1   build without layer cache
# Images not being built but needed as parents are taken from their tag.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ctx=$(cd "$here/../../assets/images" && pwd)
prefix=${HSIMG_TAG_PREFIX:-localhost/hsimgtest-}
logdir=${HSIMG_LOG_DIR:-/var/tmp/hotstack-images-dev/logs}
base_image=${BASE_IMAGE:-docker.io/library/debian:trixie-slim}
mkdir -p "$logdir"

images=("$@")
((${#images[@]})) || images=(base infra ovn openstack keystone placement dashboard glance nova neutron cinder heat)

declare -A parent=([base]="" [infra]=base [ovn]=base [openstack]=base [wrappers-test]=base)
declare -A parent_arg=([infra]=HOTSTACK_BASE [ovn]=HOTSTACK_BASE [openstack]=HOTSTACK_BASE [wrappers-test]=HOTSTACK_BASE)
for img in keystone placement dashboard glance nova neutron cinder heat; do
    parent[$img]=openstack
    parent_arg[$img]=HOTSTACK_OPENSTACK
done
# The openstack layer's packages: what the program passes for the default (full) cloud.
layer() {
    (cd "$here/../.." && node -r ts-node/register/transpile-only -e '
        const { parseConfig } = require("./components/config");
        const { serviceContext } = require("./components/services/context");
        const { serviceSpecs } = require("./components/services/index");
        const { openstackLayer } = require("./components/services/catalogue");
        const l = openstackLayer(serviceSpecs(serviceContext(parseConfig({}))).map((s) => s.name));
        console.log(l[process.argv[1]].join(" "));' "$1")
}
kvm_gid=${HSIMG_KVM_GID:-$(getent group kvm | cut -d: -f3)}
declare -A id secs

image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
human() { numfmt --to=iec --suffix=B --format='%.1f' "$1"; }

build_one() {
    local img=$1 file ctxdir args=() p pid start end iid
    if [[ $img == wrappers-test ]]; then
        file=$here/wrappers-test/Containerfile ctxdir=$here/wrappers-test
    else
        file=$ctx/$img/Containerfile ctxdir=$ctx
    fi
    [[ -f $file ]] || { echo "no Containerfile for $img ($file)" >&2; exit 1; }
    p=${parent[$img]:-}
    if [[ -n $p ]]; then
        pid=${id[$p]:-$(image_id "$prefix$p:latest")}
        [[ -n $pid ]] || { echo "parent image $p of $img not built (tag $prefix$p:latest missing)" >&2; exit 1; }
        args+=(--build-arg "${parent_arg[$img]}=$pid")
    else
        args+=(--build-arg "BASE_IMAGE=$base_image")
    fi
    if [[ $img == nova || $img == openstack ]]; then
        [[ $kvm_gid =~ ^[0-9]+$ ]] || { echo "$img needs KVM_GID: no kvm group on this host, set HSIMG_KVM_GID" >&2; exit 1; }
        args+=(--build-arg "KVM_GID=$kvm_gid")
    fi
    [[ $img != openstack ]] || args+=(--build-arg "OPENSTACK_PACKAGES=$(layer packages)" --build-arg "OPENSTACK_DEBS=$(layer debs)")
    [[ ${HSIMG_NO_CACHE:-0} == 1 ]] && args+=(--no-cache)
    echo "==> building $img (log: $logdir/$img.log)${p:+, $p=${pid:0:12}}"
    start=$(date +%s)
    if ! podman build --pull=never --layers "${args[@]}" \
        --iidfile "$logdir/$img.iid" -t "$prefix$img:latest" \
        -f "$file" "$ctxdir" >"$logdir/$img.log" 2>&1; then
        echo "!! build of $img failed; last lines of $logdir/$img.log:" >&2
        tail -n 40 "$logdir/$img.log" >&2
        exit 1
    fi
    end=$(date +%s)
    iid=$(<"$logdir/$img.iid")
    iid=${iid#sha256:}
    id[$img]=$iid
    secs[$img]=$((end - start))
}

t_all=$(date +%s)
for img in "${images[@]}"; do
    build_one "$img"
    echo "    done in ${secs[$img]}s"
done

echo
printf '%-18s %-14s %8s %10s %10s  %s\n' IMAGE ID BUILD_S SIZE ADDED TAG
for img in "${images[@]}"; do
    size=$(podman image inspect --format '{{.Size}}' "${id[$img]}")
    p=${parent[$img]:-}
    if [[ -n $p ]]; then
        psize=$(podman image inspect --format '{{.Size}}' "$(image_id "${id[$p]:-$prefix$p:latest}")")
    else
        psize=$(podman image inspect --format '{{.Size}}' "$base_image")
    fi
    printf '%-18s %-14s %8s %10s %10s  %s\n' "$img" "${id[$img]:0:12}" "${secs[$img]}" \
        "$(human "$size")" "+$(human $((size - psize)))" "$prefix$img:latest"
done
echo "total build time: $(($(date +%s) - t_all))s${kvm_gid:+ (nova KVM_GID=$kvm_gid)}"
