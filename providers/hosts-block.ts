// HostsBlock: a marker-delimited block of entries in /etc/hosts. Lines outside the block are
// never touched; the block is the whole of what this resource owns.
import * as pulumi from "@pulumi/pulumi";
import { readFile, statPath, writeFile } from "./host/files";
import { Host } from "./host/transport";
import { GONE, HOSTNAME, checker, diffFields, hostProvider, isIpv4, isUnknown } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface HostsEntry {
    ip: string;
    names: string[];
}

export interface HostsBlockArgs extends HostArgs {
    /** Default "/etc/hosts". */
    file?: pulumi.Input<string>;
    /** Text after "# BEGIN " / "# END ", default "hotstack-os managed entries". */
    marker?: pulumi.Input<string>;
    entries: pulumi.Input<pulumi.Input<HostsEntry>[]>;
}

interface BlockProps {
    file: string;
    marker: string;
    entries: HostsEntry[];
}

const begin = (marker: string) => `# BEGIN ${marker}`;
const end = (marker: string) => `# END ${marker}`;

/** Splits a hosts file into the text outside the block and the entries inside it (undefined if no block). */
export function parseBlock(text: string, marker: string): { outside: string[]; entries?: HostsEntry[] } {
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    const from = lines.indexOf(begin(marker));
    const to = lines.indexOf(end(marker), from + 1);
    if (from < 0 || to < 0) return { outside: lines };
    const entries = lines.slice(from + 1, to)
        .map((l) => l.replace(/#.*/, "").trim())
        .filter(Boolean)
        .map((l) => {
            const [ip, ...names] = l.split(/\s+/);
            return { ip, names };
        });
    return { outside: [...lines.slice(0, from), ...lines.slice(to + 1)], entries };
}

export function renderHosts(outside: string[], marker: string, entries: HostsEntry[] | undefined): string {
    const block = entries ? [begin(marker), ...entries.map((e) => `${e.ip} ${e.names.join(" ")}`), end(marker)] : [];
    return [...outside, ...block].join("\n") + "\n";
}

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): BlockProps {
    return { file: p.file, marker: p.marker, entries: p.entries };
}

async function rewrite(host: Host, p: BlockProps, entries: HostsEntry[] | undefined): Promise<void> {
    const text = (await readFile(host, p.file)) ?? "";
    const st = await statPath(host, p.file);
    const { outside, entries: present } = parseBlock(text, p.marker);
    if (!entries && !present) return; // nothing of ours to remove
    await writeFile(host, p.file, renderHosts(outside, p.marker, entries), { owner: st?.owner ?? "root", group: st?.group ?? "root", mode: st?.mode ?? "0644" });
}

export const hostsBlockProvider = hostProvider({
    async check(_olds, news) {
        const inputs = { ...news, file: news.file ?? "/etc/hosts", marker: news.marker ?? "hotstack-os managed entries" };
        return checker(inputs)
            .absolutePath("file")
            .check("marker", (v) => (typeof v === "string" && /^[\x20-\x7e]{1,80}$/.test(v) ? undefined : "must be one printable line"))
            .check("entries", (v) => {
                if (!Array.isArray(v)) return "must be a list of {ip, names}";
                for (const e of v) {
                    if (isUnknown(e)) continue;
                    if (!isIpv4(e?.ip) && !(typeof e?.ip === "string" && /^[0-9a-f:]+$/i.test(e.ip) && e.ip.includes(":"))) return `has an entry whose ip is not an IP address (${JSON.stringify(e?.ip)})`;
                    if (!Array.isArray(e.names) || e.names.length === 0 || !e.names.every((n: unknown) => isUnknown(n) || (typeof n === "string" && HOSTNAME.test(n)))) return `has an entry for ${e.ip} whose names are not host names`;
                }
                return undefined;
            })
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { file: "replace", marker: "replace", entries: "update" });
    },

    async create(host, inputs) {
        const p = own(inputs);
        await rewrite(host, p, p.entries);
        return { id: `${p.file}#${p.marker}`, outs: p };
    },

    async read(host, id, props) {
        const [file, marker] = id.split("#");
        const p = own({ file, marker, ...props });
        const text = await readFile(host, p.file);
        const { entries } = parseBlock(text ?? "", p.marker);
        return entries ? { id, props: { ...p, entries } } : GONE;
    },

    async update(host, _id, _olds, news) {
        const p = own(news);
        await rewrite(host, p, p.entries);
        return { outs: p };
    },

    async delete(host, _id, props) {
        await rewrite(host, own(props), undefined);
    },
});

export class HostsBlock extends HostResource {
    declare readonly file: pulumi.Output<string>;
    declare readonly entries: pulumi.Output<HostsEntry[]>;

    constructor(name: string, args: HostsBlockArgs, opts?: pulumi.CustomResourceOptions) {
        super(hostsBlockProvider, "HostsBlock", name, { file: undefined, ...args }, opts);
    }
}
