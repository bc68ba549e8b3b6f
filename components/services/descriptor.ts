// What one service is, as plain data in its own file (kolla-ansible keeps the same facts in one
// defaults/main.yml per role): its containers with their images, addresses, HAProxy frontends,
// secrets and start order; its catalog entries, DNS names, keystone users, databases and
// RabbitMQ user. Every list the program needs (config.ts's address keys, mariadb's databases,
// dnsmasq's and /etc/hosts' names, HAProxy's frontends, the endpoints output, tools/status.ts's
// catalog map, the reserved user names) is derived from these in catalogue.ts.
import type * as pulumi from "@pulumi/pulumi";
import type { HotStackConfig } from "../config";
import type { ServiceContext, SecretName } from "./context";
import type { ServiceSpec } from "./service";
import { publicUrl } from "../names";

/**
 * Where a container runs: on the controller, or once on every compute host. Today there is one
 * host ("main"), which is both; the plan assigns addresses per container (and, with more hosts,
 * per host).
 */
export type Role = "controller" | "compute";

export interface ContainerFacts {
    /** Container hotstack-os-<name>, unit hotstack-os-<name>.service. */
    name: string;
    /** Image key (a Containerfile directory in assets/images). */
    image: string;
    role: Role;
    /** Runs on the gateway host too (main: hot-ex, the provider network, NAT), whatever that host's roles. */
    gateway?: boolean;
    /** Place in the start order of the whole stack (ascending, unique): HAProxy's frontends follow it too. */
    order: number;
    /** Its address on the container network: the config key that may set it, and the default. Absent = host network. */
    address?: { key: string; default: string };
    hostname?: string;
    aliases?: string[];
    /** Names containers on the host network reach it by (their AddHost= lines): they cannot use the podman DNS. */
    addHosts?: string[];
    /** The HAProxy frontend in front of it, on the gateway address; the backend is its address. */
    frontend?: { name: string; port: number; check?: { path: string; status: number } };
    secrets?: readonly SecretName[];
    /** Containers started first and pulled in (Wants= + After=). */
    wants?: string[];
    /** Containers started first if they run at all (After= only). */
    after?: string[];
}

/** A catalog entry (and an `endpoints` output): a public URL through HAProxy. */
export interface CatalogEntry {
    /** Catalog service type (identity, compute, …); metadata and console are outputs only. */
    type: string;
    /** Other catalog types that mean the same service (cinder's block-storage, volume). */
    aliases?: string[];
    /** The container behind it: its frontend's port makes the URL. */
    container: string;
    /** After http://<publicName>.<domain>:<port>. */
    path: string;
    /** In the keystone catalog (false: an output only, like the metadata API and the console). */
    registered: boolean;
}

/** The config keys that switch a whole service on or off. */
export type ServiceSwitches = Pick<HotStackConfig, "dashboard">;

export interface ServiceDescriptor {
    name: string;
    /** The smallest service set it runs in ("identity" runs in "full" too). */
    set: "identity" | "full";
    /** Whether the config wants it at all (absent: always). Off, nothing of it exists: no container, image, secret, frontend or name. */
    enabled?: (switches: ServiceSwitches) => boolean;
    containers: ContainerFacts[];
    /** The Debian package whose installed version is this service's version (`openstackVersions`, `npm run status -- --versions`). */
    versionPackage: string;
    /**
     * Debian packages its image needs, installed with every other running service's by the one
     * apt run of the shared OpenStack layer (assets/images/openstack, components/images.ts); its
     * own image then only adds files. Absent: its image installs its own (not an OpenStack layer
     * service, or one that can be switched off without rebuilding that layer).
     */
    layerPackages?: string[];
    /** Packages the layer fetches without installing, for its image to unpack parts of (nova: noVNC's web files). */
    layerDebs?: string[];
    /** A page for people, not an API the cloud uses: post-setup does not wait for it. */
    forPeople?: boolean;
    /** Its public name, <name>.hotstack-os.local, resolving to HAProxy (dnsmasq and /etc/hosts). */
    publicName?: string;
    /** More public names dnsmasq answers (the API container's name). */
    publicAliases?: string[];
    /** <name>.hotstack-os.internal → the address of this container (dnsmasq). */
    internalName?: { name: string; container: string };
    catalog?: CatalogEntry[];
    /** Keystone users it makes for itself (reserved: post-setup may not adopt them). */
    keystoneUsers?: string[];
    databases?: string[];
    rabbitmqUser?: string;
    /** Its containers' specs; `cloud` holds the lists derived from every descriptor. */
    specs(ctx: ServiceContext, cloud: CloudLists): ServiceSpec[];
}

