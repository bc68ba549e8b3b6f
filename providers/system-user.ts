// SystemUser: a (system) user with home, shell, supplementary groups and systemd lingering.
// Membership is additive: groups the user already had stay; only groups this resource added
// are ever removed again. A home directory is removed only if this program made it: the ledger
// notes each home that did not exist before (useradd --create-home accepts an existing one).
import * as pulumi from "@pulumi/pulumi";
import { LedgerEntry, claim, readLedger, release, writeLedger } from "./host/ledger";
import { exitIfAbsent, sh } from "./host/shell";
import { Host } from "./host/transport";
import { ACCOUNT_NAME, GONE, checker, defined, diffFields, hostProvider, isUnknown } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface SystemUserArgs extends HostArgs {
    name: pulumi.Input<string>;
    /** A system account (useradd -r), default true. */
    system?: pulumi.Input<boolean>;
    home?: pulumi.Input<string>;
    shell?: pulumi.Input<string>;
    comment?: pulumi.Input<string>;
    /** Supplementary groups the user must be in (they must exist). */
    groups?: pulumi.Input<pulumi.Input<string>[]>;
    /** Keep a systemd user manager running without a login (loginctl enable-linger). */
    linger?: pulumi.Input<boolean>;
}

interface UserProps {
    name: string;
    system: boolean;
    home: string;
    shell: string;
    comment: string;
    groups: string[];
    linger: boolean;
    uid?: number;
    gid?: number;
    adopted?: boolean;
}

interface Observed {
    uid: number;
    gid: number;
    home: string;
    shell: string;
    comment: string;
    groups: string[];
    linger: boolean;
}

const KIND = "user";

/**
 * Ends lingering: through logind, which also stops the user's manager; where logind does not
 * run (a host without systemd), lingering is just its flag file, so that goes.
 */
const DISABLE_LINGER = 'if [ -e "/var/lib/systemd/linger/$u" ]; then loginctl disable-linger "$u" || rm -f "/var/lib/systemd/linger/$u"; fi';

/** How a home this program made is noted in the ledger entry's `made`. */
const MADE_HOME = "home:";

/** What an adopted user looked like before (the ledger's `original`). */
interface Original {
    groups: string[];
    linger: boolean;
    home: string;
    shell: string;
    comment: string;
}

/**
 * Notes in the ledger, before anything makes it, that `home` does not exist yet, so delete
 * removes it later. A home that already exists is left out: it is not ours, whoever owns it.
 */
async function noteHome(host: Host, entry: LedgerEntry, home: string): Promise<LedgerEntry> {
    const made = entry.made ?? [];
    if (made.includes(MADE_HOME + home)) return entry;
    const r = await host.run(`if [ -e ${sh(home)} ] || [ -L ${sh(home)} ]; then echo exists; fi`, { what: `check home ${home}` });
    if (r.stdout.trim() === "exists") return entry;
    const noted = { ...entry, made: [...made, MADE_HOME + home] };
    await writeLedger(host, noted);
    return noted;
}

/** The homes the ledger says this program made (undefined: an entry from before homes were noted). */
function madeHomes(entry: LedgerEntry | undefined): string[] | undefined {
    return entry?.made?.filter((m) => m.startsWith(MADE_HOME)).map((m) => m.slice(MADE_HOME.length));
}

/** Removes the homes this program made, where they still are. */
const removeHomes = (homes: string[]) => homes.map((h) => `[ ! -e ${sh(h)} ] || rm -rf --one-file-system -- ${sh(h)}`);

/** Sets "$rc" to getent's status for user "$u": 0 there, 2 gone; any other status ends the script. */
const PROBE_USER = 'rc=0; getent passwd "$u" >/dev/null || rc=$?\n[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || { echo "getent passwd $u failed (exit $rc)" >&2; exit "$rc"; }';

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): UserProps {
    return defined({ name: p.name, system: p.system, home: p.home, shell: p.shell, comment: p.comment, groups: p.groups, linger: p.linger });
}

async function observe(host: Host, name: string): Promise<Observed | undefined> {
    // getent: 2 is "no such user"; any other failure is an error, never an absent user.
    const r = await host.run([
        "set -e",
        `u=${sh(name)}`,
        exitIfAbsent('getent passwd "$u" >/dev/null', 2),
        'getent passwd "$u"',
        'id -nG "$u"',
        '[ -e "/var/lib/systemd/linger/$u" ] && echo linger || echo no-linger',
    ].join("\n"), { what: `inspect user ${name}` });
    const [passwd, groups, linger] = r.stdout.split("\n");
    if (!passwd) return undefined;
    const [, , uid, gid, gecos, home, shell] = passwd.split(":");
    return { uid: Number(uid), gid: Number(gid), comment: gecos, home, shell, groups: (groups ?? "").trim().split(/\s+/).filter(Boolean), linger: linger === "linger" };
}

