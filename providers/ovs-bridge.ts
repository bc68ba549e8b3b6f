// OvsBridge: an Open vSwitch bridge with its datapath type, MTU, an IPv4 address on its
// internal port and the link state. OVS keeps bridges across reboots but not addresses: the
// address is re-applied at boot by a unit the program installs (see NetworkFabric).
import * as pulumi from "@pulumi/pulumi";
import { claim, readLedger, release } from "./host/ledger";
import { exitIfAbsent, sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, defined, diffFields, hostProvider, isCidr, keyValues } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface OvsBridgeArgs extends HostArgs {
    /** Also the name of the internal port/netdev: at most 15 characters. */
    name: pulumi.Input<string>;
    /** "system" (kernel datapath, default) or "netdev" (userspace, no kernel module needed). */
    datapathType?: pulumi.Input<"system" | "netdev">;
    /** mtu_request of the bridge's internal interface, 68–65535. */
    mtu?: pulumi.Input<number>;
    /** IPv4 address with prefix, e.g. "172.31.0.129/25". */
    address?: pulumi.Input<string>;
    /** Link up (default true). */
    up?: pulumi.Input<boolean>;
}

interface BridgeProps {
    name: string;
    datapathType: "system" | "netdev";
    mtu?: number;
    address?: string;
    up: boolean;
    adopted?: boolean;
}

interface Observed {
    datapathType: "system" | "netdev";
    /** datapath_type as OVS stores it ("" is the kernel datapath too): put back verbatim. */
    rawDatapathType: string;
    /** mtu_request (undefined: none). */
    mtu?: number;
    /** The internal port's MTU: what clearing mtu_request does not put back. */
    linkMtu?: number;
    addresses: string[];
    up: boolean;
}

const KIND = "ovs-bridge";
export const DATAPATH_TYPES = ["system", "netdev"] as const;

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): BridgeProps {
    return defined({ name: p.name, datapathType: p.datapathType, mtu: p.mtu, address: p.address, up: p.up });
}

