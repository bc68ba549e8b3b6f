// Which services run, in start order (each after the ones it wants), and the HAProxy front door.
import * as pulumi from "@pulumi/pulumi";
import { cinder } from "./cinder";
import { ServiceContext } from "./context";
import { dnsmasq } from "./dnsmasq";
import { glance } from "./glance";
import { Frontend, haproxy } from "./haproxy";
import { heat } from "./heat";
import { keystone } from "./keystone";
import { mariadb } from "./mariadb";
import { memcached } from "./memcached";
import { neutron } from "./neutron";
import { nova } from "./nova";
import { ovn } from "./ovn";
import { placement } from "./placement";
import { rabbitmq } from "./rabbitmq";
import { ServiceSpec } from "./service";

type Api = ServiceSpec & { frontend?: Frontend };

/** Every container of the stack; `ovmfDir` is where the host keeps UEFI firmware (family dependent). */
/** Every service of the full cloud, in start order: what `wants` and `after` may name. */
export const SERVICE_NAMES = [
    "mariadb", "rabbitmq", "memcached", "dnsmasq", "haproxy", "keystone", "glance", "placement", "ovn-northd", "cinder-api", "heat-api",
    "nova-api", "ovn-controller", "neutron-server", "cinder-scheduler", "heat-engine", "nova-conductor", "nova-scheduler",
    "nova-novncproxy", "nova-metadata", "neutron-ovn-agent", "cinder-volume", "nova-compute",
] as const;

/**
 * The services a spec starts after, as they run in this service set. A name that is no service
 * is a program error; a wanted service must run in the set and come first; `after` names a
 * service that may be absent from the set (ordering only if it runs).
 */
export function startAfter(spec: ServiceSpec, specs: ServiceSpec[]): string[] {
    const index = (n: string) => specs.findIndex((s) => s.name === n);
    const problems: string[] = [];
    for (const n of [...(spec.wants ?? []), ...(spec.after ?? [])]) {
        if (!(SERVICE_NAMES as readonly string[]).includes(n)) problems.push(`${spec.name} orders itself after "${n}", which is no service`);
    }
    for (const n of spec.wants ?? []) {
        if (index(n) < 0) problems.push(`${spec.name} wants ${n}, which does not run in this service set`);
        else if (index(n) > index(spec.name)) problems.push(`${spec.name} wants ${n}, which comes later in the start order`);
    }
    for (const n of spec.after ?? []) if (index(n) > index(spec.name)) problems.push(`${spec.name} starts after ${n}, which comes later in the start order`);
    if (problems.length) throw new Error(`service ordering: ${problems.join("; ")}`);
    return [...(spec.wants ?? []), ...(spec.after ?? [])].filter((n) => index(n) >= 0);
}

export function serviceSpecs(ctx: ServiceContext, ovmfDir: pulumi.Input<string> = "/usr/share/OVMF"): ServiceSpec[] {
    const apis: Api[] = [keystone(ctx)];
    if (ctx.config.serviceSet === "full") {
        const [ovnNorthd, ovnController] = ovn(ctx);
        const [heatApi, heatEngine] = heat(ctx);
        const [cinderApi, cinderScheduler, cinderVolume] = cinder(ctx);
        const [neutronServer, neutronAgent] = neutron(ctx);
        const [novaApi, novaMetadata, novaConductor, novaScheduler, novaNovnc, novaCompute] = nova(ctx, ovmfDir);
        apis.push(
            glance(ctx), placement(ctx), ovnNorthd, cinderApi, heatApi,
            novaApi, ovnController, neutronServer, cinderScheduler, heatEngine,
            novaConductor, novaScheduler, novaNovnc, novaMetadata, neutronAgent, cinderVolume,
            novaCompute,
        );
    }
    const frontends = apis.map((a) => a.frontend).filter((f): f is Frontend => !!f);
    return [mariadb(ctx), rabbitmq(ctx), memcached(ctx), dnsmasq(ctx), haproxy(ctx, frontends), ...apis];
}
