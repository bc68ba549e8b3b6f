// The shell steps a careful operator takes with a systemd unit, shared by SystemdUnit and
// ContainerService (whose Quadlet file systemd's generator turns into a unit): write the unit
// file only when it differs, reload, start or restart, wait until it is active, and show the
// unit's journal when it is not. The fragments join into one script per operation and share
// these shell names, set by unitScope() (and `f` by the caller):
//   SC       the systemctl to use: "systemctl", or userSystemctl() for a user's manager
//   n        the unit name
//   f        the unit file (for Quadlet: the .container file the generator reads)
//   UNIT_DIR where unit files of this scope live; OWNER, who owns them ("user:group")
//   MANAGER  1 when the scope's systemd manager runs (always, for "system")
//   journal  a function printing the unit's journal tail
import { writeFileScript } from "./files";
import { sh } from "./shell";

export interface UnitScope {
    scope: "system" | "user";
    /** For scope "user": whose manager runs the unit. */
    user?: string;
    /** The unit's name, e.g. "hotstack-os-keystone.service". */
    name: string;
}

export interface ScopeOptions {
    /**
     * "wait" (create, update): a user's manager must run; wait for it, bounded, and fail if it
     * does not come (or the user does not exist). "probe" (read, delete): never fail for their
     * absence: a missing user prints "user=absent" and ends the script; MANAGER says whether
     * the manager runs, so the caller does what is possible without it.
     */
    manager: "wait" | "probe";
    /** Where the unit files go, default /etc/systemd/system (system scope). */
    unitDir?: string;
    /** Journal lines shown on failure, default 40. */
    journalLines?: number;
    /** Only the messages, without timestamps and process names (a container's own output). */
    plainJournal?: boolean;
}

/**
 * systemctl for the manager of `user`, as that user through its runtime directory; `user` and
 * `uid` are shell words (e.g. "$u" and "$uid": an account name never needs quoting).
 * Not `systemctl --user -M user@`: that goes through the system bus and a transient unit of
 * PID 1, and on systemd 257 stays broken ("Failed to connect to system scope bus via local
 * transport") once the system bus has restarted, as package upgrades do. setpriv rather than
 * runuser: no PAM session (and no journal lines) per call; without the caller's session bus.
 */
export function userSystemctl(user: string, uid: string): string {
    return `setpriv --reuid=${uid} --regid=$(id -g ${user}) --init-groups env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=/run/user/${uid} systemctl --user`;
}

/** The same, for a person to type (shown in hints). */
export function userSystemctlHint(user: string): string {
    return `runuser -u ${user} -- env XDG_RUNTIME_DIR=/run/user/$(id -u ${user}) systemctl --user`;
}

/** Sets SC, n, UNIT_DIR, OWNER, MANAGER and journal() for a unit's scope. */
export function unitScope(u: UnitScope, o: ScopeOptions): string {
    const lines = o.journalLines ?? 40;
    const format = o.plainJournal ? " -o cat" : "";
    // Diagnostics on a path that already fails: the pipe's status is tail's, so a host without
    // journald still reports the failure itself.
    const journal = (match: string) => `journal() { journalctl ${match} -n ${lines} --no-pager${format} 2>&1 | tail -${lines}; }`;
    if (u.scope === "system") {
        return [
            `SC=systemctl; n=${sh(u.name)}; UNIT_DIR=${sh(o.unitDir ?? "/etc/systemd/system")}; OWNER=root:root; MANAGER=1`,
            journal('-u "$n"'),
        ].join("\n");
    }
    const whenAbsent = o.manager === "probe"
        ? "echo user=absent; exit 0"
        : 'echo "user $u does not exist on this host" >&2; exit 1';
    return [
        `u=${sh(u.user!)}; n=${sh(u.name)}`,
        // getent: 2 is "no such user"; anything else but 0 is an error.
        'rc=0; getent passwd "$u" >/dev/null || rc=$?',
        `if [ "$rc" -eq 2 ]; then ${whenAbsent}; fi`,
        '[ "$rc" -eq 0 ] || { echo "getent passwd $u failed (exit $rc)" >&2; exit "$rc"; }',
        'uid=$(id -u "$u"); home=$(getent passwd "$u" | cut -d: -f6)',
        `SC="${userSystemctl("$u", "$uid")}"; UNIT_DIR="$home/.config/systemd/user"; OWNER="$u:$(id -gn "$u")"`,
        journal('"_SYSTEMD_USER_UNIT=$n" "_UID=$uid"'),
        ...(o.manager === "wait"
            ? [
                // The user's manager runs only with lingering (or a login): wait for it, bounded.
                'for i in $(seq 60); do systemctl is-active --quiet "user@$uid.service" && break; sleep 0.5; done',
                'systemctl is-active --quiet "user@$uid.service" || { echo "the systemd manager of $u is not running (is lingering enabled?)" >&2; exit 1; }',
                "MANAGER=1",
            ]
            : ['if systemctl is-active --quiet "user@$uid.service" 2>/dev/null; then MANAGER=1; else MANAGER=0; fi']),
        // A manager just started by lingering may not listen yet: wait for it to answer, bounded.
        'if [ "$MANAGER" = 1 ]; then',
        '  for i in $(seq 30); do timeout 5 $SC show-environment >/dev/null 2>&1 && break; sleep 0.5; done',
        '  timeout 5 $SC show-environment >/dev/null || { echo "the systemd manager of $u does not answer ($SC)" >&2; exit 1; }',
        "fi",
    ].join("\n");
}