async function observe(host: Host, name: string): Promise<Observed | undefined> {
    const r = await host.run([
        "set -e",
        `b=${sh(name)}`,
        // br-exists: 2 is "no such bridge"; 1 (OVS not running, say) is an error, never an absent bridge.
        exitIfAbsent('ovs-vsctl br-exists "$b"', 2),
        'echo "dp=$(ovs-vsctl get bridge "$b" datapath_type)"',
        'echo "mtu=$(ovs-vsctl get interface "$b" mtu_request)"',
        'ip -o -4 addr show dev "$b" 2>/dev/null | awk \'{print "addr=" $4}\'',
        'ip -o link show dev "$b" 2>/dev/null | grep -q "[<,]UP[,>]" && echo up=1 || echo up=0',
        'ip -o link show dev "$b" 2>/dev/null | sed -n "s/.* mtu \\([0-9]*\\).*/lmtu=\\1/p"',
    ].join("\n"), { what: `inspect bridge ${name}` });
    if (!r.stdout.trim()) return undefined;
    const get = keyValues(r.stdout);
    const dp = (get("dp") ?? "").replace(/"/g, "");
    const mtu = Number(get("mtu") ?? "");
    const linkMtu = Number(get("lmtu") ?? "");
    return {
        datapathType: dp === "netdev" ? "netdev" : "system",
        rawDatapathType: dp,
        mtu: Number.isInteger(mtu) && mtu > 0 ? mtu : undefined,
        linkMtu: Number.isInteger(linkMtu) && linkMtu > 0 ? linkMtu : undefined,
        // One line per address: keyValues keeps only the first of a key.
        addresses: r.stdout.split("\n").filter((l) => l.startsWith("addr=")).map((l) => l.slice("addr=".length)),
        up: get("up") === "1",
    };
}

function asProps(p: BridgeProps, o: Observed): BridgeProps {
    // Extra addresses someone else put on the bridge are not drift; a missing one is.
    const address = p.address && o.addresses.includes(p.address) ? p.address : o.addresses[0];
    return defined({ ...p, datapathType: o.datapathType, mtu: o.mtu, address, up: o.up });
}

async function converge(host: Host, p: BridgeProps, oldAddress?: string): Promise<Observed> {
    const lines = [
        "set -e",
        `b=${sh(p.name)}`,
        `ovs-vsctl --may-exist add-br "$b" -- set bridge "$b" datapath_type=${sh(p.datapathType)}`,
        // The internal port's netdev appears asynchronously after add-br.
        'for i in $(seq 50); do ip link show dev "$b" >/dev/null 2>&1 && break; sleep 0.1; done',
        'ip link show dev "$b" >/dev/null',
        p.mtu ? `ovs-vsctl set interface "$b" mtu_request=${p.mtu}` : 'ovs-vsctl remove interface "$b" mtu_request 0 2>/dev/null || ovs-vsctl clear interface "$b" mtu_request',
    ];
    if (oldAddress && oldAddress !== p.address) lines.push(`ip addr del ${sh(oldAddress)} dev "$b" 2>/dev/null || true`);
    if (p.address) lines.push(`ip addr replace ${sh(p.address)} dev "$b"`);
    lines.push(`ip link set dev "$b" ${p.up ? "up" : "down"}`);
    await host.run(lines.join("\n"), { what: `configure bridge ${p.name}` });
    return (await observe(host, p.name))!;
}

export const ovsBridgeProvider = hostProvider({
    async check(_olds, news) {
        const inputs = { ...news, datapathType: news.datapathType ?? "system", up: news.up ?? true };
        return checker(inputs)
            .name("name", /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/, "an interface name of at most 15 characters (letters, digits, _ . -)")
            .oneOf("datapathType", DATAPATH_TYPES)
            .integer("mtu", 68, 65535, true)
            .check("address", (v) => (isCidr(v) ? undefined : 'must be an IPv4 address with prefix like "172.31.0.129/25"'), true)
            .boolean("up")
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { name: "replace", datapathType: "update", mtu: "update", address: "update", up: "update" });
    },

    async create(host, inputs) {
        const p = own(inputs);
        const found = await observe(host, p.name);
        const entry = await claim(host, KIND, p.name, found && { ...found });
        const o = await converge(host, p);
        return { id: p.name, outs: { ...asProps(p, o), adopted: !entry.created } };
    },

    async read(host, id, props) {
        const known = own({ ...props, name: props.name ?? id });
        const p: BridgeProps = { ...known, up: known.up ?? true, datapathType: known.datapathType ?? "system" };
        const o = await observe(host, p.name);
        if (!o) return GONE;
        const adopted = props.adopted ?? !(await readLedger(host, KIND, p.name))?.created;
        return { id, props: { ...asProps(p, o), adopted } };
    },

    async update(host, _id, olds, news) {
        const p = own(news);
        const o = await converge(host, p, olds.address);
        return { outs: defined({ ...asProps(p, o), adopted: olds.adopted }) };
    },

    async delete(host, _id, props) {
        const p = own(props);
        await release(host, KIND, p.name, props.adopted, {
            async remove() {
                await host.run(`ovs-vsctl --if-exists del-br ${sh(p.name)}`, { what: `delete bridge ${p.name}` });
            },
            // An adopted bridge stays, put back as it was found (entries of older versions may lack fields: those stay).
            async restore(original) {
                const o = original as Partial<Observed>;
                const now = await observe(host, p.name);
                if (!now) return; // removed by hand meanwhile: nothing to put back
                const dp = o.rawDatapathType ?? (o.datapathType === now.datapathType ? undefined : o.datapathType);
                const dpChanged = dp !== undefined && dp !== now.rawDatapathType;
                const lines = ["set -e", `b=${sh(p.name)}`];
                // The datapath first: changing it makes the internal port anew, so the port's settings follow.
                if (dpChanged) lines.push(`ovs-vsctl set bridge "$b" datapath_type=${sh(JSON.stringify(dp))}`);
                if (o.mtu !== now.mtu) lines.push(o.mtu ? `ovs-vsctl set interface "$b" mtu_request=${o.mtu}` : 'ovs-vsctl clear interface "$b" mtu_request');
                // The port may not exist (a kernel datapath without the module): then it has nothing to restore.
                if (dpChanged) lines.push('for i in $(seq 50); do ip link show dev "$b" >/dev/null 2>&1 && break; sleep 0.1; done');
                lines.push('if ip link show dev "$b" >/dev/null 2>&1; then :');
                if (!o.mtu && o.linkMtu) lines.push(`ip link set dev "$b" mtu ${o.linkMtu}`);
                // Only an address this program added goes; one it took away (an update) comes back.
                const addresses = o.addresses ?? [];
                if (p.address && !addresses.includes(p.address)) lines.push(`ip addr del ${sh(p.address)} dev "$b" 2>/dev/null || true`);
                for (const a of addresses) lines.push(`ip addr replace ${sh(a)} dev "$b"`);
                if (o.up !== undefined) lines.push(`ip link set dev "$b" ${o.up ? "up" : "down"}`);
                lines.push("fi");
                await host.run(lines.join("\n"), { what: `restore bridge ${p.name}` });
            },
        });
    },
});

export class OvsBridge extends HostResource {
    declare readonly name: pulumi.Output<string>;
    declare readonly datapathType: pulumi.Output<string>;
    declare readonly mtu: pulumi.Output<number | undefined>;
    declare readonly address: pulumi.Output<string | undefined>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: OvsBridgeArgs, opts?: pulumi.CustomResourceOptions) {
        super(ovsBridgeProvider, "OvsBridge", name, { datapathType: undefined, mtu: undefined, address: undefined, adopted: undefined, ...args }, opts);
    }
}
