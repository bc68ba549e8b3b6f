// Cinder: block storage on local files. The NFS driver keeps file volumes (sparse raw files
// nova attaches by path), but there is no NFS server: the share in nfs_shares is the fake one
// the mount.nfs wrapper turns into a bind mount of the local export directory.
import { renderIni } from "../ini";
import { PUBLIC_DOMAIN } from "../host-plan";
import { ServiceContext } from "./context";
import { Frontend } from "./haproxy";
import { fakeNfsShare } from "./nova";
import { API_SECRETS, WORKER_SECRETS, authtoken, containerNames, database, httpHealth, serviceUser } from "./openstack";
import { ServiceSpec } from "./service";

export function cinder(ctx: ServiceContext): [ServiceSpec & { frontend: Frontend }, ServiceSpec, ServiceSpec] {
    const c = ctx.config;
    const nfs = fakeNfsShare(ctx);
    const conf = renderIni({
        DEFAULT: {
            ...ctx.logging,
            state_path: "/var/lib/cinder",
            auth_strategy: "keystone",
            transport_url: ctx.transportUrl,
            glance_api_servers: `http://glance.${PUBLIC_DOMAIN}:9292`,
            enabled_backends: "nfs",
            osapi_volume_workers: 1,
        },
        database: database(ctx, "cinder", 5),
        keystone_authtoken: authtoken(ctx, "cinder"),
        nova: { interface: "internal", ...serviceUser(ctx, "nova") },
        oslo_concurrency: { lock_path: "/var/lock/cinder" },
        oslo_messaging_rabbit: { rpc_conn_pool_size: 10 },
        nfs: {
            volume_driver: "cinder.volume.drivers.nfs.NfsDriver",
            volume_backend_name: "nfs",
            // A stable service host (cinder-volume@nfs) whatever the container's hostname.
            backend_host: "cinder-volume",
            nfs_shares_config: "/etc/cinder/nfs_shares",
            nfs_mount_point_base: "/var/lib/cinder/mnt",
            nfs_sparsed_volumes: true,
            nfs_qcow2_volumes: false,
            nfs_mount_options: "vers=4.2,nolock",
        },
        oslo_policy: { enforce_new_defaults: true },
    });
    const templates = [{ target: "/etc/cinder/cinder.conf", content: conf }];
    const worker = (role: string) => ({ cmd: `hotstack-health ${role}`, intervalSeconds: 10, timeoutSeconds: 10, retries: 20, startPeriodSeconds: 10 });
    return [
        {
            name: "cinder-api",
            description: "Cinder API, block storage",
            image: "cinder",
            exec: "cinder-api",
            network: { ip: c.ips.cinderApiIp, hostname: "cinder", aliases: ["cinder"] },
            secrets: [...API_SECRETS],
            env: { REGION_NAME: c.region },
            templates,
            health: httpHealth("cinder-api"),
            startTimeoutSeconds: 600,
            stopTimeoutSeconds: 30,
            wants: ["mariadb", "rabbitmq", "keystone", "dnsmasq"],
            after: ["haproxy"],
            frontend: { name: "cinder", port: 8776, backend: c.ips.cinderApiIp, check: { path: "/", status: 300 } },
        },
        {
            name: "cinder-scheduler",
            description: "Cinder scheduler",
            image: "cinder",
            exec: "cinder-scheduler",
            network: { ip: c.ips.cinderSchedulerIp, hostname: "cinder-scheduler" },
            secrets: [...WORKER_SECRETS],
            templates,
            health: worker("cinder-scheduler"),
            startTimeoutSeconds: 300,
            stopTimeoutSeconds: 30,
            wants: ["cinder-api"],
        },
        {
            name: "cinder-volume",
            description: "Cinder volume (NFS driver on local files)",
            image: "cinder",
            exec: "cinder-volume",
            network: "host",
            privileged: true,
            addHosts: containerNames(ctx),
            secrets: [...WORKER_SECRETS],
            templates: [
                ...templates,
                { target: "/etc/cinder/nfs_shares", content: `${nfs.share}\n` },
                { target: "/etc/hotstack/mount-wrapper.conf", content: nfs.wrapperConf },
            ],
            volumes: [`${ctx.dataDir}/cinder:/var/lib/cinder:z`, `${c.cinderNfsExportDir}:${c.cinderNfsExportDir}:z`],
            health: worker("cinder-volume"),
            startTimeoutSeconds: 300,
            stopTimeoutSeconds: 30,
            wants: ["cinder-api", "cinder-scheduler"],
        },
    ];
}
