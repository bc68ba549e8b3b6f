// HostFacts: what only the host knows, read (never changed) so the program can use it: its FQDN
// (the OVN chassis name and nova's [DEFAULT] host by default), the kvm group's gid (the nova
// image must carry it), whether /dev/kvm exists, and its resolvers. Read again on every refresh;
// delete does nothing.
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./host/connection";
import { Host } from "./host/transport";
import { checker, diffFields, hostOf } from "./kit";

export interface HostFactsArgs {
    connection: pulumi.Input<Connection>;
}

export interface Facts {
    fqdn: string;
    kvmGid: number;
    hasKvm: boolean;
}

async function observe(host: Host): Promise<Facts> {
    const r = await host.run([
        'echo "fqdn=$(hostname -f 2>/dev/null || hostname)"',
        'echo "kvm=$(getent group kvm | cut -d: -f3)"',
        '[ -c /dev/kvm ] && echo has_kvm=1 || echo has_kvm=0',
    ].join("\n"), { what: "read host facts" });
    const get = (k: string) => r.stdout.split("\n").find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1) ?? "";
    if (!get("kvm")) throw new Error(`${host.label} has no kvm group (it comes with the libvirt/qemu packages)`);
    return { fqdn: get("fqdn"), kvmGid: Number(get("kvm")), hasKvm: get("has_kvm") === "1" };
}

export const hostFactsProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        return checker({ ...news }).result();
    },
    async diff(_id, olds, news) {
        return diffFields(olds, news, {});
    },
    async create(inputs) {
        return { id: "host-facts", outs: { ...inputs, ...(await observe(await hostOf(inputs as { connection: Connection }))) } };
    },
    async read(id, props) {
        return { id, props: { ...props, ...(await observe(await hostOf(props as { connection: Connection }))) } };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, ...(await observe(await hostOf(news as { connection: Connection }))) } };
    },
    async delete() {
        // facts are only read
    },
};

export class HostFacts extends pulumi.dynamic.Resource {
    declare readonly fqdn: pulumi.Output<string>;
    declare readonly kvmGid: pulumi.Output<number>;
    declare readonly hasKvm: pulumi.Output<boolean>;

    constructor(name: string, args: HostFactsArgs, opts?: pulumi.CustomResourceOptions) {
        super(hostFactsProvider, name, { fqdn: undefined, kvmGid: undefined, hasKvm: undefined, ...args }, opts, "hotstack", "HostFacts");
    }
}
