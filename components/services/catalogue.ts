// Every list about the services, derived from their descriptors (nothing here names a service):
// the address keys of the config, databases, RabbitMQ users, keystone users, DNS names, HAProxy
// frontends and catalog URLs. checkDescriptors() says what is inconsistent.
import type { HotStackConfig } from "../config";
import { ALL_SERVICES } from "./all";
import { ContainerFacts, Frontend, ServiceDescriptor, ServiceSwitches, catalogUrl } from "./descriptor";

/** Every container of every service, in start order. */
export function allContainers(services: readonly ServiceDescriptor[] = ALL_SERVICES): (ContainerFacts & { service: ServiceDescriptor })[] {
    return services.flatMap((s) => s.containers.map((c) => ({ ...c, service: s }))).sort((a, b) => a.order - b.order);
}

/** The services the config switches on (a service without a switch always is). */
export function switchedOn(switches: ServiceSwitches, services: readonly ServiceDescriptor[] = ALL_SERVICES): ServiceDescriptor[] {
    return services.filter((s) => !s.enabled || s.enabled(switches));
}

/** The services that run: those of the config's service set ("host" has none) that it switches on. */
export function servicesIn(config: ServiceSwitches & Pick<HotStackConfig, "serviceSet">, services: readonly ServiceDescriptor[] = ALL_SERVICES): ServiceDescriptor[] {
    return switchedOn(config, services).filter((s) => config.serviceSet === "full" || s.set === config.serviceSet);
}

/** Config key → default address, for every container on the container network. */
export function addressDefaults(services: readonly ServiceDescriptor[] = ALL_SERVICES): Record<string, string> {
    return Object.fromEntries(allContainers(services).filter((c) => c.address).map((c) => [c.address!.key, c.address!.default]));
}

export const databases = (services: readonly ServiceDescriptor[] = ALL_SERVICES) => services.flatMap((s) => s.databases ?? []);
export const rabbitmqUsers = (services: readonly ServiceDescriptor[] = ALL_SERVICES) => [...new Set(services.flatMap((s) => (s.rabbitmqUser ? [s.rabbitmqUser] : [])))];
export const keystoneUsers = (services: readonly ServiceDescriptor[] = ALL_SERVICES) => services.flatMap((s) => s.keystoneUsers ?? []);

/** The public API names (<name>.hotstack-os.local → HAProxy), one per service that has one. */
export const publicServiceNames = (services: readonly ServiceDescriptor[] = ALL_SERVICES) => services.flatMap((s) => (s.publicName ? [s.publicName] : []));

/** Every name dnsmasq answers with HAProxy's address: each public name and its aliases. */
export const publicNames = (services: readonly ServiceDescriptor[] = ALL_SERVICES) => services.flatMap((s) => (s.publicName ? [s.publicName, ...(s.publicAliases ?? [])] : []));

/** <name>.hotstack-os.internal → address, from the configured addresses. */
export function internalNames(ips: Record<string, string>, services: readonly ServiceDescriptor[] = ALL_SERVICES): [string, string][] {
    return services.flatMap((s) => {
        if (!s.internalName) return [];
        const c = s.containers.find((x) => x.name === s.internalName!.container);
        return c?.address ? [[s.internalName.name, ips[c.address.key]] as [string, string]] : [];
    });
}

/** Name → address for the AddHost= lines of containers on the host network. */
export function addHosts(ips: Record<string, string>, services: readonly ServiceDescriptor[] = ALL_SERVICES): Record<string, string> {
    return Object.fromEntries(allContainers(services).filter((c) => c.address).flatMap((c) => (c.addHosts ?? []).map((n) => [n, ips[c.address!.key]])));
}

/** HAProxy's frontends for the services that run, in start order. */
export function frontends(ips: Record<string, string>, services: readonly ServiceDescriptor[]): Frontend[] {
    return allContainers(services).filter((c) => c.frontend && c.address).map((c) => ({
        name: c.frontend!.name,
        port: c.frontend!.port,
        backend: ips[c.address!.key],
        ...(c.frontend!.check ? { check: c.frontend!.check } : {}),
    }));
}

/** Catalog URLs (and the metadata API and console), by type, of the services given. */
export function catalogUrls(publicUrl: (name: string, port: number) => string, services: readonly ServiceDescriptor[] = ALL_SERVICES): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of services) {
        for (const e of s.catalog ?? []) {
            const port = s.containers.find((c) => c.name === e.container)?.frontend?.port;
            if (s.publicName && port) out[e.type] = catalogUrl(s, e.type, publicUrl);
        }
    }
    return out;
}

/** Catalog type (and its aliases) → the container behind it, for the types in keystone's catalog. */
export function containerByCatalogType(services: readonly ServiceDescriptor[] = ALL_SERVICES): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of services) for (const e of s.catalog ?? []) if (e.registered) for (const t of [e.type, ...(e.aliases ?? [])]) out[t] = e.container;
    return out;
}

/**
 * Where each service's version is read: its package, in the image of its first container among
 * those that run (services with no container running are left out).
 */
export function versionSources(running: string[], services: readonly ServiceDescriptor[] = ALL_SERVICES): Record<string, { image: string; package: string }> {
    const out: Record<string, { image: string; package: string }> = {};
    for (const s of services) {
        const c = s.containers.find((x) => running.includes(x.name));
        if (c) out[s.name] = { image: c.image, package: s.versionPackage };
    }
    return out;
}

