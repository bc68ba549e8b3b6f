// ImageVersions: the installed versions of some Debian packages in one image the stack built,
// read so the program can say what runs (the openstackVersions output). A resource of its own
// beside the image: asking for another package never touches the image, nor the services that
// run it. An image ID names immutable content, so the versions are read once per image ID and a
// refresh reads nothing; delete does nothing.
import * as pulumi from "@pulumi/pulumi";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { checker, diffFields, hostProvider, isUnknown } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface ImageVersionsArgs extends HostArgs {
    /** The image, by ID ("sha256:…" or the bare hex). */
    imageId: pulumi.Input<string>;
    /** Its name, for messages. */
    image: pulumi.Input<string>;
    packages: pulumi.Input<pulumi.Input<string>[]>;
}

/** dpkg-query's exit status when a package is unknown; anything else non-zero is podman's failure. */
const DPKG_NOT_FOUND = 1;

/**
 * The installed versions of `packages` in an image, as the image's own dpkg knows them (a
 * throwaway container without network: no tool of the host's distribution is needed). A package
 * the image does not have is an error naming it; so is a container that does not run.
 */
export async function packageVersions(host: Host, imageId: string, image: string, packages: string[]): Promise<Record<string, string>> {
    if (!packages.length) return {};
    const r = await host.run(`rc=0; podman run --rm --network none --entrypoint dpkg-query ${sh(imageId)} -W -f '\${Package}\\t\${db:Status-Status}\\t\${Version}\\n' ${packages.map(sh).join(" ")} || rc=$?; echo "rc=$rc"`, { what: `read package versions in image ${image}` });
    const out = r.stdout.trim().split("\n");
    const rc = Number((out.pop() ?? "").replace(/^rc=/, ""));
    if (rc !== 0 && rc !== DPKG_NOT_FOUND) throw new Error(`cannot read package versions in image ${image} (exit ${rc}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const found: Record<string, string> = {};
    for (const l of out) {
        const [pkg, status, version] = l.split("\t");
        if (version && status === "installed") found[pkg.replace(/:.*$/, "")] = version;
    }
    const missing = packages.filter((p) => !(p in found));
    if (missing.length) throw new Error(`image ${image} has no installed package ${missing.join(", ")}${r.stderr.trim() ? ` (dpkg-query: ${r.stderr.trim().split("\n").slice(-2).join(" | ")})` : ""}`);
    return Object.fromEntries(packages.map((p) => [p, found[p]]));
}

export const imageVersionsProvider = hostProvider({
    async check(_olds, news) {
        return checker({ ...news, packages: news.packages ?? [] })
            .check("imageId", (v) => (typeof v === "string" && /^(sha256:)?[0-9a-f]{64}$/.test(v) ? undefined : "must be an image ID (sha256)"))
            .check("packages", (v) => (Array.isArray(v) && v.every((x) => isUnknown(x) || (typeof x === "string" && /^[a-z0-9][a-z0-9+.-]+$/.test(x))) ? undefined : "must be a list of Debian package names"))
            .result();
    },
    async diff(olds, news) {
        return diffFields(olds, news, { imageId: "update", packages: "update" });
    },
    async create(host, inputs) {
        return { id: String(inputs.image), outs: { ...inputs, versions: await packageVersions(host, inputs.imageId, inputs.image, inputs.packages) } };
    },
    async read(_host, id, props) {
        // An image ID is its content: what was read for it stays true.
        return { id, props: { ...props } };
    },
    async update(host, _id, _olds, news) {
        return { outs: { ...news, versions: await packageVersions(host, news.imageId, news.image, news.packages) } };
    },
    async delete() {
        // only read
    },
});

export class ImageVersions extends HostResource {
    /** Installed version of each package. */
    declare readonly versions: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: ImageVersionsArgs, opts?: pulumi.CustomResourceOptions) {
        super(imageVersionsProvider, "ImageVersions", name, { versions: undefined, ...args }, opts);
    }
}
