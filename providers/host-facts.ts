// HostFacts: what only the host knows, read (never changed) so the program can use it: its FQDN
// (the OVN chassis name and nova's [DEFAULT] host by default), the kvm group's gid (the nova
// image must carry it), whether /dev/kvm exists, and whether it is cgroup v2 and itself a
// container (how image builds may run side by side). Read again on every refresh; delete does
// nothing.
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
    /** /sys/fs/cgroup is the unified (v2) hierarchy. */
    cgroupV2: boolean;
    /** The host is itself a container (systemd-detect-virt -c, podman's or docker's marker file). */
    inContainer: boolean;
}

/** Facts added after the first release: a state without them is updated (read again). */
const LATER_FACTS = ["cgroupV2", "inContainer"] as const;

async function observe(host: Host): Promise<Facts> {
    const r = await host.run([
        'echo "fqdn=$(hostname -f 2>/dev/null || hostname)"',
        'echo "kvm=$(getent group kvm | cut -d: -f3)"',
        '[ -c /dev/kvm ] && echo has_kvm=1 || echo has_kvm=0',
        'echo "cgroupfs=$(stat -fc %T /sys/fs/cgroup)"',
        '{ systemd-detect-virt -cq 2>/dev/null || [ -e /run/.containerenv ] || [ -e /.dockerenv ]; } && echo container=1 || echo container=0',
    ].join("\n"), { what: "read host facts" });
    const get = keyValues(r.stdout);
    const kvm = get("kvm") ?? "";
    return { fqdn: get("fqdn") ?? "", kvmGid: kvm ? Number(kvm) : -1, hasKvm: get("has_kvm") === "1", cgroupV2: get("cgroupfs") === "cgroup2fs", inContainer: get("container") === "1" };
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
        if (typeof olds.kvmGid === "number" && olds.kvmGid < 0) return { ...d, changes: true, fields: ["kvmGid"] };
        // Facts this state does not have yet (an older program made it): the update reads them.
        const missing = LATER_FACTS.filter((f) => typeof olds[f] !== "boolean");
        return missing.length ? { ...d, changes: true, fields: [...missing] } : d;
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
    declare readonly cgroupV2: pulumi.Output<boolean>;
    declare readonly inContainer: pulumi.Output<boolean>;

    constructor(name: string, args: HostFactsArgs = {}, opts?: pulumi.CustomResourceOptions) {
        super(hostFactsProvider, "HostFacts", name, { fqdn: undefined, kvmGid: undefined, hasKvm: undefined, cgroupV2: undefined, inContainer: undefined, ...args }, opts);
    }
}
