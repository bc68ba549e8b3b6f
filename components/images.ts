// Images: one ContainerImage per Containerfile directory in assets/images, built on the host in
// dependency order (base first: every other image builds on its layers). Each image's context
// is its own directory plus shared/, so touching one Containerfile rebuilds that image alone
// (and the images built on it). The OpenStack services' Debian packages are installed by one apt
// run, in the openstack layer (build argument OPENSTACK_PACKAGES: the running services'
// layerPackages); their own images add files only. The price: a package change to one of them
// rebuilds that layer and every image on it, and restarts every OpenStack service.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ContainerImage } from "../providers/container-image";
import { ImageVersions } from "../providers/image-versions";
import { HotStackConfig } from "./config";

export const ASSETS = path.resolve(__dirname, "../assets/images");

/** Which image each one is built on (its build argument), undefined = the configured base image. */
export const IMAGE_PARENTS: Record<string, string | undefined> = {
    base: undefined,
    infra: "base",
    ovn: "base",
    openstack: "base",
    keystone: "openstack",
    placement: "openstack",
    glance: "openstack",
    nova: "openstack",
    neutron: "openstack",
    cinder: "openstack",
    heat: "openstack",
    dashboard: "openstack",
};

/**
 * The order builds take free slots (their parents permitting): keystone gates every API, so
 * infra (its database) and the openstack layer go first; OVN is needed by neutron only;
 * placement and neutron gate nova's chain of six units; glance, cinder and heat have nothing
 * waiting on them but post-setup; nothing waits on the dashboard.
 */
export const BUILD_ORDER = ["base", "infra", "openstack", "keystone", "placement", "ovn", "neutron", "nova", "glance", "cinder", "heat", "dashboard"];

/** The build argument that names an image's parent: HOTSTACK_<PARENT>, e.g. HOTSTACK_OPENSTACK. */
const parentBuildArg = (parent: string) => `HOTSTACK_${parent.toUpperCase().replace(/-/g, "_")}`;

/** Every file below a directory, relative to ASSETS, sorted. */
export function filesOf(dir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(ASSETS, rel), { withFileTypes: true })) {
            const r = `${rel}/${e.name}`;
            if (e.isDirectory()) walk(r);
            else if (e.isFile()) out.push(r);
        }
    };
    walk(dir);
    return out.sort();
}

/** The images needed for some, with the ones they build on, parents first. */
export function imageClosure(needed: string[]): string[] {
    const order: string[] = [];
    const add = (name: string) => {
        if (!(name in IMAGE_PARENTS)) throw new Error(`no image "${name}" in ${ASSETS}`);
        const parent = IMAGE_PARENTS[name];
        if (parent) add(parent);
        if (!order.includes(name)) order.push(name);
    };
    needed.forEach(add);
    return order;
}

export interface ImagesArgs {
    config: HotStackConfig;
    needed: string[];
    /** Extra build arguments per image (e.g. nova's KVM_GID). */
    extraArgs?: Record<string, Record<string, pulumi.Input<string>>>;
    /** Packages whose installed versions an image reports, per image. */
    versionsOf?: Record<string, string[]>;
    /** Images nothing of the cloud waits for (the dashboard's): built after every other one, never in a slot an API's image needs. */
    last?: string[];
}

export class Images extends pulumi.ComponentResource {
    readonly images: Record<string, ContainerImage> = {};
    private readonly versions: Record<string, ImageVersions> = {};

    constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:images:Images", name, {}, opts);
        const order = imageClosure(args.needed);
        const last = order.filter((i) => args.last?.includes(i));
        for (const image of [...order.filter((i) => !last.includes(i)), ...last]) {
            const parent = IMAGE_PARENTS[image];
            // A slot-waiting build is ordered by priority, but one whose parent is done early (the
            // dashboard's) would take a free slot before the images of nova or neutron even queue.
            const before = last.includes(image) ? order.filter((i) => !last.includes(i)).map((i) => this.images[i]) : [];
            const buildArgs: Record<string, pulumi.Input<string>> = parent
                ? { [parentBuildArg(parent)]: this.images[parent].imageId }
                : { BASE_IMAGE: args.config.baseImage };
            this.images[image] = new ContainerImage(`${name}-${image}`, {
                name: `localhost/hotstack-os-${image}:latest`,
                contextDir: ASSETS,
                files: [...filesOf(image), ...filesOf("shared")],
                containerfile: `${image}/Containerfile`,
                buildArgs: { ...buildArgs, ...(args.extraArgs?.[image] ?? {}) },
                parallel: args.config.buildParallel,
                priority: BUILD_ORDER.includes(image) ? BUILD_ORDER.indexOf(image) : 100,
            }, { parent: this, dependsOn: [...(parent ? [this.images[parent]] : []), ...before] });
            const packages = args.versionsOf?.[image] ?? [];
            if (packages.length) {
                this.versions[image] = new ImageVersions(`${name}-${image}-versions`, { imageId: this.images[image].imageId, image, packages }, { parent: this });
            }
        }
        this.registerOutputs({});
    }

    /** The installed version of a package an image was asked to report. */
    version(image: string, pkg: string): pulumi.Output<string> {
        const v = this.versions[image];
        if (!v) throw new Error(`image ${image} was not asked for package versions`);
        return v.versions.apply((all) => all?.[pkg] ?? "unknown");
    }

    id(image: string): pulumi.Output<string> {
        const i = this.images[image];
        if (!i) throw new Error(`image ${image} is not built by this stack`);
        return i.imageId;
    }
}
