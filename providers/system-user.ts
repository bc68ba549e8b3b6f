// SystemUser: a (system) user with home, shell, supplementary groups and systemd lingering.
// Membership is additive: groups the user already had stay; only groups this resource added
// are ever removed again.
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./host/connection";
import { claim, createdByUs, dropLedger, readLedger } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { ACCOUNT_NAME, GONE, checker, defined, diffFields, hostOf, isUnknown } from "./kit";

export interface SystemUserArgs {
    connection: pulumi.Input<Connection>;
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
    connection: Connection;
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

async function observe(host: Host, name: string): Promise<Observed | undefined> {
    const r = await host.run(`u=${sh(name)}; getent passwd "$u" || exit 0; id -nG "$u"; [ -e "/var/lib/systemd/linger/$u" ] && echo linger || echo no-linger`);
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

export const systemUserProvider: pulumi.dynamic.ResourceProvider = {
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

    async diff(_id, olds, news) {
        return diffFields(olds, news, { name: "replace", system: "replace", home: "update", shell: "update", comment: "update", groups: "update", linger: "update" },
            (f) => (f === "groups" ? [...(olds.groups ?? [])].sort() : olds[f]),
            (f) => (f === "groups" && Array.isArray(news.groups) ? [...news.groups].sort() : news[f]));
    },

    async create(inputs) {
        const p = inputs as UserProps;
        const host = await hostOf(p);
        const found = await observe(host, p.name);
        const entry = await claim(host, KIND, p.name, found && { groups: found.groups, linger: found.linger, home: found.home, shell: found.shell, comment: found.comment });
        if (!found) {
            await host.run(`useradd ${p.system ? "--system" : ""} --create-home --home-dir ${sh(p.home)} --shell ${sh(p.shell)} --comment ${sh(p.comment)} --user-group ${sh(p.name)}`,
                { what: `create user ${p.name}` });
        }
        const o = await converge(host, p, found ?? (await observe(host, p.name))!, []);
        return { id: p.name, outs: defined({ ...asProps(p, o), adopted: !entry.created }) };
    },

    async read(id, props) {
        const p = { groups: [], ...props, name: props.name ?? id } as UserProps;
        const host = await hostOf(p);
        const o = await observe(host, p.name);
        if (!o) return GONE;
        const adopted = p.adopted ?? !(await readLedger(host, KIND, p.name))?.created;
        return { id, props: defined({ ...asProps(p, o), adopted }) };
    },

    async update(_id, olds, news) {
        const p = news as UserProps;
        const host = await hostOf(p);
        const entry = await readLedger(host, KIND, p.name);
        const original = (entry?.original?.groups as string[] | undefined) ?? [];
        const dropped = (olds.groups as string[]).filter((g) => !p.groups.includes(g) && !original.includes(g));
        const found = await observe(host, p.name);
        if (!found) throw new Error(`user ${p.name} does not exist on ${host.label}; run a refresh so it is created again`);
        const o = await converge(host, p, found, dropped);
        return { outs: defined({ ...asProps(p, o), adopted: olds.adopted }) };
    },

    async delete(_id, props) {
        const p = props as UserProps;
        const host = await hostOf(p);
        const entry = await readLedger(host, KIND, p.name);
        if (createdByUs(entry, p.adopted)) {
            // A lingering user runs processes (its systemd manager, the libvirt session): stop them first.
            await host.run([
                `u=${sh(p.name)}`,
                'getent passwd "$u" >/dev/null || exit 0',
                '[ ! -e "/var/lib/systemd/linger/$u" ] || loginctl disable-linger "$u" || true',
                'loginctl terminate-user "$u" 2>/dev/null || true',
                'for i in $(seq 20); do pgrep -u "$u" >/dev/null || break; pkill -u "$u" || true; sleep 0.5; done',
                'pkill -KILL -u "$u" 2>/dev/null || true',
                'userdel --remove "$u" 2>/dev/null || userdel "$u"',
                `[ ! -d ${sh(p.home)} ] || rm -rf --one-file-system -- ${sh(p.home)}`,
            ].join("\n"), { what: `remove user ${p.name}` });
        } else if (entry?.original) {
            const o = entry.original as { groups: string[]; linger: boolean };
            const added = p.groups.filter((g) => !o.groups.includes(g));
            await host.run([
                `u=${sh(p.name)}`,
                'getent passwd "$u" >/dev/null || exit 0',
                ...added.map((g) => `gpasswd -d "$u" ${sh(g)} >/dev/null 2>&1 || true`),
                o.linger ? "true" : '[ ! -e "/var/lib/systemd/linger/$u" ] || loginctl disable-linger "$u" || true',
            ].join("\n"), { what: `restore user ${p.name}` });
        }
        await dropLedger(host, KIND, p.name);
    },
};

export class SystemUser extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly home: pulumi.Output<string>;
    declare readonly uid: pulumi.Output<number>;
    declare readonly gid: pulumi.Output<number>;
    declare readonly groups: pulumi.Output<string[]>;
    declare readonly linger: pulumi.Output<boolean>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: SystemUserArgs, opts?: pulumi.CustomResourceOptions) {
        super(systemUserProvider, name, { home: undefined, uid: undefined, gid: undefined, groups: undefined, linger: undefined, adopted: undefined, ...args }, opts, "hotstack", "SystemUser");
    }
}
