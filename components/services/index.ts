// Which services run, in start order, and the HAProxy front door they share.
import { ServiceContext } from "./context";
import { dnsmasq } from "./dnsmasq";
import { haproxy } from "./haproxy";
import { keystone } from "./keystone";
import { mariadb } from "./mariadb";
import { memcached } from "./memcached";
import { rabbitmq } from "./rabbitmq";
import { ServiceSpec } from "./service";

export function serviceSpecs(ctx: ServiceContext): ServiceSpec[] {
    const apis = [keystone(ctx)];
    const frontends = apis.map((a) => a.frontend);
    return [mariadb(ctx), rabbitmq(ctx), memcached(ctx), dnsmasq(ctx), haproxy(ctx, frontends), ...apis];
}
