// A tiny local image for tests that need to run a container (no registry here): busybox from
// the host's busybox-static package, imported once under a test-only name.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";

export const TEST_IMAGE = "localhost/hotstack-test-busybox:latest";

export function ensureTestImage(): string {
    if (childProcess.spawnSync("podman", ["image", "exists", TEST_IMAGE]).status === 0) return TEST_IMAGE;
    if (!fs.existsSync("/bin/busybox")) throw new Error("busybox-static is not installed (apt-get install busybox-static)");
    childProcess.execSync([
        "set -e",
        "d=$(mktemp -d)",
        "trap 'rm -rf \"$d\"' EXIT",
        'mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/run/secrets"',
        'cp /bin/busybox "$d/bin/busybox"',
        'for a in sh cat echo ls sleep id true; do ln -s busybox "$d/bin/$a"; done',
        'echo "root:x:0:0:root:/:/bin/sh" > "$d/etc/passwd"; echo "root:x:0:" > "$d/etc/group"',
        `tar -C "$d" -c . | podman import --change CMD=/bin/sh - ${TEST_IMAGE} >/dev/null`,
    ].join("\n"), { shell: "/bin/bash", stdio: ["ignore", "pipe", "pipe"] });
    return TEST_IMAGE;
}
