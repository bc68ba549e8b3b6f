// Glance images of post-setup: public, bare, with the spec's
// properties, uploaded from a file on the host or from a URL downloaded on the host into a
// cache that survives re-runs (a second run downloads nothing). An image whose uploaded content
// differs from its source (the source file changed, or the image was replaced by hand) is
// replaced.
import { sh } from "../../host/shell";
import { sha256 } from "../../kit";
import { Ctx, Kind, Observed, getOrUndefined, q, removeIfThere } from "../kind";

/** spec: diskFormat, visibility, properties {k: v}, url | file, cacheDir, content ("current"). */

/** Where a URL's download lives in the cache (one file per URL, whatever image names it). */
function cachePath(spec: Record<string, any>): string {
    return `${spec.cacheDir}/${sha256(spec.url).slice(0, 16)}-${String(spec.url).split("/").pop()!.replace(/[^A-Za-z0-9._-]/g, "_")}`;
}

/** The file on the host to upload: the given file, or the URL's download in the cache. */
async function sourceFile(x: Ctx): Promise<string> {
    const s = x.props.spec;
    if (s.file) {
        const r = await x.host.run(`[ -f ${sh(s.file)} ] && echo yes || true`);
        if (r.stdout.trim() !== "yes") throw new Error(`image ${x.props.name}: file ${s.file} does not exist on ${x.host.label}`);
        return s.file;
    }
    const path = cachePath(s);
    // Downloaded to a temp name and renamed when complete: an interrupted download is never used.
    const r = await x.host.run([
        `f=${sh(path)}`,
        '[ -s "$f" ] && exit 0',
        `install -d -m 0700 ${sh(s.cacheDir)}`,
        't="$f.part.$$"; trap \'rm -f "$t"\' EXIT',
        // (exits with curl's own status and message: "(22) The requested URL returned error: 404")
        `curl -fsSL --retry 3 --connect-timeout 20 -o "$t" ${sh(s.url)} || exit`,
        'mv -f "$t" "$f"',
    ].join("\n"), { check: false, timeoutMs: 3 * 3600 * 1000 });
    if (r.code !== 0) throw new Error(`image ${x.props.name}: downloading ${s.url} on ${x.host.label} failed: ${(r.stderr.trim() || `curl exit ${r.code}`).split("\n").pop()}`);
    return path;
}

/**
 * Where the hash of an image's source is kept: in the program's own cache dir (never beside the
 * user's file), one per image and source, removed with the image.
 */
export function hashStampPath(spec: Record<string, any>, name: string, file: string, algo: string): string | undefined {
    return spec.cacheDir ? `${spec.cacheDir}/.hash-${sha256(`${name}\n${file}`).slice(0, 16)}.${algo}` : undefined;
}

/**
 * The script that prints the source's hash. A stamp kept by size and mtime spares hashing large
 * images on every run; only a run that changes the cloud (create, update: `keep`) writes it: a
 * read (refresh, preview) uses a current stamp or streams the file through the hash, and leaves
 * nothing on the host.
 */
export function sourceHashScript(file: string, algo: string, stamp: string | undefined, keep: boolean): string {
    return [
        `f=${sh(file)}`,
        '[ -f "$f" ] || exit 0',
        'stamp=$(stat -c "%s %Y" "$f")',
        ...(stamp ? [
            `c=${sh(stamp)}`,
            'if [ -f "$c" ] && [ "$(cut -d" " -f1,2 "$c")" = "$stamp" ]; then cut -d" " -f3 "$c"; exit 0; fi',
        ] : []),
        `h=$(${algo}sum < "$f" | cut -d" " -f1)`,
        ...(stamp && keep ? [
            // (only when the cache dir is there: it is made by a resource of its own)
            'if [ -d "$(dirname -- "$c")" ]; then printf "%s %s\\n" "$stamp" "$h" > "$c.tmp.$$" && mv -f "$c.tmp.$$" "$c"; fi',
        ] : []),
        'echo "$h"',
    ].join("\n");
}

async function sourceHash(x: Ctx, file: string, algo: string, keep: boolean): Promise<string | undefined> {
    if (!/^(sha256|sha512)$/.test(algo)) return undefined;
    const r = await x.host.run(sourceHashScript(file, algo, hashStampPath(x.props.spec, x.props.name, file, algo), keep));
    return r.stdout.trim() || undefined;
}

