// FileCapability: file capabilities on a binary (setcap), e.g. cap_net_admin+ep on libvirtd.
// A package update replaces the binary and drops them: read() sees that as drift.
import * as pulumi from "@pulumi/pulumi";
import { claim, readLedger, release } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, defined, diffFields, hostProvider, isUnknown } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface FileCapabilityArgs extends HostArgs {
    path: pulumi.Input<string>;
    /** In setcap's text form, e.g. "cap_net_admin+ep". */
    capabilities: pulumi.Input<string>;
}

interface CapProps {
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

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): CapProps {
    return defined({ path: p.path, capabilities: p.capabilities });
}

async function apply(host: Host, p: CapProps): Promise<void> {
    await host.run(`setcap ${sh(p.capabilities)} ${sh(p.path)}`, { what: `setcap ${p.capabilities} ${p.path}` });
}

export const fileCapabilityProvider = hostProvider({
    async check(_olds, news) {
        const inputs = { ...news, capabilities: typeof news.capabilities === "string" && !isUnknown(news.capabilities) ? normaliseCaps(news.capabilities) : news.capabilities };
        return checker(inputs)
            .absolutePath("path")
            .check("capabilities", (v) => (typeof v === "string" && /^cap_[a-z_]+(,cap_[a-z_]+)*[=+-][eip]*( cap_[a-z_]+(,cap_[a-z_]+)*[=+-][eip]*)*$/.test(v) ? undefined : 'must be a capability set like "cap_net_admin+ep"'))
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { path: "replace", capabilities: "update" });
    },

    async create(host, inputs) {
        const p = own(inputs);
        const before = await observe(host, p.path);
        if (before === undefined) throw new Error(`${p.path} does not exist on ${host.label}`);
        // "Exists" means the binary already carried capabilities: those are restored on delete.
        const entry = await claim(host, KIND, p.path, before ? { capabilities: before } : undefined);
        await apply(host, p);
        return { id: p.path, outs: { ...p, adopted: !entry.created } };
    },

    async read(host, id, props) {
        const path = props.path ?? id;
        const caps = await observe(host, path);
        if (caps === undefined) return GONE;
        const adopted = props.adopted ?? !(await readLedger(host, KIND, path))?.created;
        return { id, props: { path, capabilities: caps, adopted } };
    },

    async update(host, _id, olds, news) {
        const p = own(news);
        await apply(host, p);
        return { outs: defined({ ...p, adopted: olds.adopted }) };
    },

    async delete(host, id, props) {
        const path = String(props.path ?? id);
        await release(host, KIND, path, props.adopted, {
            async remove() {
                // setcap -r fails on a file without capabilities (a package update already dropped them): ask first.
                await host.run(`set -e; p=${sh(path)}; [ -f "$p" ] || exit 0; c=$(getcap -- "$p"); [ -z "$c" ] || setcap -r "$p"`, { what: `setcap -r ${path}` });
            },
            async restore(original) {
                if (!original.capabilities) return;
                await host.run(`[ ! -f ${sh(path)} ] || setcap ${sh(String(original.capabilities))} ${sh(path)}`, { what: `restore capabilities of ${path}` });
            },
        });
    },
});

export class FileCapability extends HostResource {
    declare readonly path: pulumi.Output<string>;
    declare readonly capabilities: pulumi.Output<string>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: FileCapabilityArgs, opts?: pulumi.CustomResourceOptions) {
        super(fileCapabilityProvider, "FileCapability", name, { adopted: undefined, ...args }, opts);
    }
}
