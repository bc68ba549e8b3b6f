#!/usr/bin/env bash
# Build hotstack-guest: a tiny bootable x86_64 disk image (MBR + syslinux on a
# FAT partition, kernel + busybox/dropbear initramfs) made only from Debian
# packages fetched with `apt-get download`. No root, no mounts, no loop devices.
#
# usage: assets/guest/build.sh OUTPUT.raw
#   writes OUTPUT.raw (sparse raw disk) and, when qemu-img is there,
#   OUTPUT.qcow2 beside it (HOTSTACK_GUEST_QCOW2=0 to skip).
#
# Host tools (Debian packages, `apt-get install -y ...`):
#   apt dpkg        apt-get download, apt-cache, dpkg-deb
#   kmod            depmod (module dependencies of the extracted kernel)
#   cpio gzip       the initramfs
#   dosfstools      mkfs.vfat
#   mtools          mcopy (files into the FAT image; syslinux uses it too)
#   syslinux        syslinux --install on the partition image file
#   fdisk           sfdisk (partition table on the disk image file)
#   coreutils       dd, truncate, sha256sum ...
#   qemu-utils      optional: qemu-img for the .qcow2
# The build host must be x86_64 (the guest's own ld.so lists dropbear's libraries).
#
# Guest packages (downloaded into the cache, never installed):
#   linux-image-amd64 (-> linux-image-<abi>-amd64), busybox-static, dropbear-bin
#   and the libraries it depends on, syslinux-common (mbr.bin).
#
# Environment:
#   HOTSTACK_GUEST_CACHE   .deb cache (default ${XDG_CACHE_HOME:-~/.cache}/hotstack-guest)
#   HOTSTACK_GUEST_KERNEL  kernel package (default: what linux-image-amd64 depends on)
#   HOTSTACK_GUEST_QCOW2   0 = no qcow2
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PATH=$PATH:/usr/sbin:/sbin

die() { echo "build.sh: error: $*" >&2; exit 1; }
say() { echo "build.sh: $*"; }

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 OUTPUT.raw" >&2
	exit 2
