// FileCapability: file capabilities on a binary (setcap), e.g. cap_net_admin+ep on libvirtd.
// A package update replaces the binary and drops them: read() sees that as drift.
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./host/connection";
import { claim, createdByUs, dropLedger, readLedger } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, diffFields, hostOf, isUnknown, defined } from "./kit";

export interface FileCapabilityArgs {
    connection: pulumi.Input<Connection>;
    path: pulumi.Input<string>;
    /** In setcap's text form, e.g. "cap_net_admin+ep". */
    capabilities: pulumi.Input<string>;
}

interface CapProps {
    connection: Connection;
    path: string;
    capabilities: string;
    adopted?: boolean;
}

const KIND = "file-capability";

/** One spelling for a capability set: getcap prints "cap_x=ep", setcap accepts "cap_x+ep". */
export function normaliseCaps(text: string): string {
    return text.trim().toLowerCase().replace(/^=\s*/, "").replace(/\+/g, "=").split(/\s+/).sort().join(" ");
}

/** The file's capabilities ("" when none), or undefined when the file is missing. */
async function observe(host: Host, path: string): Promise<string | undefined> {
    const r = await host.run(`p=${sh(path)}; [ -f "$p" ] || exit 0; echo present; getcap -- "$p"`, { what: `getcap ${path}` });
    const [present, line] = r.stdout.split("\n");
    if (present !== "present") return undefined;
    return line?.startsWith(path) ? normaliseCaps(line.slice(path.length)) : "";
}

async function apply(host: Host, p: CapProps): Promise<void> {
    await host.run(`setcap ${sh(p.capabilities)} ${sh(p.path)}`, { what: `setcap ${p.capabilities} ${p.path}` });
}

export const fileCapabilityProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        const inputs = { ...news, capabilities: typeof news.capabilities === "string" && !isUnknown(news.capabilities) ? normaliseCaps(news.capabilities) : news.capabilities };
        return checker(inputs)
            .absolutePath("path")
            .check("capabilities", (v) => (typeof v === "string" && /^cap_[a-z_]+(,cap_[a-z_]+)*[=+-][eip]*( cap_[a-z_]+(,cap_[a-z_]+)*[=+-][eip]*)*$/.test(v) ? undefined : 'must be a capability set like "cap_net_admin+ep"'))
            .result();
    },

    async diff(_id, olds, news) {
        return diffFields(olds, news, { path: "replace", capabilities: "update" });
    },

    async create(inputs) {
        const p = inputs as CapProps;
        const host = await hostOf(p);
        const before = await observe(host, p.path);
        if (before === undefined) throw new Error(`${p.path} does not exist on ${host.label}`);
        // "Exists" means the binary already carried capabilities: those are restored on delete.
        const entry = await claim(host, KIND, p.path, before ? { capabilities: before } : undefined);
        await apply(host, p);
        return { id: p.path, outs: { ...p, adopted: !entry.created } };
    },

    async read(id, props) {
        const p = { ...props, path: props.path ?? id } as CapProps;
        const host = await hostOf(p);
        const caps = await observe(host, p.path);
        if (caps === undefined) return GONE;
        const adopted = p.adopted ?? !(await readLedger(host, KIND, p.path))?.created;
        return { id, props: { ...p, capabilities: caps, adopted } };
    },

    async update(_id, olds, news) {
        const p = news as CapProps;
        await apply(await hostOf(p), p);
        return { outs: defined({ ...p, adopted: olds.adopted }) };
    },

    async delete(_id, props) {
        const p = props as CapProps;
        const host = await hostOf(p);
        const entry = await readLedger(host, KIND, p.path);
        const original = entry?.original?.capabilities as string | undefined;
        if (createdByUs(entry, p.adopted)) {
            await host.run(`[ ! -f ${sh(p.path)} ] || setcap -r ${sh(p.path)} 2>/dev/null || true`, { what: `setcap -r ${p.path}` });
        } else if (original) {
            await host.run(`[ ! -f ${sh(p.path)} ] || setcap ${sh(original)} ${sh(p.path)}`, { what: `restore capabilities of ${p.path}` });
        }
        await dropLedger(host, KIND, p.path);
    },
};

export class FileCapability extends pulumi.dynamic.Resource {
    declare readonly path: pulumi.Output<string>;
    declare readonly capabilities: pulumi.Output<string>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: FileCapabilityArgs, opts?: pulumi.CustomResourceOptions) {
        super(fileCapabilityProvider, name, { adopted: undefined, ...args }, opts, "hotstack", "FileCapability");
    }
}
