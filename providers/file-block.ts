// FileBlock: a marker-delimited block of lines inside a file the program shares with others
// (e.g. our clouds in /etc/openstack/clouds.yaml, beside the user's own). Lines outside the
// block are never touched. The block may hold secrets: it reaches the host on stdin, state keeps
// only a digest, and a `private` block makes the file root's with `mode` while it is there (an
// existing file's owner and mode are recorded and put back when the block goes; otherwise a
// file keeps its own and only a new one gets `mode`). A new block goes
// right after the first line matching `after` (e.g. "clouds:"), else at the end; a file that
// does not exist is created from `header` and removed again when the block was all it held.
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { readFile, statPath, writeFile } from "./host/files";
import { claim, release } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, defined, diffFields, hostProvider, isUnknown, normaliseMode } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface FileBlockArgs extends HostArgs {
    path: pulumi.Input<string>;
    /** Text after "# BEGIN " / "# END ". */
    marker: pulumi.Input<string>;
    /** The block's lines (may be secret). */
    content: pulumi.Input<string>;
    /** A new block goes after the first line equal to this (e.g. "clouds:"). */
    after?: pulumi.Input<string>;
    /** A new file's first lines (e.g. "clouds:"). */
    header?: pulumi.Input<string>;
    /** A new file's mode (an existing file keeps its own, unless `private`). */
    mode?: pulumi.Input<string>;
    /** The block holds secrets: the file is root:root with `mode` while it holds the block. */
    private?: pulumi.Input<boolean>;
    /** Keys the content's digest in state (a per-stack random secret), so secret content cannot be guessed from it. */
    digestKey?: pulumi.Input<string>;
}

const KIND = "file-block";
const begin = (marker: string) => `# BEGIN ${marker}`;
const end = (marker: string) => `# END ${marker}`;

/** A keyed digest of the block's lines (one trailing newline, however the content ends). */
const digestOf = (key: string | undefined, content: string) =>
    crypto.createHmac("sha256", key ?? "hotstack-os").update(content.endsWith("\n") ? content : `${content}\n`).digest("hex");

/** The lines before, inside (undefined when there is no block) and after our block. */
export function splitBlock(text: string, marker: string): { before: string[]; inside?: string[]; after: string[] } {
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    const from = lines.indexOf(begin(marker));
    const to = lines.indexOf(end(marker), from + 1);
    if (from < 0 || to < 0) return { before: lines, after: [] };
    return { before: lines.slice(0, from), inside: lines.slice(from + 1, to), after: lines.slice(to + 1) };
}

/** The file's text with our block set to `content` (or removed when undefined). */
export function withBlock(text: string, marker: string, content: string | undefined, after?: string): string {
    const { before, inside, after: rest } = splitBlock(text, marker);
    const block = content === undefined ? [] : [begin(marker), ...content.replace(/\n$/, "").split("\n"), end(marker)];
    if (inside !== undefined) return [...before, ...block, ...rest].join("\n") + "\n";
    if (content === undefined) return text;
    const at = after === undefined ? -1 : before.indexOf(after);
    const lines = at < 0 ? [...before, ...block] : [...before.slice(0, at + 1), ...block, ...before.slice(at + 1)];
    return lines.join("\n") + "\n";
}

interface Ownership { owner: string; group: string; mode: string }

async function rewrite(host: Host, p: Record<string, any>, content: string | undefined, created: boolean, restoreTo?: Ownership): Promise<void> {
    const st = await statPath(host, p.path);
    const text = st ? (await readFile(host, p.path)) ?? "" : p.header ?? "";
    const next = withBlock(text.endsWith("\n") || text === "" ? text : `${text}\n`, p.marker, content, p.after);
    // A file this program created that holds nothing but its header again is removed.
    if (content === undefined && created && next.trim() === (p.header ?? "").trim()) {
        await host.run(`rm -f -- ${sh(p.path)}`, { what: `remove ${p.path}` });
        return;
    }
    // A private block's file is root's alone while the block is in it; without it, the file's own
    // owner and mode (as recorded before we came) return.
    const want: Ownership = content !== undefined && p.private
        ? { owner: "root", group: "root", mode: p.mode }
        : restoreTo ?? { owner: st?.owner ?? "root", group: st?.group ?? "root", mode: st?.mode ?? p.mode };
    if (st && next === text && st.owner === want.owner && st.group === want.group && normaliseMode(st.mode) === normaliseMode(want.mode)) return;
    await host.run(`install -d -m 0755 ${sh(p.path.slice(0, p.path.lastIndexOf("/")) || "/")}`);
    await writeFile(host, p.path, next, want);
}