/**
 * Writes the unit file "$f" from stdin, atomically, only when its sha256 differs from `sha`;
 * then reloads the manager (when it runs) and runs `afterReload`. Nothing happens (no reload,
 * no restart) when the file is already right.
 */
export function writeUnitScript(sha: string, afterReload: string[] = []): string {
    // writeFileScript quotes a literal path; here the path is in "$f" (the home of a user unit is
    // only known on the host). It runs in a subshell: its EXIT trap removes the temp file.
    const write = writeFileScript("/__UNIT_FILE__", { owner: "root", group: "root", mode: "0644" }).replace("p=/__UNIT_FILE__", 'p="$f"');
    return [
        'install -d -m 0755 -o "${OWNER%%:*}" -g "${OWNER#*:}" "$(dirname "$f")"',
        `if [ ! -f "$f" ] || [ "$(sha256sum < "$f" | cut -d' ' -f1)" != ${sh(sha)} ]; then`,
        `( ${write} )`,
        'chown "$OWNER" "$f"',
        '[ "$MANAGER" = 0 ] || $SC daemon-reload',
        ...afterReload,
        "fi",
    ].join("\n");
}

export interface StartOptions {
    /** Restart a running unit (a content or trigger change) rather than just start it. */
    restart: boolean;
    /** Bound on the start job, in seconds (the unit's own TimeoutStartSec applies besides). */
    timeoutSeconds?: number;
    /**
     * A simple/exec service counts as active as soon as it has forked: one that dies at once
     * shows within a second, and must fail the start rather than pass it. Off for units whose
     * start already proves them up (Quadlet units with a health gate).
     */
    settle?: boolean;
    /** A path the running unit creates (e.g. its socket): wait for it, bounded. */
    waitForPath?: string;
}

/** Starts (or restarts) "$n" and proves it active; a failure carries the journal tail. */
export function startUnitScript(o: StartOptions): string {
    const run = o.timeoutSeconds ? `timeout ${o.timeoutSeconds + 15} $SC $action "$n"` : '$SC $action "$n"';
    const why = o.timeoutSeconds ? `$SC $action failed or timed out after ${o.timeoutSeconds} s` : "$SC $action failed";
    return [
        `action=${o.restart ? "restart" : "start"}`,
        // While a long start runs (a container's health wait), a line every 10 s for progress.
        ...(o.timeoutSeconds
            ? [
                // (it ends with this script whatever happens: an orphan would hold the output open)
                `( t=0; while sleep 10 </dev/null >/dev/null 2>&1 && kill -0 $$ 2>/dev/null; do t=$((t + 10)); echo "PROGRESS waiting for $n to become active and healthy ($t s of at most ${o.timeoutSeconds} s)" >&2; done ) & ticker=$!`,
                // (`|| :`: under set -e a failing command in the trap, e.g. killing a ticker that already ended, sets the exit status)
                "trap 'kill \"$ticker\" 2>/dev/null || :' EXIT",
            ]
            : []),
        `if ! ${run}; then ${o.timeoutSeconds ? 'kill "$ticker" 2>/dev/null; ' : ""}echo "$n did not start (${why}); journal:" >&2; journal >&2; exit 1; fi`,
        ...(o.timeoutSeconds ? ['kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || :'] : []),
        // Type=notify/oneshot units are active once start returns; give others a moment to settle.
        'for i in $(seq 20); do [ "$($SC is-active "$n")" = activating ] || break; sleep 0.5; done',
        ...(o.settle ? ['[ "$($SC show -p Type --value "$n")" = oneshot ] || for i in 1 2 3 4 5; do $SC is-active --quiet "$n" || break; sleep 0.2; done'] : []),
        '$SC is-active --quiet "$n" || { echo "$n is $($SC is-active "$n") after start; journal:" >&2; journal >&2; exit 1; }',
        ...(o.waitForPath
            ? [
                `w=${sh(o.waitForPath)}; for i in $(seq 100); do [ -e "$w" ] && break; sleep 0.1; done`,
                '[ -e "$w" ] || { echo "$n is active but $w did not appear within 10 s; journal:" >&2; journal >&2; exit 1; }',
            ]
            : []),
    ].join("\n");
}

/** Stops "$n" when it runs; a unit that is not loaded or already stopped is left alone. */
export function stopUnitScript(): string {
    return 'case "$($SC show -p ActiveState --value "$n" 2>/dev/null)" in active|activating|deactivating|reloading|refreshing) $SC stop "$n" ;; esac';
}
