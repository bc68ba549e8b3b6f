// HostFacts: what only the host knows, read (never changed) so the program can use it: its FQDN
// (the OVN chassis name and nova's [DEFAULT] host by default), the kvm group's gid (the nova
// image must carry it), whether /dev/kvm exists, and its resolvers. Read again on every refresh;
// delete does nothing.
import * as pulumi from "@pulumi/pulumi";
import { Host } from "./host/transport";
import { checker, diffFields, hostProvider, keyValues } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface HostFactsArgs extends HostArgs {}

export interface Facts {
    fqdn: string;
    /** -1 when the host has no kvm group (yet): refresh reports it, create and update refuse it. */
    kvmGid: number;
    hasKvm: boolean;
}

async function observe(host: Host): Promise<Facts> {
    const r = await host.run([
        'echo "fqdn=$(hostname -f 2>/dev/null || hostname)"',
        'echo "kvm=$(getent group kvm | cut -d: -f3)"',
        '[ -c /dev/kvm ] && echo has_kvm=1 || echo has_kvm=0',
    ].join("\n"), { what: "read host facts" });
    const get = keyValues(r.stdout);
    const kvm = get("kvm") ?? "";
    return { fqdn: get("fqdn") ?? "", kvmGid: kvm ? Number(kvm) : -1, hasKvm: get("has_kvm") === "1" };
}

/** The facts the program builds on: without a kvm group the nova image cannot be built. */
async function required(host: Host): Promise<Facts> {
    const facts = await observe(host);
    if (facts.kvmGid < 0) throw new Error(`${host.label} has no kvm group (it comes with the libvirt/qemu packages)`);
    return facts;
}

export const hostFactsProvider = hostProvider({
    async check(_olds, news) {
        return checker({ ...news }).result();
    },
    async diff(olds, news) {
        const d = diffFields(olds, news, {});
        // A refresh that found no kvm group: the update refuses it, before anything is built on it.
        return typeof olds.kvmGid === "number" && olds.kvmGid < 0 ? { ...d, changes: true, fields: ["kvmGid"] } : d;
    },
    async create(host) {
        return { id: "host-facts", outs: { ...(await required(host)) } };
    },
    async read(host, id) {
        // A refresh reports what is there, even a host that lost its kvm group: the next update says why that is a problem.
        return { id, props: { ...(await observe(host)) } };
    },
    async update(host) {
        return { outs: { ...(await required(host)) } };
    },
    async delete() {
        // facts are only read
    },
});

export class HostFacts extends HostResource {
    declare readonly fqdn: pulumi.Output<string>;
    declare readonly kvmGid: pulumi.Output<number>;
    declare readonly hasKvm: pulumi.Output<boolean>;

    constructor(name: string, args: HostFactsArgs = {}, opts?: pulumi.CustomResourceOptions) {
        super(hostFactsProvider, "HostFacts", name, { fqdn: undefined, kvmGid: undefined, hasKvm: undefined, ...args }, opts);
    }
}
