// Config sections every OpenStack service shares: the database with small pools,
// keystone_authtoken, credentials of a service user, and the public catalog URLs.
import { IniValue } from "../ini";
import { ServiceContext, token } from "./context";
import { HealthSpec } from "./service";

export function database(ctx: ServiceContext, db: string, pool: number): Record<string, IniValue> {
    return { connection: ctx.dbUrl(db), max_pool_size: pool, max_overflow: pool, pool_timeout: 10, max_retries: -1 };
}

/** Credentials of a service user as keystoneauth sections ([placement], [neutron], …) read them. */
export function serviceUser(ctx: ServiceContext, username: string, trailingSlash = false): Record<string, IniValue> {
    return {
        auth_url: `${ctx.keystonePublic}${trailingSlash ? "/" : ""}`,
        auth_type: "password",
        project_domain_name: "Default",
        user_domain_name: "Default",
        project_name: "service",
        username,
        password: token("SERVICE_PASSWORD"),
        region_name: ctx.config.region,
    };
}

/** [keystone_authtoken]: validates incoming tokens, cached in memcached. */
export function authtoken(ctx: ServiceContext, username: string, trailingSlash = false): Record<string, IniValue> {
    const { region_name, ...creds } = serviceUser(ctx, username, trailingSlash);
    return { www_authenticate_uri: creds.auth_url, ...creds, memcached_servers: ctx.memcachedServers };
}

/**
 * The environment of an API container's role script that registers the service in keystone
 * (assets/images/openstack/openstack-common.sh): region, where keystone is, and the catalog URL
 * (the image holds no default for any of them).
 */
export function registrationEnv(ctx: ServiceContext, urlVariable: string, catalogUrl: string): Record<string, string> {
    return { REGION_NAME: ctx.config.region, KEYSTONE_INTERNAL_URL: ctx.keystoneInternal, [urlVariable]: catalogUrl };
}

/** Secrets every OpenStack API container needs: DB and service passwords in its config, admin to register itself. */
export const API_SECRETS = ["DB_PASSWORD", "SERVICE_PASSWORD", "RABBITMQ_PASSWORD", "ADMIN_PASSWORD"] as const;
/** Workers only read their config. */
export const WORKER_SECRETS = ["DB_PASSWORD", "SERVICE_PASSWORD", "RABBITMQ_PASSWORD"] as const;

export function httpHealth(role: string, startPeriod = 10): HealthSpec {
    return { cmd: `hotstack-health ${role}`, timeoutSeconds: 10, startPeriodSeconds: startPeriod };
}
