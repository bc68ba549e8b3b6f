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
