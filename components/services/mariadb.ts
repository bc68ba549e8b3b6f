// MariaDB: one database server for every service; one user `openstack` owns all databases.
// The image's entrypoint converges users, databases and grants on every start (init file), so
// a changed password takes effect with a restart.
import { renderIni } from "../ini";
import { ServiceContext } from "./context";
import { CloudLists, ServiceDescriptor, specBase } from "./descriptor";
import { ServiceSpec } from "./service";

export const MARIADB: ServiceDescriptor = {
    name: "mariadb",
    set: "identity",
    versionPackage: "mariadb-server",
    containers: [{
        name: "mariadb", image: "infra", role: "controller", order: 10, address: { key: "mariadbIp", default: "172.31.0.3" }, aliases: ["mariadb"],
        addHosts: ["hotstack-os-mariadb", "mariadb"], secrets: ["MYSQL_ROOT_PASSWORD", "DB_PASSWORD"],
    }],
    internalName: { name: "mariadb", container: "mariadb" },
    specs: (ctx, cloud) => [mariadb(ctx, cloud)],
};

export function mariadb(ctx: ServiceContext, cloud: Pick<CloudLists, "databases">): ServiceSpec {
    return {
        ...specBase(MARIADB, "mariadb", ctx.config.ips),
        description: "MariaDB, the database of every service",
        exec: "mariadb",
        env: { MARIADB_DATABASES: cloud.databases.join(" "), MARIADB_ROOT_HOST: "" },
        templates: [{
            target: "/etc/mysql/mariadb.conf.d/99-hotstack.cnf",
            // Sized for a laptop: ~20 services with small pools. Snapshot isolation off: oslo.db
            // in 2025.1 predates the retry for MariaDB 11.8's default (LP#2116186).
            content: renderIni({ mysqld: { innodb_buffer_pool_size: "32M", max_connections: 250, innodb_snapshot_isolation: "OFF" } }),
        }],
        volumes: [`${ctx.dataDir}/mysql:/var/lib/mysql/data:z`],
        health: { cmd: "hotstack-health mariadb", timeoutSeconds: 5, startPeriodSeconds: 10 },
        // 5-78 s measured (the slowest in a CI run beside three image builds): the limit bounds failures only.
        startTimeoutSeconds: 300,
        stopTimeoutSeconds: 30,
    };
}
