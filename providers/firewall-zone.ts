// FirewallZone: a firewalld zone for the provider network (target, sources, interfaces) plus
// masquerade on the default zone, so provider-network traffic can leave the host. Where
// firewalld is not running it does nothing and records that, because there is nothing to open.
import * as pulumi from "@pulumi/pulumi";
import { LedgerEntry, claim, release } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { checker, defined, diffFields, hostProvider, isCidr, keyValues } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface FirewallZoneArgs extends HostArgs {
    name: pulumi.Input<string>;
    target?: pulumi.Input<"ACCEPT" | "DROP" | "REJECT" | "default">;
    sources?: pulumi.Input<pulumi.Input<string>[]>;
    interfaces?: pulumi.Input<pulumi.Input<string>[]>;
    /** Enable masquerade on the default zone (the uplink's). */
    masqueradeDefaultZone?: pulumi.Input<boolean>;
}

interface ZoneProps {
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

/**
 * The permanent zones, as its own statement so that a failing firewall-cmd stops the script
 * (set -e does not apply inside a condition); then HAS_ZONE asks whether "$z" is one of them.
 */
const LIST_ZONES = 'zones=$(firewall-cmd --permanent --get-zones)';
const HAS_ZONE = 'printf "%s\\n" $zones | grep -qx "$z"';
const DEFAULT_ZONE = 'firewall-cmd --permanent --zone="$(firewall-cmd --get-default-zone)"';

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): ZoneProps {
    return defined({ name: p.name, target: p.target, sources: p.sources, interfaces: p.interfaces, masqueradeDefaultZone: p.masqueradeDefaultZone });
}

async function running(host: Host): Promise<boolean> {
    // Not installed, or installed and stopped (--state exits 252): both mean "nothing to configure".
    const r = await host.run("command -v firewall-cmd >/dev/null && firewall-cmd --state 2>/dev/null || true", { what: "ask firewalld for its state" });
    return r.stdout.trim() === "running";
}

async function observe(host: Host, name: string): Promise<Omit<ZoneProps, "name"> | undefined> {
    const r = await host.run([
        "set -e",
        `z=${sh(name)}`,
        LIST_ZONES,
        `${HAS_ZONE} || exit 0`,
        'echo "target=$(firewall-cmd --permanent --zone="$z" --get-target)"',
        'echo "sources=$(firewall-cmd --permanent --zone="$z" --list-sources)"',
        'echo "interfaces=$(firewall-cmd --permanent --zone="$z" --list-interfaces)"',
        `${DEFAULT_ZONE} --query-masquerade >/dev/null && echo masq=1 || echo masq=0`,
    ].join("\n"), { what: `inspect firewalld zone ${name}` });
    if (!r.stdout.trim()) return undefined;
    const values = keyValues(r.stdout);
    const get = (k: string) => values(k) ?? "";
    const list = (k: string) => get(k).split(/\s+/).filter(Boolean);
    return { target: get("target"), sources: list("sources"), interfaces: list("interfaces"), masqueradeDefaultZone: get("masq") === "1", firewalld: true };
}

/**
 * Records in the ledger, before converge touches anything, whether the zone was there (then
 * what it looked like) and whether masquerade was on. Create and update alike: a zone may be
 * first made by update, when firewalld started after create.
 */
async function claimZone(host: Host, name: string): Promise<LedgerEntry> {
    const found = await observe(host, name);
    // Masquerade that was on before stays on after delete: remember it either way.
    const masqBefore = (await host.run(`${DEFAULT_ZONE} --query-masquerade >/dev/null && echo 1 || echo 0`, { what: "query masquerade on the default zone" })).stdout.trim() === "1";
    return claim(host, KIND, name, found ? { ...found, masqBefore } : undefined, masqBefore ? ["masquerade-was-on"] : []);
}

/**
 * Puts an adopted zone back as found: its target, the sources and interfaces this program added
 * go, and those it took away come back unless another zone has them now (firewalld allows one).
 */
function restoreZone(p: ZoneProps, o: { target?: string; sources?: string[]; interfaces?: string[] }): string[] {
    const lines = [LIST_ZONES, `if ${HAS_ZONE}; then :`];
    if (o.target) lines.push(`firewall-cmd --permanent --zone="$z" --set-target=${sh(o.target)} >/dev/null`);
    for (const [kind, ours, theirs] of [["source", p.sources, o.sources], ["interface", p.interfaces, o.interfaces]] as const) {
        if (!theirs) continue; // an entry of an older version: leave them
        for (const v of ours ?? []) {
            if (!theirs.includes(v)) lines.push(`! firewall-cmd --permanent --zone="$z" --query-${kind}=${sh(v)} >/dev/null || firewall-cmd --permanent --zone="$z" --remove-${kind}=${sh(v)} >/dev/null`);
        }
        // get-zone-of-* exits 2 ("no zone") when no zone has it.
        for (const v of theirs) lines.push(`firewall-cmd --permanent --get-zone-of-${kind}=${sh(v)} >/dev/null || firewall-cmd --permanent --zone="$z" --add-${kind}=${sh(v)} >/dev/null`);
    }
    lines.push("fi");
    return lines;
}