/** What read() reports: desired groups that are present, so extra memberships are no drift. */
function asProps(p: UserProps, o: Observed): UserProps {
    return { ...p, home: o.home, shell: o.shell, comment: o.comment, uid: o.uid, gid: o.gid, linger: o.linger, groups: p.groups.filter((g) => o.groups.includes(g)) };
}

/** Changes only what differs from what the host shows (usermod refuses some changes while the user runs processes). */
async function converge(host: Host, p: UserProps, o: Observed, removeGroups: string[]): Promise<Observed> {
    const lines = ["set -e", `u=${sh(p.name)}`];
    if (o.home !== p.home) lines.push(`usermod -d ${sh(p.home)} "$u"`);
    if (o.shell !== p.shell) lines.push(`usermod -s ${sh(p.shell)} "$u"`);
    if (o.comment !== p.comment) lines.push(`usermod -c ${sh(p.comment)} "$u"`);
    // The home may be missing for an existing user: create it owned by the user.
    lines.push(`[ -d ${sh(p.home)} ] || install -d -m 0755 -o "$u" -g "$(id -gn "$u")" ${sh(p.home)}`);
    for (const g of p.groups) if (!o.groups.includes(g)) lines.push(`usermod -aG ${sh(g)} "$u"`);
    for (const g of removeGroups) if (o.groups.includes(g)) lines.push(`gpasswd -d "$u" ${sh(g)} >/dev/null`);
    if (p.linger) {
        if (!o.linger) lines.push('loginctl enable-linger "$u"');
        // Lingering starts user@UID.service; wait until it runs so user units can be managed.
        lines.push('uid=$(id -u "$u"); for i in $(seq 60); do systemctl is-active --quiet "user@$uid.service" && break; sleep 0.5; done; systemctl is-active --quiet "user@$uid.service"');
    } else if (o.linger) {
        lines.push('loginctl disable-linger "$u"');
    }
    await host.run(lines.join("\n"), { what: `configure user ${p.name}` });
    return (await observe(host, p.name))!;
}