/** An existing file's owner and mode, from the ledger (or state when the ledger has no entry). */
const ownershipOf = (o: unknown): Ownership | undefined => {
    const r = o as Partial<Ownership> | undefined;
    return r && typeof r.owner === "string" && typeof r.group === "string" && typeof r.mode === "string" ? { owner: r.owner, group: r.group, mode: r.mode } : undefined;
};

export const fileBlockProvider = hostProvider({
    async check(_olds, news) {
        const inputs = { ...news, mode: typeof news.mode === "string" ? normaliseMode(news.mode) : (news.mode ?? "0644") };
        return checker(inputs)
            .absolutePath("path")
            .check("marker", (v) => (typeof v === "string" && /^[\x20-\x7e]{1,80}$/.test(v) ? undefined : "must be one printable line"))
            .check("content", (v) => (typeof v === "string" ? undefined : "must be text"))
            .check("after", (v) => (typeof v === "string" && !v.includes("\n") ? undefined : "must be one line"), true)
            .check("header", (v) => (typeof v === "string" ? undefined : "must be text"), true)
            .check("private", (v) => (typeof v === "boolean" ? undefined : "must be true or false"), true)
            .mode("mode")
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { path: "replace", marker: "replace", content: "update", after: "update", header: "update", mode: "update", private: "update" },
            (f) => (f === "content" ? olds.contentDigest : olds[f]),
            (f) => (f === "content" ? (isUnknown(news.content) || isUnknown(news.digestKey) ? news.content : digestOf(news.digestKey, news.content)) : news[f]));
    },

    async create(host, inputs) {
        const found = await statPath(host, inputs.path);
        // The ledger records whether the file existed (and its owner and mode, to put back): only
        // a file this program made is ever removed.
        const entry = await claim(host, KIND, inputs.path, found ? { owner: found.owner, group: found.group, mode: normaliseMode(found.mode) } : undefined);
        await rewrite(host, inputs, inputs.content, entry.created);
        return { id: `${inputs.path}#${inputs.marker}`, outs: own(inputs, entry.created, ownershipOf(entry.original)) };
    },

    async read(host, id, props) {
        const text = await readFile(host, props.path);
        const inside = text === undefined ? undefined : splitBlock(text, props.marker).inside;
        if (inside === undefined) return GONE;
        return { id, props: { ...props, contentDigest: digestOf(props.digestKey, inside.join("\n") + "\n") } };
    },

    async update(host, _id, olds, news) {
        await rewrite(host, news, news.content, olds.createdFile === true, ownershipOf(olds.original));
        return { outs: own(news, olds.createdFile === true, ownershipOf(olds.original)) };
    },

    async delete(host, _id, props) {
        // Our block goes in every case: also when the ledger lost the file's entry.
        let done = false;
        await release(host, KIND, props.path, !props.createdFile, {
            remove: () => rewrite(host, props, undefined, true).then(() => { done = true; }),
            restore: (original) => rewrite(host, props, undefined, false, ownershipOf(original) ?? ownershipOf(props.original)).then(() => { done = true; }),
        });
        if (!done) await rewrite(host, props, undefined, false, ownershipOf(props.original));
    },
});

/** Outputs: everything but the content, which is kept as a keyed digest. */
function own(p: Record<string, any>, createdFile: boolean, original?: Ownership): Record<string, unknown> {
    return defined({
        path: p.path,
        marker: p.marker,
        after: p.after,
        header: p.header,
        mode: p.mode,
        private: p.private,
        original,
        digestKey: p.digestKey,
        contentDigest: digestOf(p.digestKey, p.content),
        createdFile,
    });
}

export class FileBlock extends HostResource {
    declare readonly path: pulumi.Output<string>;
    declare readonly contentDigest: pulumi.Output<string>;

    constructor(name: string, args: FileBlockArgs, opts?: pulumi.CustomResourceOptions) {
        super(fileBlockProvider, "FileBlock", name, { contentDigest: undefined, createdFile: undefined, original: undefined, ...args }, { ...opts, additionalSecretOutputs: ["digestKey"] });
    }
}
