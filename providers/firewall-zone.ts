// FirewallZone: a firewalld zone for the provider network (target, sources, interfaces) plus
// masquerade on the default zone, so provider-network traffic can leave the host. Where
// firewalld is not running it does nothing and records that, because there is nothing to open.
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./host/connection";
import { claim, createdByUs, dropLedger, readLedger } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { checker, defined, diffFields, hostOf, isCidr } from "./kit";

export interface FirewallZoneArgs {
    connection: pulumi.Input<Connection>;
    name: pulumi.Input<string>;
    target?: pulumi.Input<"ACCEPT" | "DROP" | "REJECT" | "default">;
    sources?: pulumi.Input<pulumi.Input<string>[]>;
    interfaces?: pulumi.Input<pulumi.Input<string>[]>;
    /** Enable masquerade on the default zone (the uplink's). */
    masqueradeDefaultZone?: pulumi.Input<boolean>;
}

interface ZoneProps {
    connection: Connection;
    name: string;
    target: string;
    sources: string[];
    interfaces: string[];
    masqueradeDefaultZone: boolean;
    /** False where firewalld is not running: nothing was done. */
    firewalld?: boolean;
    adopted?: boolean;
}

const KIND = "firewall-zone";

async function running(host: Host): Promise<boolean> {
    const r = await host.run("command -v firewall-cmd >/dev/null && firewall-cmd --state 2>/dev/null || true");
    return r.stdout.trim() === "running";
}

async function observe(host: Host, name: string): Promise<Omit<ZoneProps, "connection" | "name"> | undefined> {
    const r = await host.run([
        `z=${sh(name)}`,
        'firewall-cmd --permanent --get-zones | tr " " "\\n" | grep -qx "$z" || exit 0',
        'echo "target=$(firewall-cmd --permanent --zone="$z" --get-target)"',
        'echo "sources=$(firewall-cmd --permanent --zone="$z" --list-sources)"',
        'echo "interfaces=$(firewall-cmd --permanent --zone="$z" --list-interfaces)"',
        'firewall-cmd --permanent --zone="$(firewall-cmd --get-default-zone)" --query-masquerade >/dev/null && echo masq=1 || echo masq=0',
    ].join("\n"), { what: `inspect firewalld zone ${name}` });
    if (!r.stdout.trim()) return undefined;
    const get = (k: string) => r.stdout.split("\n").find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1) ?? "";
    const list = (k: string) => get(k).split(/\s+/).filter(Boolean);
    return { target: get("target"), sources: list("sources"), interfaces: list("interfaces"), masqueradeDefaultZone: get("masq") === "1", firewalld: true };
}

async function converge(host: Host, p: ZoneProps, old?: ZoneProps): Promise<ZoneProps> {
    if (!(await running(host))) return { ...p, firewalld: false };
    const lines = [
        "set -e",
        `z=${sh(p.name)}`,
        'firewall-cmd --permanent --get-zones | tr " " "\\n" | grep -qx "$z" || firewall-cmd --permanent --new-zone="$z" >/dev/null',
        `firewall-cmd --permanent --zone="$z" --set-target=${sh(p.target)} >/dev/null`,
        ...(old?.sources ?? []).filter((s) => !p.sources.includes(s)).map((s) => `firewall-cmd --permanent --zone="$z" --remove-source=${sh(s)} >/dev/null || true`),
        ...(old?.interfaces ?? []).filter((i) => !p.interfaces.includes(i)).map((i) => `firewall-cmd --permanent --zone="$z" --remove-interface=${sh(i)} >/dev/null || true`),
        ...p.sources.map((s) => `firewall-cmd --permanent --zone="$z" --query-source=${sh(s)} >/dev/null || firewall-cmd --permanent --zone="$z" --add-source=${sh(s)} >/dev/null`),
        ...p.interfaces.map((i) => `firewall-cmd --permanent --zone="$z" --query-interface=${sh(i)} >/dev/null || firewall-cmd --permanent --zone="$z" --add-interface=${sh(i)} >/dev/null`),
        p.masqueradeDefaultZone ? 'firewall-cmd --permanent --zone="$(firewall-cmd --get-default-zone)" --add-masquerade >/dev/null' : "true",
        "firewall-cmd --reload >/dev/null",
    ];
    await host.run(lines.join("\n"), { what: `configure firewalld zone ${p.name}` });
    return { ...p, firewalld: true };
}