/** Glance states of an image that never became active: ours in one of them is what a crashed create left. */
const UNFINISHED = ["queued", "saving", "uploading", "importing", "killed", "deleted", "pending_delete"];

/** `keep`: the caller changes the cloud anyway (create, update), so the hash's stamp may be written. */
async function attrsOf(x: Ctx, img: any, keep: boolean): Promise<Record<string, unknown>> {
    const props = x.props.spec.properties ?? {};
    let content = "current";
    if (img.status !== "active") content = img.status;
    else if (img.os_hash_value) {
        const s = x.props.spec;
        const hash = await sourceHash(x, s.file ?? cachePath(s), img.os_hash_algo ?? "sha512", keep);
        if (hash && hash !== img.os_hash_value) content = "differs from its source";
    }
    return {
        diskFormat: img.disk_format,
        visibility: img.visibility,
        properties: Object.fromEntries(Object.keys(props).map((k) => [k, img[k]])),
        content,
    };
}

// (Kinds never call their own exported object: see compute.ts.)
async function getImage(x: Ctx, id: string, keep = false): Promise<Observed | undefined> {
    const img = await getOrUndefined(x, "image", `/v2/images/${id}`);
    return img && { id, attrs: await attrsOf(x, img, keep) };
}

export const image: Kind = {
    service: "image",
    compare: ["diskFormat", "visibility", "properties", "content"],
    replaceOn: ["diskFormat", "content", "url", "file"],
    // Made (POST) but never uploaded: a run killed between the two, or an upload that failed.
    leftover: (attrs) => UNFINISHED.includes(String(attrs.content)),
    // (find is called by create only: it may keep the hash's stamp)
    async find(x) {
        const r = await x.cloud.request("image", "GET", `/v2/images?name=${q(x.props.name)}`);
        const img = r.body.images?.[0];
        return img && { id: img.id, attrs: await attrsOf(x, img, true) };
    },
    // (the engine's read: writes nothing)
    get: (x, id) => getImage(x, id),
    async create(x): Promise<Observed> {
        const s = x.props.spec;
        const file = await sourceFile(x);
        const r = await x.cloud.request("image", "POST", "/v2/images", {
            body: { name: x.props.name, disk_format: s.diskFormat, container_format: "bare", visibility: s.visibility, ...(s.properties ?? {}) },
        });
        const id = r.body.id;
        try {
            await x.cloud.request("image", "PUT", `/v2/images/${id}/file`, { uploadFile: file, timeoutSeconds: 3600 });
            for (let i = 0; i < 300; i++) {
                const img = await getOrUndefined(x, "image", `/v2/images/${id}`);
                if (img?.status === "active") return { id, attrs: await attrsOf(x, img, true) };
                if (!img || ["killed", "deleted"].includes(img.status)) throw new Error(`image ${x.props.name} became ${img?.status ?? "absent"} after the upload`);
                await new Promise((res) => setTimeout(res, 2000));
            }
            throw new Error(`image ${x.props.name} did not become active within 10 minutes of its upload`);
        } catch (e) {
            // No half-made image stays behind: the next run starts over.
            await removeIfThere(x, "image", `/v2/images/${id}`);
            throw e;
        }
    },
    async update(x, id) {
        const props = x.props.spec.properties ?? {};
        const ops = [
            { op: "replace", path: "/visibility", value: x.props.spec.visibility },
            ...Object.entries(props).map(([k, v]) => ({ op: "add", path: `/${k}`, value: v })),
        ];
        await x.cloud.request("image", "PATCH", `/v2/images/${id}`, { body: ops, contentType: "application/openstack-images-v2.1-json-patch" });
        return (await getImage(x, id, true))!;
    },
    remove: (x, id) => removeIfThere(x, "image", `/v2/images/${id}`),
    async forget(x) {
        const s = x.props.spec;
        const file = s.file ?? (s.url ? cachePath(s) : undefined);
        const stamps = file ? ["sha256", "sha512"].map((a) => hashStampPath(s, x.props.name, file, a)).filter((p): p is string => !!p) : [];
        if (stamps.length) await x.host.run(`rm -f -- ${stamps.map(sh).join(" ")}`);
    },
};
