// ImageVersions: the installed versions of some Debian packages in one image the stack built,
// read from the image's dpkg database so the program can say what runs (the openstackVersions output). A resource of its own
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

/**
 * A script printing `<package>\t<version>` for each of `packages` that is installed in an image
 * (`image`: a shell word, e.g. an ID or "$img"), read from the image's dpkg database through
 * `podman image mount`: no container runs (on a host whose nested cgroups let one container kill
 * another, a container started beside a build killed its RUN step), and no tool of the host's
 * distribution is needed. Exits non-zero when the image cannot be mounted.
 */
export function installedVersionsScript(image: string, packages: string[]): string {
    const want = ` ${packages.join(" ")} `;
    return [
        `mnt=$(podman image mount ${image}) || exit 1`,
        // One stanza per package; Status ends in "installed" only when it is.
        `awk -v want=${sh(want)} 'BEGIN { RS = ""; FS = "\\n" } { p = ""; st = ""; v = ""; for (i = 1; i <= NF; i++) { if ($i ~ /^Package: /) p = substr($i, 10); else if ($i ~ /^Status: /) st = $i; else if ($i ~ /^Version: /) v = substr($i, 10) } if (index(want, " " p " ") && st ~ / installed$/) print p "\\t" v }' "$mnt/var/lib/dpkg/status"; rc=$?`,
        `podman image unmount ${image} >/dev/null 2>&1 || true`,
        "exit $rc",
    ].join("\n");
}

/**
 * The installed versions of `packages` in an image, as its own dpkg database records them. A
 * package the image does not have is an error naming it; so is an image that cannot be read.
 */
export async function packageVersions(host: Host, imageId: string, image: string, packages: string[]): Promise<Record<string, string>> {
    if (!packages.length) return {};
    const r = await host.run(`(\n${installedVersionsScript(sh(imageId), packages)}\n)`, { what: `read package versions in image ${image}`, check: false });
    if (r.code !== 0) throw new Error(`cannot read package versions in image ${image} (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const found = Object.fromEntries(r.stdout.trim().split("\n").filter(Boolean).map((l) => l.split("\t")));
    const missing = packages.filter((p) => !found[p]);
    if (missing.length) throw new Error(`image ${image} has no installed package ${missing.join(", ")}`);
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