fi
OUT=$1
case "$OUT" in
/*) ;;
*) OUT=$PWD/$OUT ;;
esac
mkdir -p "$(dirname "$OUT")"
TMP_OUT=$OUT.tmp.$$ # built beside OUT, renamed into place at the end

# Kernel modules the guest loads (with their dependencies, from modules.dep).
# virtio_pci/net/blk: nova's default devices; virtio_scsi + sd_mod: images with
# hw_disk_bus=scsi; 8021q: VLAN subinterfaces; virtio_rng: hw_rng flavors;
# e1000: hw_vif_model=e1000; button + evdev: the ACPI power button (busybox
# acpid powers off, so a graceful `openstack server stop` is quick).
MODULES="virtio_pci virtio_net virtio_blk virtio_scsi sd_mod 8021q virtio_rng e1000 button evdev"

# --- host tools ---------------------------------------------------------------
need() { # need TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 || die "missing tool '$1': apt-get install -y $2"
}
need apt-get apt
need apt-cache apt
need dpkg-deb dpkg
need depmod kmod
need cpio cpio
need gzip gzip
need mkfs.vfat dosfstools
need mcopy mtools
need syslinux syslinux
need sfdisk fdisk
need dd coreutils
need truncate coreutils
[ "$(uname -m)" = x86_64 ] || die "build host must be x86_64 (it is $(uname -m))"

CACHE=${HOTSTACK_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotstack-guest}
mkdir -p "$CACHE/debs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hotstack-guest.XXXXXX")
trap 'rm -rf "$WORK" "$TMP_OUT" "${TMP_Q:-}"' EXIT

# --- packages -----------------------------------------------------------------
# (apt-cache takes ~1 s a call here: ask it about all packages at once)
pkg_depends() { # direct Depends of PKG... (no virtual packages, first alternative)
	apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances "$@" 2>/dev/null |
		awk '/^ *\|?Depends: [^<]/ { if (!alt) print $2; alt = ($1 ~ /^\|/); next } { alt = 0 }' | sort -u
}

KERNEL_PKG=${HOTSTACK_GUEST_KERNEL:-}
if [ -z "$KERNEL_PKG" ]; then
	KERNEL_PKG=$(pkg_depends linux-image-amd64 | grep '^linux-image-' | head -n1) || true
	[ -n "$KERNEL_PKG" ] || die "cannot resolve linux-image-amd64 to a kernel package (run apt-get update?)"
fi
# dropbear-bin's libraries, and theirs (libtomcrypt1 -> libtommath1 ...)
LIBS1=$(pkg_depends dropbear-bin)
# shellcheck disable=SC2086 # lists of package names
LIBS2=$(pkg_depends $LIBS1 | grep '^lib' || true)
# shellcheck disable=SC2086
PKGS=$(printf '%s\n' "$KERNEL_PKG" busybox-static dropbear-bin $LIBS1 $LIBS2 syslinux-common | awk '!seen[$0]++')

declare -A DEB_OF VERSION_OF ARCH_OF
# shellcheck disable=SC2086
while IFS='|' read -r pkg ver arch; do
	[ -z "${VERSION_OF[$pkg]:-}" ] || continue # first stanza = candidate
	VERSION_OF[$pkg]=$ver
	ARCH_OF[$pkg]=$arch
done < <(apt-cache show --no-all-versions $PKGS 2>/dev/null |
	awk '/^Package: /{p=$2} /^Version: /{v=$2} /^Architecture: /{a=$2} /^$/{ if (p) print p "|" v "|" a; p="" } END { if (p) print p "|" v "|" a }')
for pkg in $PKGS; do
	[ -n "${VERSION_OF[$pkg]:-}" ] || die "package '$pkg' is not known to apt (run apt-get update? is it in your sources?)"
	ver=${VERSION_OF[$pkg]}
	file="$CACHE/debs/${pkg}_${ver//:/%3a}_${ARCH_OF[$pkg]}.deb"
	if [ -s "$file" ]; then
		say "cached  $pkg $ver"
	else
		(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User="$(id -un)" "$pkg=$ver" >"$WORK/apt.log" 2>&1) ||
			{ cat "$WORK/apt.log" >&2; die "apt-get download $pkg=$ver failed"; }
		[ -s "$file" ] || die "apt-get download $pkg=$ver did not produce $file"
		say "fetched $pkg $ver ($(du -k "$file" | cut -f1) KiB)"
	fi
	DEB_OF[$pkg]=$file
done

# --- extract --------------------------------------------------------------------
K=$WORK/kernel
P=$WORK/pkgs
mkdir -p "$K" "$P"
dpkg-deb -x "${DEB_OF[$KERNEL_PKG]}" "$K" || die "cannot extract ${DEB_OF[$KERNEL_PKG]} (delete it from the cache and retry)"
for pkg in "${!DEB_OF[@]}"; do
	[ "$pkg" = "$KERNEL_PKG" ] && continue
	dpkg-deb -x "${DEB_OF[$pkg]}" "$P" || die "cannot extract ${DEB_OF[$pkg]} (delete it from the cache and retry)"
done

VMLINUZ=$(find "$K/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
[ -n "$VMLINUZ" ] || die "no /boot/vmlinuz-* in $KERNEL_PKG"
KVER=${VMLINUZ##*/vmlinuz-}
MODDIR=$K/lib/modules/$KVER
[ -d "$MODDIR" ] || die "no lib/modules/$KVER in $KERNEL_PKG"
# the package has no modules.dep (its postinst runs depmod): make it here
depmod -b "$K" "$KVER" || die "depmod -b on the extracted $KERNEL_PKG failed"

# --- initramfs tree -----------------------------------------------------------
R=$WORK/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc/dropbear,lib/x86_64-linux-gnu,lib64,proc,sys,dev,run,tmp,mnt,root,home/cirros,var/log}
ln -s lib "$R/usr/lib"

