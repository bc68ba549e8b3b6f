// PodmanNetwork: a rootful podman bridge network with a fixed subnet and host interface name.
// Networks cannot be changed in place: any change replaces it (deleted first, names are unique).
// A network found under the name is adopted only if it is what the inputs ask for: one that
// differs is refused, naming the fields, since adopting it would either show as a replacement
// on every run (delete leaves what it did not make) or hide that the host differs from the code.
import * as pulumi from "@pulumi/pulumi";
import { claim, readLedger, release } from "./host/ledger";
import { exitIfAbsent, sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, defined, diffFields, hostProvider, isCidr, isIpv4 } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface PodmanNetworkArgs extends HostArgs {
    name: pulumi.Input<string>;
    subnet: pulumi.Input<string>;
    gateway?: pulumi.Input<string>;
    /** Name of the host bridge interface (at most 15 characters). */
    interfaceName?: pulumi.Input<string>;
}

interface NetworkProps {
    name: string;
    subnet: string;
    gateway?: string;
    interfaceName?: string;
    adopted?: boolean;
}

const KIND = "podman-network";

/** `podman network exists`: 1 is "no such network"; anything else but 0 is an error, never absence. */
const unlessNetwork = (name: string) => exitIfAbsent(`podman network exists ${sh(name)}`, 1);

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): NetworkProps {
    return defined({ name: p.name, subnet: p.subnet, gateway: p.gateway, interfaceName: p.interfaceName });
}

async function observe(host: Host, name: string): Promise<{ subnet?: string; gateway?: string; interfaceName?: string } | undefined> {
    const r = await host.run(`set -e\n${unlessNetwork(name)}\npodman network inspect ${sh(name)}`, { what: `inspect podman network ${name}` });
    if (!r.stdout.trim()) return undefined;
    const [net] = JSON.parse(r.stdout);
    const first = (net.subnets ?? [])[0] ?? {};
    return { subnet: first.subnet, gateway: first.gateway, interfaceName: net.network_interface };
}

function asProps(p: NetworkProps, o: { subnet?: string; gateway?: string; interfaceName?: string }): NetworkProps {
    return defined({ ...p, subnet: o.subnet ?? "", gateway: p.gateway === undefined ? undefined : o.gateway, interfaceName: p.interfaceName === undefined ? undefined : o.interfaceName });
}

export const podmanNetworkProvider = hostProvider({
    async check(_olds, news) {
        return checker({ ...news })
            .name("name", /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, "a podman network name")
            .check("subnet", (v) => (isCidr(v) ? undefined : 'must be an IPv4 CIDR like "172.31.0.0/25"'))
            .check("gateway", (v) => (isIpv4(v) ? undefined : "must be an IPv4 address"), true)
            .name("interfaceName", /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/, "an interface name of at most 15 characters", true)
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { name: "replace", subnet: "replace", gateway: "replace", interfaceName: "replace" });
    },

    async create(host, inputs) {
        const p = own(inputs);
        let found = await observe(host, p.name);
        // Compared as diff compares (asProps): a field left to podman (no input) is not compared.
        const differ = found ? (["subnet", "gateway", "interfaceName"] as const).filter((f) => p[f] !== undefined && found![f] !== p[f]) : [];
        if (found && differ.length) {
            if ((await readLedger(host, KIND, p.name))?.created) {
                // Made by a run that crashed before the inputs changed: ours, so made again as asked.
                await host.run(`podman network rm ${sh(p.name)}`, { what: `remove podman network ${p.name} to make it anew` });
                found = undefined;
            } else {
                // Refused before the ledger records anything: nothing here is ours.
                const what = differ.map((f) => `${f} ${found![f] ?? "(none)"}, not ${p[f]}`).join("; ");
                throw new Error(`podman network ${p.name} already exists on ${host.label} with ${what}; remove it (podman network rm ${p.name}) or change ${differ.join(", ")} to match`);
            }
        }
        const entry = await claim(host, KIND, p.name, found && { ...found });
        if (!found) {
            const args = [`--subnet ${sh(p.subnet)}`, p.gateway ? `--gateway ${sh(p.gateway)}` : "", p.interfaceName ? `--interface-name ${sh(p.interfaceName)}` : ""];
            await host.run(`podman network create ${args.filter(Boolean).join(" ")} ${sh(p.name)}`, { what: `create podman network ${p.name}` });
        }
        const o = (await observe(host, p.name))!;
        return { id: p.name, outs: { ...asProps(p, o), adopted: !entry.created } };
    },

    async read(host, id, props) {
        const p = own({ ...props, name: props.name ?? id });
        const o = await observe(host, p.name);
        if (!o) return GONE;
        const adopted = props.adopted ?? !(await readLedger(host, KIND, p.name))?.created;
        return { id, props: { ...asProps(p, o), adopted } };
    },

    async delete(host, id, props) {
        const name = String(props.name ?? id);
        await release(host, KIND, name, props.adopted, {
            async remove() {
                // Never -f: that would remove containers still attached, which this resource does not own.
                await host.run(`set -e\n${unlessNetwork(name)}\npodman network rm ${sh(name)}`, { what: `remove podman network ${name}` });
            },
        });
    },
});

export class PodmanNetwork extends HostResource {
    declare readonly name: pulumi.Output<string>;
    declare readonly subnet: pulumi.Output<string>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: PodmanNetworkArgs, opts?: pulumi.CustomResourceOptions) {
        super(podmanNetworkProvider, "PodmanNetwork", name, { adopted: undefined, ...args }, opts);
    }
}
