// Keystone: identity. Its entrypoint syncs the database, makes the fernet and credential keys on
// first start (kept in the data dir), bootstraps admin, the region and the identity endpoints,
// and creates project `service`; its health passes only once that project exists, so every
// service ordered after it can register itself.
import { renderIni } from "../ini";
import { ServiceContext } from "./context";
import { ServiceDescriptor, catalogUrl, specBase } from "./descriptor";
import { ServiceSpec } from "./service";

export const KEYSTONE: ServiceDescriptor = {
    name: "keystone",
    set: "identity",
    versionPackage: "python3-keystone",
    layerPackages: ["python3-keystone"],
    containers: [{
        name: "keystone", image: "keystone", role: "controller", order: 60, address: { key: "keystoneIp", default: "172.31.0.11" },
        hostname: "keystone", aliases: ["keystone"], addHosts: ["keystone"], secrets: ["ADMIN_PASSWORD", "DB_PASSWORD"],
        wants: ["mariadb", "memcached", "dnsmasq", "haproxy"], frontend: { name: "keystone", port: 5000, check: { path: "/v3", status: 200 } },
    }],
    publicName: "keystone",
    internalName: { name: "keystone", container: "keystone" },
    catalog: [{ type: "identity", container: "keystone", path: "/v3/", registered: true }],
    keystoneUsers: ["admin"],
    databases: ["keystone"],
    specs: (ctx) => [keystone(ctx)],
};

export function keystone(ctx: ServiceContext): ServiceSpec {
    const c = ctx.config;
    const conf = renderIni({
        DEFAULT: { ...ctx.logging },
        database: { connection: ctx.dbUrl("keystone"), max_pool_size: 5, max_overflow: 5, pool_timeout: 10, max_retries: -1 },
        // bcrypt uses 72 bytes at most; keystone 27 warns on every login without this
        identity: { max_password_length: 72 },
        cache: { enabled: true, backend: "dogpile.cache.memcached", memcache_servers: ctx.memcachedServers },
        token: { provider: "fernet", expiration: c.tokenExpiration },
        fernet_tokens: { key_repository: "/etc/keystone/fernet-keys" },
        credential: { key_repository: "/etc/keystone/credential-keys" },
        oslo_policy: { enforce_new_defaults: true },
    });
    return {
        ...specBase(KEYSTONE, "keystone", c.ips),
        description: "Keystone, identity",
        exec: "keystone",
        env: { REGION_NAME: c.region, KEYSTONE_PUBLIC_URL: catalogUrl(KEYSTONE, "identity") },
        templates: [{ target: "/etc/keystone/keystone.conf", content: conf }],
        volumes: [
            `${ctx.dataDir}/keystone/fernet-keys:/etc/keystone/fernet-keys:z`,
            `${ctx.dataDir}/keystone/credential-keys:/etc/keystone/credential-keys:z`,
        ],
        health: { cmd: "hotstack-health keystone", timeoutSeconds: 10, startPeriodSeconds: 15 },
        // db_sync, key setup and bootstrap: 32-111 s on a loaded 2-core test host, over 300 s
        // there once while an image built beside it (CI, 2026-12-07). Only a bound for failures.
        startTimeoutSeconds: 600,
        stopTimeoutSeconds: 30,
    };
}