install -m 0755 "$P/bin/busybox" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
install -m 0755 "$HERE/init" "$R/init"
install -m 0755 "$HERE/udhcpc.script" "$R/etc/udhcpc.script"
install -m 0755 "$P/usr/sbin/dropbear" "$R/usr/sbin/dropbear"
install -m 0755 "$P/usr/bin/dropbearkey" "$R/usr/bin/dropbearkey"

# dropbear's shared libraries, resolved by the packaged glibc's own loader
# against the extracted packages only (nothing comes from the build host)
LDSO=$P/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
[ -x "$LDSO" ] || die "no ld-linux-x86-64.so.2 in the extracted libc6"
LIBPATH=$P/lib/x86_64-linux-gnu:$P/usr/lib/x86_64-linux-gnu
for bin in "$R/usr/sbin/dropbear" "$R/usr/bin/dropbearkey"; do
	"$LDSO" --library-path "$LIBPATH" --list "$bin" >"$WORK/ldd.out" 2>&1 ||
		{ cat "$WORK/ldd.out" >&2; die "cannot list the libraries of ${bin##*/}"; }
	while read -r soname arrow path _; do
		case "$soname" in linux-vdso.so.* | /lib64/ld-linux-x86-64.so.2) continue ;; esac
		[ "$arrow" = "=>" ] || continue
		[ "$path" != "not" ] || die "${bin##*/} needs $soname: not in the downloaded packages (${!DEB_OF[*]})"
		case "$path" in "$P"/*) ;; *) die "${bin##*/} needs $soname, found only on the build host ($path)" ;; esac
		[ -e "$R/lib/x86_64-linux-gnu/$soname" ] || cp -L "$path" "$R/lib/x86_64-linux-gnu/$soname"
	done <"$WORK/ldd.out"
done
cp -L "$LDSO" "$R/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/lib64/ld-linux-x86-64.so.2"

# kernel modules: each one's dependencies first (modules.dep lists the full
# closure, the last entry is loaded first)
declare -A SEEN
ORDER=()
add_ko() { # add_ko kernel/path/x.ko
	[ -n "${SEEN[$1]:-}" ] && return 0
	SEEN[$1]=1
	ORDER+=("$1")
}
for m in $MODULES; do
	re=${m//[_-]/[_-]} # virtio_rng is virtio-rng.ko
	if grep -qE "/$re\.ko\$" "$MODDIR/modules.builtin"; then
		say "module $m is built into $KVER"
		continue
	fi
	line=$(grep -E "(^|/)$re\.ko:" "$MODDIR/modules.dep" | head -n1) || true
	[ -n "$line" ] || die "kernel module $m not found in $KERNEL_PKG"
	ko=${line%%:*}
	read -r -a deps <<<"${line#*:}"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do add_ko "${deps[$i]}"; done
	add_ko "$ko"
done
KR=$R/lib/modules/$KVER
mkdir -p "$KR"
: >"$KR/load.order"
: >"$KR/modules.dep"
for ko in "${ORDER[@]}"; do
	mkdir -p "$KR/$(dirname "$ko")"
	cp "$MODDIR/$ko" "$KR/$ko"
	echo "$ko" >>"$KR/load.order"
	grep -E "^$ko:" "$MODDIR/modules.dep" >>"$KR/modules.dep"
done
cp "$MODDIR/modules.builtin" "$KR/"

# /etc: root and cirros are both uid 0 (cirros is the smoke test's user and
# runs `sudo`); "*": no password login is possible, keys only.
cat >"$R/etc/passwd" <<'EOF'
root:*:0:0:root:/root:/bin/sh
cirros:*:0:0:cirros:/home/cirros:/bin/sh
EOF
cat >"$R/etc/group" <<'EOF'
root:x:0:
tty:x:5:
EOF
echo /bin/sh >"$R/etc/shells"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' >"$R/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$R/etc/hosts"
cat >"$R/etc/inittab" <<'EOF'
tty1::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
EOF
# busybox acpid: the power button event runs /etc/acpi/PWRF/00000080
mkdir -p "$R/etc/acpi/PWRF"
printf '#!/bin/sh\necho "hotstack-guest: acpi power button: poweroff" >/dev/console\nexec poweroff\n' >"$R/etc/acpi/PWRF/00000080"
chmod 0755 "$R/etc/acpi/PWRF/00000080"
cat >"$R/usr/bin/sudo" <<'EOF'
#!/bin/sh
# hotstack-guest: every login (root, cirros) is uid 0; sudo just runs the command.
while [ $# -gt 0 ]; do
	case "$1" in
	-u | -g | -p | -C | -h) shift 2 ;;
	-i | -s) shift; [ $# -eq 0 ] && exec /bin/sh -l; exec /bin/sh -c "$*" ;;
	--) shift; break ;;
	-*) shift ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: sudo COMMAND" >&2; exit 1; }