export const systemUserProvider = hostProvider({
    async check(_olds, news) {
        const inputs = {
            ...news,
            system: news.system ?? true,
            home: news.home ?? (isUnknown(news.name) ? news.name : `/home/${news.name}`),
            shell: news.shell ?? "/usr/sbin/nologin",
            comment: news.comment ?? "",
            groups: news.groups ?? [],
            linger: news.linger ?? false,
        };
        return checker(inputs)
            .name("name", ACCOUNT_NAME, "a user name (lower case, up to 32 characters)")
            .boolean("system")
            .absolutePath("home")
            .absolutePath("shell")
            .check("comment", (v) => (typeof v === "string" && !/[:\n]/.test(v) ? undefined : "must be text without ':' or newlines"))
            .check("groups", (v) => (Array.isArray(v) && v.every((g) => isUnknown(g) || ACCOUNT_NAME.test(g)) ? undefined : "must be a list of group names"))
            .boolean("linger")
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { name: "replace", system: "replace", home: "update", shell: "update", comment: "update", groups: "update", linger: "update" },
            (f) => (f === "groups" ? [...(olds.groups ?? [])].sort() : olds[f]),
            (f) => (f === "groups" && Array.isArray(news.groups) ? [...news.groups].sort() : news[f]));
    },

    async create(host, inputs) {
        const p = own(inputs);
        const found = await observe(host, p.name);
        const original: Original | undefined = found && { groups: found.groups, linger: found.linger, home: found.home, shell: found.shell, comment: found.comment };
        // `made` starts empty: an entry without it predates the noting of homes (see delete).
        const entry = await noteHome(host, await claim(host, KIND, p.name, original && { ...original }, []), p.home);
        if (!found) {
            await host.run(`useradd ${p.system ? "--system" : ""} --create-home --home-dir ${sh(p.home)} --shell ${sh(p.shell)} --comment ${sh(p.comment)} --user-group ${sh(p.name)}`,
                { what: `create user ${p.name}` });
        }
        const o = await converge(host, p, found ?? (await observe(host, p.name))!, []);
        return { id: p.name, outs: defined({ ...asProps(p, o), adopted: !entry.created }) };
    },

    async read(host, id, props) {
        const known = own({ ...props, name: props.name ?? id });
        const p: UserProps = { ...known, groups: known.groups ?? [] };
        const o = await observe(host, p.name);
        if (!o) return GONE;
        const adopted = props.adopted ?? !(await readLedger(host, KIND, p.name))?.created;
        return { id, props: defined({ ...asProps(p, o), adopted }) };
    },

    async update(host, _id, olds, news) {
        const p = own(news);
        const entry = await readLedger(host, KIND, p.name);
        const original = (entry?.original?.groups as string[] | undefined) ?? [];
        const dropped = (olds.groups as string[]).filter((g) => !p.groups.includes(g) && !original.includes(g));
        const found = await observe(host, p.name);
        if (!found) throw new Error(`user ${p.name} does not exist on ${host.label}; run a refresh so it is created again`);
        // A new home is made by converge: noted first, so delete takes it away again.
        if (entry) await noteHome(host, entry, p.home);
        const o = await converge(host, p, found, dropped);
        return { outs: defined({ ...asProps(p, o), adopted: olds.adopted }) };
    },

    async delete(host, _id, props) {
        const p = own(props);
        const groups = p.groups ?? [];
        await release(host, KIND, p.name, props.adopted, {
            async remove(entry) {
                const homes = madeHomes(entry);
                await host.run([
                    "set -e",
                    `u=${sh(p.name)}`,
                    PROBE_USER,
                    'if [ "$rc" -eq 0 ]; then',
                    'uid=$(id -u "$u")',
                    // A lingering user runs processes (its systemd manager, the libvirt session): stop them first.
                    DISABLE_LINGER,
                    // No session (or no logind) is the usual case for a system user: nothing to end.
                    'loginctl terminate-user "$u" 2>/dev/null || true',
                    // pkill exits 1 when no process matched: the processes ended meanwhile.
                    'for i in $(seq 20); do pgrep -u "$u" >/dev/null || break; pkill -u "$u" || true; sleep 0.5; done',
                    // -U: real uid too (a setuid helper the user started, e.g. fusermount3, keeps the user busy for userdel).
                    'pkill -KILL -u "$u" 2>/dev/null || true; pkill -KILL -U "$u" 2>/dev/null || true',
                    'for i in $(seq 20); do pgrep -u "$u" >/dev/null || pgrep -U "$u" >/dev/null || break; sleep 0.5; done',
                    // Never --remove: the home goes below only if this program made it. 6 is "no such user" (gone
                    // meanwhile); 8 is "used by a process": one still ending (seen on a loaded host), tried again.
                    'for i in 1 2 3 4 5; do rc=0; userdel "$u" || rc=$?; [ "$rc" -eq 8 ] || break; pkill -KILL -u "$u" 2>/dev/null || true; pkill -KILL -U "$u" 2>/dev/null || true; sleep 1; done',
                    '[ "$rc" -eq 0 ] || [ "$rc" -eq 6 ] || { echo "userdel $u failed (exit $rc); its processes: $(ps -o pid=,ruser=,euser=,comm= -U "$u" -u "$u" 2>/dev/null | tr -s " \\n" " ")" >&2; exit "$rc"; }',
                    "fi",
                    ...(homes
                        ? removeHomes(homes)
                        : // An entry from an earlier version: the home only if the user owned it, as userdel --remove did.
                          [`if [ -n "\${uid:-}" ] && [ -d ${sh(p.home)} ] && [ "$(stat -c %u ${sh(p.home)})" = "$uid" ]; then rm -rf --one-file-system -- ${sh(p.home)}; fi`]),
                ].join("\n"), { what: `remove user ${p.name}` });
            },
            async restore(original, entry) {
                const o = original as unknown as Original;
                const added = groups.filter((g) => !o.groups.includes(g));
                const now = await observe(host, p.name);
                // Home, shell and comment as they were (older entries may lack them: then they stay).
                const attrs = [
                    o.home !== undefined && now && now.home !== o.home ? `-d ${sh(o.home)}` : "",
                    o.shell !== undefined && now && now.shell !== o.shell ? `-s ${sh(o.shell)}` : "",
                    o.comment !== undefined && now && now.comment !== o.comment ? `-c ${sh(o.comment)}` : "",
                ].filter(Boolean);
                await host.run([
                    "set -e",
                    `u=${sh(p.name)}`,
                    PROBE_USER,
                    'if [ "$rc" -eq 0 ]; then :',
                    // Only a membership that is still there is taken back (gpasswd fails on a non-member).
                    ...added.map((g) => `if id -nG "$u" | tr ' ' '\\n' | grep -qx ${sh(g)}; then gpasswd -d "$u" ${sh(g)} >/dev/null; fi`),
                    ...(o.linger ? [] : [DISABLE_LINGER]),
                    ...(attrs.length ? [`usermod ${attrs.join(" ")} "$u"`] : []),
                    "fi",
                    // Homes this program made for the user (none existed there before).
                    ...removeHomes(madeHomes(entry) ?? []),
                ].join("\n"), { what: `restore user ${p.name}` });
            },
        });
    },
});

export class SystemUser extends HostResource {
    declare readonly name: pulumi.Output<string>;
    declare readonly home: pulumi.Output<string>;
    declare readonly uid: pulumi.Output<number>;
    declare readonly gid: pulumi.Output<number>;
    declare readonly groups: pulumi.Output<string[]>;
    declare readonly linger: pulumi.Output<boolean>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: SystemUserArgs, opts?: pulumi.CustomResourceOptions) {
        super(systemUserProvider, "SystemUser", name, { home: undefined, uid: undefined, gid: undefined, groups: undefined, linger: undefined, adopted: undefined, ...args }, opts);
    }
}