/** Whether masquerade on the default zone was on before this program (then it stays on). */
function masqueradeWasOn(entry: LedgerEntry | undefined): boolean {
    return entry?.made?.includes("masquerade-was-on") || (entry?.original as any)?.masqBefore === true;
}

async function converge(host: Host, p: ZoneProps, old?: ZoneProps): Promise<ZoneProps> {
    if (!(await running(host))) return { ...p, firewalld: false };
    const lines = [
        "set -e",
        `z=${sh(p.name)}`,
        LIST_ZONES,
        `${HAS_ZONE} || firewall-cmd --permanent --new-zone="$z" >/dev/null`,
        `firewall-cmd --permanent --zone="$z" --set-target=${sh(p.target)} >/dev/null`,
        // What is no longer wanted goes, when it is still there (it may have been removed by hand).
        ...(old?.sources ?? []).filter((s) => !p.sources.includes(s)).map((s) => `! firewall-cmd --permanent --zone="$z" --query-source=${sh(s)} >/dev/null || firewall-cmd --permanent --zone="$z" --remove-source=${sh(s)} >/dev/null`),
        ...(old?.interfaces ?? []).filter((i) => !p.interfaces.includes(i)).map((i) => `! firewall-cmd --permanent --zone="$z" --query-interface=${sh(i)} >/dev/null || firewall-cmd --permanent --zone="$z" --remove-interface=${sh(i)} >/dev/null`),
        ...p.sources.map((s) => `firewall-cmd --permanent --zone="$z" --query-source=${sh(s)} >/dev/null || firewall-cmd --permanent --zone="$z" --add-source=${sh(s)} >/dev/null`),
        ...p.interfaces.map((i) => `firewall-cmd --permanent --zone="$z" --query-interface=${sh(i)} >/dev/null || firewall-cmd --permanent --zone="$z" --add-interface=${sh(i)} >/dev/null`),
        p.masqueradeDefaultZone ? `${DEFAULT_ZONE} --add-masquerade >/dev/null` : "true",
        "firewall-cmd --reload >/dev/null",
    ];
    await host.run(lines.join("\n"), { what: `configure firewalld zone ${p.name}` });
    return { ...p, firewalld: true };
}

export const firewallZoneProvider = hostProvider({
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

    async diff(olds, news) {
        return diffFields(olds, news, { name: "replace", target: "update", sources: "update", interfaces: "update", masqueradeDefaultZone: "update" });
    },

    async create(host, inputs) {
        const p = own(inputs);
        if (!(await running(host))) return { id: p.name, outs: { ...p, firewalld: false } };
        const entry = await claimZone(host, p.name);
        return { id: p.name, outs: { ...(await converge(host, p)), adopted: !entry.created } };
    },

    async read(host, id, props) {
        const p = { ...own({ ...props, name: props.name ?? id }), adopted: props.adopted };
        if (!(await running(host))) return { id, props: defined({ ...p, firewalld: false }) };
        const o = await observe(host, p.name);
        // A zone that disappeared (or firewalld that started since) shows as drift on the next diff.
        return { id, props: defined({ ...p, ...(o ?? { sources: [], interfaces: [], target: "", masqueradeDefaultZone: false }), firewalld: true }) };
    },

    async update(host, _id, olds, news) {
        const p = own(news);
        const entry = (await running(host)) ? await claimZone(host, p.name) : undefined;
        return { outs: defined({ ...(await converge(host, p, olds as ZoneProps)), adopted: entry ? !entry.created : olds.adopted }) };
    },

    async delete(host, _id, props) {
        // The ledger decides, not the state's `firewalld` (false after firewalld stopped for a while, though the zone is ours).
        if (!(await running(host))) return;
        const p = own(props);
        // Each step only where there is something to undo: a zone or masquerade removed by hand is fine.
        const undo = async (deleteZone: boolean, entry: LedgerEntry | undefined, original?: Record<string, any>) => {
            const lines = ["set -e", `z=${sh(p.name)}`];
            if (deleteZone) lines.push(LIST_ZONES, `! ${HAS_ZONE} || firewall-cmd --permanent --delete-zone="$z" >/dev/null`);
            if (original) lines.push(...restoreZone(p, original));
            if (p.masqueradeDefaultZone && !masqueradeWasOn(entry)) lines.push(`! ${DEFAULT_ZONE} --query-masquerade >/dev/null || ${DEFAULT_ZONE} --remove-masquerade >/dev/null`);
            lines.push("firewall-cmd --reload >/dev/null");
            await host.run(lines.join("\n"), { what: `${deleteZone ? "remove" : "restore"} firewalld zone ${p.name}` });
        };
        await release(host, KIND, p.name, props.adopted, {
            remove: (entry) => undo(true, entry),
            restore: (original, entry) => undo(false, entry, original),
        });
    },
});

export class FirewallZone extends HostResource {
    declare readonly name: pulumi.Output<string>;
    /** Whether firewalld was running (and so the zone applied). */
    declare readonly firewalld: pulumi.Output<boolean>;

    constructor(name: string, args: FirewallZoneArgs, opts?: pulumi.CustomResourceOptions) {
        super(firewallZoneProvider, "FirewallZone", name, { firewalld: undefined, adopted: undefined, ...args }, opts);
    }
}
