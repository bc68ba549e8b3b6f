// What every service file gets: the typed config, the names and addresses services reach each
// other by, and the secret tokens their templates may use. Plain data: no resources here.
import * as pulumi from "@pulumi/pulumi";
import { HotStackConfig } from "../config";
import { PUBLIC_DOMAIN, publicUrl } from "../names";

/** Secrets a container can have: mounted as /run/secrets/<NAME>, usable as @@NAME@@ in templates. */
export const SECRET_NAMES = ["DB_PASSWORD", "SERVICE_PASSWORD", "ADMIN_PASSWORD", "MYSQL_ROOT_PASSWORD", "RABBITMQ_PASSWORD", "HEAT_AUTH_KEY", "DASHBOARD_SECRET_KEY"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** The token a template uses for a secret; the container's entrypoint replaces it at start. */
export const token = (s: SecretName) => `@@${s}@@`;

/** What only the converged host knows (deploy-time values). */
export interface HostValues {
    /** OVN chassis name = nova's [DEFAULT] host. */
    hostname: pulumi.Input<string>;
    hotstackUid: pulumi.Input<number>;
    /** "kvm" or "qemu". */
    virtType: pulumi.Input<string>;
}

export interface ServiceContext {
    config: HotStackConfig;
    host: HostValues;
    dataDir: string;
    /** Public (catalog) URL of an API through HAProxy, e.g. http://keystone.hotstack-os.local:5000 */
    publicUrl(service: string, port: number): string;
    dbUrl(db: string): string;
    transportUrl: string;
    memcachedServers: string;
    keystonePublic: string;
    /** Keystone's v3 URL on the container network: where API containers register themselves. */
    keystoneInternal: string;
    /** Rendered oslo.log settings every OpenStack service shares. */
    logging: Record<string, string | boolean>;
}

export function serviceContext(config: HotStackConfig, host: HostValues = { hostname: "localhost", hotstackUid: 0, virtType: "qemu" }): ServiceContext {
    return {
        config,
        host,
        dataDir: config.dataDir,
        publicUrl,
        dbUrl: (db) => `mysql+pymysql://openstack:${token("DB_PASSWORD")}@hotstack-os-mariadb/${db}`,
        transportUrl: `rabbit://openstack:${token("RABBITMQ_PASSWORD")}@hotstack-os-rabbitmq:5672/`,
        memcachedServers: "hotstack-os-memcached:11211",
        keystonePublic: `http://keystone.${PUBLIC_DOMAIN}:5000`,
        keystoneInternal: "http://keystone:5000/v3",
        logging: { debug: config.debug, use_stderr: true, use_syslog: false, use_journal: false },
    };
}
