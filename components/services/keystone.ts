// Keystone: identity. Its entrypoint syncs the database, makes the fernet and credential keys on
// first start (kept in the data dir), bootstraps admin, the region and the identity endpoints,
// and creates project `service`; its health passes only once that project exists, so every
// service ordered after it can register itself.
import { renderIni } from "../ini";
import { ServiceContext } from "./context";
import { Frontend } from "./haproxy";
import { ServiceSpec } from "./service";

export function keystone(ctx: ServiceContext): ServiceSpec & { frontend: Frontend } {
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
        name: "keystone",
        description: "Keystone, identity",
        image: "keystone",
        exec: "keystone",
        network: { ip: c.ips.keystoneIp, hostname: "keystone", aliases: ["keystone"] },
        secrets: ["ADMIN_PASSWORD", "DB_PASSWORD"],
        env: { REGION_NAME: c.region, KEYSTONE_PUBLIC_URL: `${ctx.keystonePublic}/v3/` },
        templates: [{ target: "/etc/keystone/keystone.conf", content: conf }],
        volumes: [
            `${ctx.dataDir}/keystone/fernet-keys:/etc/keystone/fernet-keys:z`,
            `${ctx.dataDir}/keystone/credential-keys:/etc/keystone/credential-keys:z`,
        ],
        health: { cmd: "hotstack-health keystone", intervalSeconds: 5, timeoutSeconds: 10, retries: 12, startPeriodSeconds: 15 },
        startTimeoutSeconds: 300,
        stopTimeoutSeconds: 30,
        wants: ["mariadb", "memcached", "dnsmasq", "haproxy"],
        frontend: { name: "keystone", port: 5000, backend: c.ips.keystoneIp, check: { path: "/v3", status: 200 } },
    };
}
