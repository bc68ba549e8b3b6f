// memcached: keystone's token cache and every service's auth-token cache.
import { ServiceContext } from "./context";
import { ServiceDescriptor, specBase } from "./descriptor";
import { ServiceSpec } from "./service";

export const MEMCACHED: ServiceDescriptor = {
    name: "memcached",
    set: "identity",
    versionPackage: "memcached",
    containers: [{ name: "memcached", image: "infra", role: "controller", order: 30, address: { key: "memcachedIp", default: "172.31.0.5" }, addHosts: ["hotstack-os-memcached"] }],
    internalName: { name: "memcached", container: "memcached" },
    specs: (ctx) => [memcached(ctx)],
};

export function memcached(ctx: ServiceContext): ServiceSpec {
    return {
        ...specBase(MEMCACHED, "memcached", ctx.config.ips),
        description: "memcached, the token cache",
        exec: "memcached",
        env: { MEMCACHED_MEMORY_MB: "64" },
        health: { cmd: "hotstack-health memcached", timeoutSeconds: 5, startPeriodSeconds: 0 },
        // up to 46 s in a CI run at load 10+ (2026-12-07): the limit bounds failures only.
        startTimeoutSeconds: 180,
        stopTimeoutSeconds: 10,
    };
}
