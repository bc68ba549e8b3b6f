// Shell quoting. Every command reaches the host as one POSIX sh script, locally and over SSH,
// so the same quoting serves both.

/** Quotes one word for POSIX sh. */
export function sh(word: string | number): string {
    const s = String(word);
    if (s !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
    return "'" + s.replace(/'/g, "'\\''") + "'";
}

/** Joins argv into a command line with every word quoted. */
export function command(argv: (string | number)[]): string {
    return argv.map(sh).join(" ");
}

/** Everything a script may rely on, whatever the login environment of the host. */
export const PRELUDE = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; LC_ALL=C; export PATH LC_ALL; umask 022\n";

/**
 * A probe for an object (`podman network exists`, `getent passwd`, `ovs-vsctl br-exists`) whose
 * exit status `absent` means "not there": then the script ends quietly (exit 0, after `onAbsent`).
 * Any other failure ends it with that status, so a broken tool (database down, permission
 * denied) is reported as an error and never mistaken for an absent object.
 */
export function exitIfAbsent(probe: string, absent: number, onAbsent = ""): string {
    return [
        `rc=0; ${probe} || rc=$?`,
        `if [ "$rc" -eq ${absent} ]; then ${onAbsent ? `${onAbsent}; ` : ""}exit 0; fi`,
        `[ "$rc" -eq 0 ] || { echo "failed (exit $rc): "${sh(probe)} >&2; exit "$rc"; }`,
    ].join("\n");
}
