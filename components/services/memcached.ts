// memcached: keystone's token cache and every service's auth-token cache.
import { ServiceContext } from "./context";
import { ServiceSpec } from "./service";

export function memcached(ctx: ServiceContext): ServiceSpec {
    return {
        name: "memcached",
        description: "memcached, the token cache",
        image: "infra",
        exec: "memcached",
        network: { ip: ctx.config.ips.memcachedIp },
        env: { MEMCACHED_MEMORY_MB: "64" },
        health: { cmd: "hotstack-health memcached", intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 },
        startTimeoutSeconds: 90,
        stopTimeoutSeconds: 10,
    };
}