export const firewallZoneProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        const inputs = { ...news, target: news.target ?? "ACCEPT", sources: news.sources ?? [], interfaces: news.interfaces ?? [], masqueradeDefaultZone: news.masqueradeDefaultZone ?? false };
        return checker(inputs)
            .name("name", /^[A-Za-z0-9_-]{1,17}$/, "a zone name of at most 17 characters")
            .oneOf("target", ["ACCEPT", "DROP", "REJECT", "default"])
            .check("sources", (v) => (Array.isArray(v) && v.every(isCidr) ? undefined : "must be a list of IPv4 CIDRs"))
            .check("interfaces", (v) => (Array.isArray(v) && v.every((i) => typeof i === "string" && /^[A-Za-z0-9_.-]{1,15}$/.test(i)) ? undefined : "must be a list of interface names"))
            .boolean("masqueradeDefaultZone")
            .result();
    },

    async diff(_id, olds, news) {
        return diffFields(olds, news, { name: "replace", target: "update", sources: "update", interfaces: "update", masqueradeDefaultZone: "update" });
    },

    async create(inputs) {
        const p = inputs as ZoneProps;
        const host = await hostOf(p);
        if (!(await running(host))) return { id: p.name, outs: { ...p, firewalld: false } };
        const found = await observe(host, p.name);
        // Masquerade that was on before stays on after delete: remember it either way.
        const masqBefore = (await host.run('firewall-cmd --permanent --zone="$(firewall-cmd --get-default-zone)" --query-masquerade >/dev/null && echo 1 || echo 0')).stdout.trim() === "1";
        const entry = await claim(host, KIND, p.name, found ? { ...found, masqBefore } : undefined, masqBefore ? ["masquerade-was-on"] : []);
        return { id: p.name, outs: { ...(await converge(host, p)), adopted: !entry.created } };
    },

    async read(id, props) {
        const p = { ...props, name: props.name ?? id } as ZoneProps;
        const host = await hostOf(p);
        if (!(await running(host))) return { id, props: { ...p, firewalld: false } };
        const o = await observe(host, p.name);
        // A zone that disappeared (or firewalld that started since) shows as drift on the next diff.
        return { id, props: defined({ ...p, ...(o ?? { sources: [], interfaces: [], target: "", masqueradeDefaultZone: false }), firewalld: true }) };
    },

    async update(_id, olds, news) {
        const p = news as ZoneProps;
        return { outs: defined({ ...(await converge(await hostOf(p), p, olds as ZoneProps)), adopted: olds.adopted }) };
    },

    async delete(_id, props) {
        const p = props as ZoneProps;
        if (p.firewalld === false) return;
        const host = await hostOf(p);
        if (!(await running(host))) return;
        const entry = await readLedger(host, KIND, p.name);
        const masqWasOn = entry?.made?.includes("masquerade-was-on") || (entry?.original as any)?.masqBefore === true;
        const lines = [`z=${sh(p.name)}`];
        if (createdByUs(entry, p.adopted)) lines.push('firewall-cmd --permanent --delete-zone="$z" >/dev/null 2>&1 || true');
        if (p.masqueradeDefaultZone && !masqWasOn) lines.push('firewall-cmd --permanent --zone="$(firewall-cmd --get-default-zone)" --remove-masquerade >/dev/null || true');
        lines.push("firewall-cmd --reload >/dev/null");
        await host.run(lines.join("\n"), { what: `remove firewalld zone ${p.name}` });
        await dropLedger(host, KIND, p.name);
    },
};

export class FirewallZone extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    /** Whether firewalld was running (and so the zone applied). */
    declare readonly firewalld: pulumi.Output<boolean>;

    constructor(name: string, args: FirewallZoneArgs, opts?: pulumi.CustomResourceOptions) {
        super(firewallZoneProvider, name, { firewalld: undefined, adopted: undefined, ...args }, opts, "hotstack", "FirewallZone");
    }
}
