// File: content, owner, group and mode. Content may be secret: it reaches the host on stdin,
// is written through a 0600 temp file and renamed into place, and state keeps only its sha256.
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./host/connection";
import { parseStat, writeFile } from "./host/files";
import { claim, createdByUs, dropLedger, readLedger } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, OWNER, checker, diffFields, hostOf, isUnknown, normaliseMode, defined } from "./kit";

export interface FileArgs {
    connection: pulumi.Input<Connection>;
    path: pulumi.Input<string>;
    content: pulumi.Input<string>;
    owner?: pulumi.Input<string>;
    group?: pulumi.Input<string>;
    /** Octal mode, default "0644"; use "0600"/"0640" for secret content. */
    mode?: pulumi.Input<string>;
}

interface FileInputs {
    connection: Connection;
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

const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

/** stat and sha256 in one round trip; undefined when the file is absent. */
async function observe(host: Host, path: string): Promise<{ owner: string; group: string; mode: string; sha: string; type: string } | undefined> {
    const r = await host.run(`p=${sh(path)}; [ -e "$p" ] || exit 0; stat -c '%F|%a|%u|%g|%U|%G|%s' -- "$p"; [ -f "$p" ] && sha256sum -- "$p" || true`);
    const [statLine, shaLine] = r.stdout.split("\n");
    if (!statLine) return undefined;
    const st = parseStat(statLine);
    return { owner: st.owner, group: st.group, mode: st.mode, sha: (shaLine ?? "").split(/\s+/)[0], type: st.type };
}

async function write(host: Host, p: FileInputs): Promise<FileOutputs> {
    await writeFile(host, p.path, p.content, p);
    const { content, ...rest } = p;
    return { ...rest, contentSha256: sha256(content), adopted: false };
}

export const fileProvider: pulumi.dynamic.ResourceProvider = {
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

    async diff(_id, olds, news) {
        return diffFields(olds, news, { path: "replace", content: "update", owner: "update", group: "update", mode: "update" },
            (f) => (f === "content" ? olds.contentSha256 : olds[f]),
            (f) => (f === "content" ? (isUnknown(news.content) ? news.content : sha256(news.content)) : news[f]));
    },

    async create(inputs) {
        const p = inputs as FileInputs;
        const host = await hostOf(p);
        const found = await observe(host, p.path);
        if (found && found.type !== "file") throw new Error(`${p.path} exists on ${host.label} and is not a regular file`);
        // An adopted file is put back as it was on delete, so keep its content (root-only ledger).
        const original = found && { owner: found.owner, group: found.group, mode: found.mode, content: (await host.run(`base64 -w0 -- ${sh(p.path)}`)).stdout };
        const entry = await claim(host, KIND, p.path, original);
        return { id: p.path, outs: { ...(await write(host, p)), adopted: !entry.created } };
    },

    async read(id, props) {
        const p = { ...props, path: props.path ?? id } as FileOutputs;
        const host = await hostOf(p);
        const found = await observe(host, p.path);
        if (!found || found.type !== "file") return GONE;
        const adopted = p.adopted ?? !(await readLedger(host, KIND, p.path))?.created;
        return { id, props: { ...p, owner: found.owner, group: found.group, mode: found.mode, contentSha256: found.sha, adopted } };
    },

    async update(_id, olds, news) {
        const p = news as FileInputs;
        return { outs: defined({ ...(await write(await hostOf(p), p)), adopted: olds.adopted }) };
    },

    async delete(_id, props) {
        const p = props as FileOutputs;
        const host = await hostOf(p);
        const entry = await readLedger(host, KIND, p.path);
        if (createdByUs(entry, p.adopted)) {
            await host.run(`rm -f -- ${sh(p.path)}`, { what: `remove ${p.path}` });
        } else if (entry?.original) {
            const o = entry.original as { owner: string; group: string; mode: string; content: string };
            await writeFile(host, p.path, Buffer.from(o.content, "base64"), o);
        }
        await dropLedger(host, KIND, p.path);
    },
};

export class File extends pulumi.dynamic.Resource {
    declare readonly path: pulumi.Output<string>;
    declare readonly owner: pulumi.Output<string>;
    declare readonly group: pulumi.Output<string>;
    declare readonly mode: pulumi.Output<string>;
    /** sha256 of the content on the host (hex): a restart trigger for whatever reads the file. */
    declare readonly contentSha256: pulumi.Output<string>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
        super(fileProvider, name, { owner: undefined, group: undefined, mode: undefined, contentSha256: undefined, adopted: undefined, ...args }, opts, "hotstack", "File");
    }
}