exec "$@"
EOF
chmod 0755 "$R/usr/bin/sudo"
RELEASE="$KERNEL_PKG=${VERSION_OF[$KERNEL_PKG]} busybox-static=${VERSION_OF[busybox-static]} dropbear-bin=${VERSION_OF[dropbear-bin]}"
echo "$RELEASE" >"$R/etc/hotstack-guest-release"

INITRD=$WORK/initrd.gz
(cd "$R" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) | gzip -9n >"$INITRD"

# --- FAT partition with syslinux, MBR disk ------------------------------------
MIB=$((1024 * 1024))
content=$(($(stat -c %s "$VMLINUZ") + $(stat -c %s "$INITRD")))
PART_MIB=$(((content + MIB - 1) / MIB + 4)) # 4 MiB of slack for the FS and ldlinux
PART=$WORK/part.img
mkfs.vfat -C -n HOTSTACK -i 484f5453 -h 2048 "$PART" $((PART_MIB * 1024)) >/dev/null ||
	die "mkfs.vfat failed"
export MTOOLS_SKIP_CHECK=1
mcopy -i "$PART" "$VMLINUZ" ::/vmlinuz
mcopy -i "$PART" "$INITRD" ::/initrd.gz
mcopy -i "$PART" "$HERE/syslinux.cfg" ::/syslinux.cfg
syslinux --install "$PART" || die "syslinux --install on the partition image failed"

MBR=$P/usr/lib/syslinux/mbr/mbr.bin
[ -s "$MBR" ] || die "no usr/lib/syslinux/mbr/mbr.bin in syslinux-common"
DISK=$TMP_OUT
truncate -s $(((1 + PART_MIB) * MIB)) "$DISK"
printf 'label: dos\nlabel-id: 0x484f5453\nstart=2048, size=%d, type=e, bootable\n' $((PART_MIB * 2048)) |
	sfdisk --quiet --no-reread --no-tell-kernel "$DISK" >/dev/null || die "sfdisk on the disk image failed"
dd if="$MBR" of="$DISK" bs=440 count=1 conv=notrunc status=none
dd if="$PART" of="$DISK" bs=1M seek=1 conv=notrunc,sparse status=none

mv -f "$DISK" "$OUT"
say "kernel $KVER (${VERSION_OF[$KERNEL_PKG]}), modules: $(sed 's|.*/||; s|\.ko$||' "$KR/load.order" | tr '\n' ' ')"
say "initrd $(($(stat -c %s "$INITRD") / 1024)) KiB, vmlinuz $(($(stat -c %s "$VMLINUZ") / 1024)) KiB"
say "wrote $OUT: $(($(stat -c %s "$OUT") / MIB)) MiB raw ($(du -k "$OUT" | cut -f1) KiB allocated) $RELEASE"

if [ "${HOTSTACK_GUEST_QCOW2:-1}" != 0 ] && command -v qemu-img >/dev/null 2>&1; then
	Q=${OUT%.raw}.qcow2
	[ "$Q" != "$OUT" ] || Q=$OUT.qcow2
	TMP_Q=$Q.tmp.$$
	qemu-img convert -f raw -O qcow2 "$OUT" "$TMP_Q" || die "qemu-img convert to qcow2 failed"
	mv -f "$TMP_Q" "$Q"
	say "wrote $Q: $(($(stat -c %s "$Q") / 1024)) KiB"
fi
