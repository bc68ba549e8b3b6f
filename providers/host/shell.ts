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
