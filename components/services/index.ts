// Which containers run, in start order (each after the ones it wants), from the service descriptors.
import * as pulumi from "@pulumi/pulumi";
import { ALL_SERVICES } from "./all";
import { addHosts, catalogUrls, checkDescriptors, containerNames, databases, frontends, internalNames, publicNames, rabbitmqUsers, servicesIn, switchedOn } from "./catalogue";
import { ServiceContext } from "./context";
import { ServiceDescriptor } from "./descriptor";
import { ServiceSpec } from "./service";

/** Every container of the full cloud, in start order: what `wants` and `after` may name. */
export const SERVICE_NAMES: readonly string[] = containerNames();

/**
 * The services a spec starts after, as they run in this service set. A name that is no service
 * is a program error; a wanted service must run in the set and come first; `after` names a
 * service that may be absent from the set (ordering only if it runs).
 */
export function startAfter(spec: ServiceSpec, specs: ServiceSpec[]): string[] {
    const index = (n: string) => specs.findIndex((s) => s.name === n);
    const problems: string[] = [];
    for (const n of [...(spec.wants ?? []), ...(spec.after ?? [])]) {
        if (!SERVICE_NAMES.includes(n)) problems.push(`${spec.name} orders itself after "${n}", which is no service`);
    }
    for (const n of spec.wants ?? []) {
        if (index(n) < 0) problems.push(`${spec.name} wants ${n}, which does not run in this service set`);
        else if (index(n) > index(spec.name)) problems.push(`${spec.name} wants ${n}, which comes later in the start order`);
    }
    for (const n of spec.after ?? []) if (index(n) > index(spec.name)) problems.push(`${spec.name} starts after ${n}, which comes later in the start order`);
    if (problems.length) throw new Error(`service ordering: ${problems.join("; ")}`);
    return [...(spec.wants ?? []), ...(spec.after ?? [])].filter((n) => index(n) >= 0);
}

/**
 * Every container of the service set, in start order; `ovmfDir` is where the host keeps UEFI
 * firmware (family dependent). The lists a service renders from the others (databases, DNS
 * names, users) are those of every service the config switches on, whatever the service set, as a
 * deployed stack's names must not depend on the set.
 */
export function serviceSpecs(ctx: ServiceContext, ovmfDir: pulumi.Input<string> = "/usr/share/OVMF", services: readonly ServiceDescriptor[] = ALL_SERVICES): ServiceSpec[] {
    const problems = checkDescriptors(services);
    if (problems.length) throw new Error(`service descriptors: ${problems.join("; ")}`);
    const ips = ctx.config.ips;
    const running = servicesIn(ctx.config, services);
    const present = switchedOn(ctx.config, services);
    const cloud = {
        frontends: frontends(ips, running),
        databases: databases(present),
        rabbitmqUsers: rabbitmqUsers(present),
        publicNames: publicNames(present),
        internalNames: internalNames(ips, present),
        addHosts: addHosts(ips, present),
        ovmfDir,
        catalog: catalogUrls(ctx.publicUrl, present),
    };
    const order = containerNames(services);
    return running.flatMap((s) => s.specs(ctx, cloud)).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}