/** The lists a service's specs may need from the other services (HAProxy's frontends, mariadb's databases, …). */
export interface CloudLists {
    /** Frontends of the containers that run, in start order. */
    frontends: Frontend[];
    databases: string[];
    rabbitmqUsers: string[];
    /** Public names (each → HAProxy) and internal names (name → address) for dnsmasq. */
    publicNames: string[];
    internalNames: [string, string][];
    /** Name → address of the containers that host-network containers reach (AddHost=). */
    addHosts: Record<string, string>;
    /** Where the host keeps UEFI firmware (family dependent). */
    ovmfDir: pulumi.Input<string>;
    /** Catalog URL by type (catalogUrls), of every service: what a container on the host network reaches another API by. */
    catalog: Record<string, string>;
}

export interface Frontend {
    name: string;
    port: number;
    backend: string;
    /** HTTP health check of the backend; absent = plain TCP (noVNC). */
    check?: { path: string; status: number };
}

/** The facts of one container of a descriptor (a program error if it has no such container). */
export function containerFacts(d: ServiceDescriptor, name: string): ContainerFacts {
    const c = d.containers.find((x) => x.name === name);
    if (!c) throw new Error(`service ${d.name} has no container ${name}`);
    return c;
}

/**
 * The part of a container's spec its descriptor decides: name, image, network (address from
 * config), secrets, start order. The service file adds the rest (config, health, timeouts).
 */
export function specBase(d: ServiceDescriptor, name: string, ips: Record<string, string>): Pick<ServiceSpec, "name" | "image" | "network" | "secrets" | "wants" | "after"> {
    const c = containerFacts(d, name);
    const network: ServiceSpec["network"] = c.address
        ? { ip: ips[c.address.key], ...(c.hostname ? { hostname: c.hostname } : {}), ...(c.aliases ? { aliases: c.aliases } : {}) }
        : "host";
    return {
        name: c.name,
        image: c.image,
        network,
        ...(c.secrets ? { secrets: [...c.secrets] } : {}),
        ...(c.wants ? { wants: c.wants } : {}),
        ...(c.after ? { after: c.after } : {}),
    };
}

/** An API's root through HAProxy: its public name and its frontend's port (`url` composes them). */
export function publicRoot(d: ServiceDescriptor, container: string, url: (name: string, port: number) => string = publicUrl): string {
    const port = containerFacts(d, container).frontend?.port;
    if (!d.publicName || !port) throw new Error(`service ${d.name}: ${container} has no public name and frontend`);
    return url(d.publicName, port);
}

/** The URL keystone's catalog lists for one of its entries (path included, e.g. /v1/$(project_id)s). */
export function catalogUrl(d: ServiceDescriptor, type: string, url: (name: string, port: number) => string = publicUrl): string {
    const e = d.catalog?.find((x) => x.type === type);
    if (!e) throw new Error(`service ${d.name} has no catalog entry ${type}`);
    return `${publicRoot(d, e.container, url)}${e.path}`;
}

/** http://<network alias>:<port>/ of a container on the container network (podman's DNS answers aliases): waits inside the cloud. */
export function containerUrl(d: ServiceDescriptor, container: string): string {
    const c = containerFacts(d, container);
    const alias = c.aliases?.[0];
    if (!alias || !c.frontend) throw new Error(`service ${d.name}: ${container} has no network alias and port on the container network`);
    return `http://${alias}:${c.frontend.port}/`;
}