/**
 * What the shared OpenStack layer installs for the containers that run (sorted, each once): the
 * layer packages of every service with a container among them, and the packages it only fetches.
 */
export function openstackLayer(running: string[], services: readonly ServiceDescriptor[] = ALL_SERVICES): { packages: string[]; debs: string[] } {
    const runs = services.filter((s) => s.containers.some((c) => running.includes(c.name)));
    const union = (pick: (s: ServiceDescriptor) => string[] | undefined) => [...new Set(runs.flatMap((s) => pick(s) ?? []))].sort();
    return { packages: union((s) => s.layerPackages), debs: union((s) => s.layerDebs) };
}

/** The packages each image reports (image → its services' packages), for the containers that run. */
export function versionPackagesByImage(running: string[], services: readonly ServiceDescriptor[] = ALL_SERVICES): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const { image, package: pkg } of Object.values(versionSources(running, services))) out[image] = [...new Set([...(out[image] ?? []), pkg])];
    return out;
}

/** Whether a container serves people rather than the cloud (the dashboard): nothing of the cloud's setup waits for it. */
export const forPeople = (container: string, services: readonly ServiceDescriptor[] = ALL_SERVICES) =>
    allContainers(services).some((c) => c.name === container && c.service.forPeople === true);

/** Container names in start order: what `wants` and `after` may name. */
export const containerNames = (services: readonly ServiceDescriptor[] = ALL_SERVICES) => allContainers(services).map((c) => c.name);

/**
 * What is inconsistent in a set of descriptors, as sentences (none: consistent). Addresses and
 * names unique, ports unique per address, every catalog service reachable (a frontend and a
 * public name), every database owned (a user to reach it and the secret of its password).
 */
export function checkDescriptors(services: readonly ServiceDescriptor[] = ALL_SERVICES): string[] {
    const problems: string[] = [];
    const containers = allContainers(services);
    const dup = <T>(values: T[]) => values.filter((v, i) => values.indexOf(v) !== i);
    for (const n of dup(services.map((s) => s.name))) problems.push(`service name ${n} is used twice`);
    for (const n of dup(containers.map((c) => c.name))) problems.push(`container name ${n} is used twice`);
    for (const o of dup(containers.map((c) => c.order))) problems.push(`start order ${o} is used twice`);
    for (const a of dup(containers.filter((c) => c.address).map((c) => c.address!.default))) problems.push(`address ${a} is used twice`);
    for (const k of dup(containers.filter((c) => c.address).map((c) => c.address!.key))) problems.push(`address key ${k} is used twice`);
    // Every frontend listens on the gateway address: ports unique across them, and not the stats port.
    for (const p of dup(containers.filter((c) => c.frontend).map((c) => c.frontend!.port))) problems.push(`frontend port ${p} is used twice on the gateway address`);
    for (const f of dup(containers.filter((c) => c.frontend).map((c) => c.frontend!.name))) problems.push(`frontend name ${f} is used twice`);
    for (const n of dup(publicNames(services))) problems.push(`public name ${n} is used twice`);
    for (const d of dup(databases(services))) problems.push(`database ${d} is used twice`);
    for (const u of dup(keystoneUsers(services))) problems.push(`keystone user ${u} is used twice`);
    const names = new Set(containers.map((c) => c.name));
    for (const c of containers) {
        if (c.frontend && !c.address) problems.push(`${c.name} has a frontend but no address on the container network`);
        for (const n of [...(c.wants ?? []), ...(c.after ?? [])]) {
            if (!names.has(n)) problems.push(`${c.name} starts after ${n}, which is no container`);
            else if (containers.find((x) => x.name === n)!.order > c.order) problems.push(`${c.name} starts after ${n}, which comes later in the start order`);
        }
    }
    for (const s of services) {
        for (const e of s.catalog ?? []) {
            const c = s.containers.find((x) => x.name === e.container);
            if (!c) problems.push(`${s.name}: catalog ${e.type} names ${e.container}, which is not one of its containers`);
            else if (!c.frontend) problems.push(`${s.name}: catalog ${e.type} is served by ${e.container}, which has no frontend`);
            if (!s.publicName) problems.push(`${s.name}: catalog ${e.type} needs a public name`);
        }
        if (s.internalName && !s.containers.find((x) => x.name === s.internalName!.container)?.address) problems.push(`${s.name}: internal name ${s.internalName.name} names a container without an address`);
        if (s.databases?.length) {
            // One database user (openstack) owns every database; its password is DB_PASSWORD.
            const reaching = s.containers.filter((c) => c.secrets?.includes("DB_PASSWORD"));
            if (!reaching.length) problems.push(`${s.name}: has databases (${s.databases.join(", ")}) but no container holds DB_PASSWORD`);
        }
        if (s.rabbitmqUser && !s.containers.some((c) => c.secrets?.includes("RABBITMQ_PASSWORD"))) problems.push(`${s.name}: has RabbitMQ user ${s.rabbitmqUser} but no container holds RABBITMQ_PASSWORD`);
        if (s.keystoneUsers?.length && !s.containers.some((c) => c.secrets?.includes("SERVICE_PASSWORD") || c.secrets?.includes("ADMIN_PASSWORD"))) problems.push(`${s.name}: has keystone users but no container holds their password`);
    }
    return problems;
}
