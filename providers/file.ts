// File: content, owner, group and mode. Content may be secret: it reaches the host on stdin,
// is written through a 0600 temp file and renamed into place, and state keeps only its sha256.
import * as pulumi from "@pulumi/pulumi";
import { parseStat, writeFile } from "./host/files";
import { claim, readLedger, release } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, OWNER, checker, defined, diffFields, hostProvider, isUnknown, normaliseMode, sha256 } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface FileArgs extends HostArgs {
    path: pulumi.Input<string>;
    content: pulumi.Input<string>;
    owner?: pulumi.Input<string>;
    group?: pulumi.Input<string>;
    /** Octal mode, default "0644"; use "0600"/"0640" for secret content. */
    mode?: pulumi.Input<string>;
}

interface FileInputs {
    path: string;
    content: string;
    owner: string;
    group: string;
    mode: string;
}

interface FileOutputs extends Omit<FileInputs, "content"> {
    contentSha256: string;
    adopted: boolean;
}

const KIND = "file";

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): FileInputs {
    return defined({ path: p.path, content: p.content, owner: p.owner, group: p.group, mode: p.mode });
}

/** stat and sha256 in one round trip; undefined when the file is absent. */
async function observe(host: Host, path: string): Promise<{ owner: string; group: string; mode: string; sha: string; type: string } | undefined> {
    const r = await host.run(`p=${sh(path)}; [ -e "$p" ] || exit 0; stat -c '%F|%a|%u|%g|%U|%G|%s' -- "$p"; if [ -f "$p" ]; then sha256sum -- "$p"; fi`, { what: `inspect ${path}` });
    const [statLine, shaLine] = r.stdout.split("\n");
    if (!statLine) return undefined;
    const st = parseStat(statLine);
    return { owner: st.owner, group: st.group, mode: st.mode, sha: (shaLine ?? "").split(/\s+/)[0], type: st.type };
}

async function write(host: Host, p: FileInputs): Promise<Omit<FileOutputs, "adopted">> {
    await writeFile(host, p.path, p.content, p);
    const { content, ...rest } = p;
    return { ...rest, contentSha256: sha256(content) };
}

export const fileProvider = hostProvider({
    async check(_olds, news) {
        const inputs = { ...news, owner: news.owner ?? "root", group: news.group ?? "root", mode: typeof news.mode === "string" ? normaliseMode(news.mode) : (news.mode ?? "0644") };
        return checker(inputs)
            .absolutePath("path")
            .check("content", (v) => (typeof v === "string" ? undefined : "must be a string"))
            .name("owner", OWNER, "a user name or uid")
            .name("group", OWNER, "a group name or gid")
            .mode("mode")
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { path: "replace", content: "update", owner: "update", group: "update", mode: "update" },
            (f) => (f === "content" ? olds.contentSha256 : olds[f]),
            (f) => (f === "content" ? (isUnknown(news.content) ? news.content : sha256(news.content)) : news[f]));
    },

    async create(host, inputs) {
        const p = own(inputs);
        const found = await observe(host, p.path);
        if (found && found.type !== "file") throw new Error(`${p.path} exists on ${host.label} and is not a regular file`);
        // An adopted file is put back as it was on delete, so keep its content (root-only ledger).
        const original = found && { owner: found.owner, group: found.group, mode: found.mode, content: (await host.run(`base64 -w0 -- ${sh(p.path)}`, { what: `read ${p.path}` })).stdout };
        const entry = await claim(host, KIND, p.path, original);
        return { id: p.path, outs: { ...(await write(host, p)), adopted: !entry.created } };
    },

    async read(host, id, props) {
        const path = props.path ?? id;
        const found = await observe(host, path);
        if (!found || found.type !== "file") return GONE;
        const adopted = props.adopted ?? !(await readLedger(host, KIND, path))?.created;
        return { id, props: { path, owner: found.owner, group: found.group, mode: found.mode, contentSha256: found.sha, adopted } };
    },

    async update(host, _id, olds, news) {
        return { outs: defined({ ...(await write(host, own(news))), adopted: olds.adopted }) };
    },

    async delete(host, id, props) {
        const path = String(props.path ?? id);
        await release(host, KIND, path, props.adopted, {
            async remove() {
                await host.run(`rm -f -- ${sh(path)}`, { what: `remove ${path}` });
            },
            async restore(original) {
                const o = original as { owner: string; group: string; mode: string; content: string };
                await writeFile(host, path, Buffer.from(o.content, "base64"), o);
            },
        });
    },
});

export class File extends HostResource {
    declare readonly path: pulumi.Output<string>;
    declare readonly owner: pulumi.Output<string>;
    declare readonly group: pulumi.Output<string>;
    declare readonly mode: pulumi.Output<string>;
    /** sha256 of the content on the host (hex): a restart trigger for whatever reads the file. */
    declare readonly contentSha256: pulumi.Output<string>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
        super(fileProvider, "File", name, { owner: undefined, group: undefined, mode: undefined, contentSha256: undefined, adopted: undefined, ...args }, opts);
    }
}
