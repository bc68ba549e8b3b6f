// Cinder: block storage on local files. The NFS driver keeps file volumes (sparse raw files
// nova attaches by path), but there is no NFS server: the share in nfs_shares is the fake one
// the mount.nfs wrapper turns into a bind mount of the local export directory.
import { renderIni } from "../ini";
import { PUBLIC_DOMAIN } from "../names";
import { ServiceContext } from "./context";
import { CloudLists, ServiceDescriptor, catalogUrl, containerUrl, publicRoot, specBase } from "./descriptor";
import { fakeNfsShare } from "./fake-nfs";
import { API_SECRETS, WORKER_SECRETS, authtoken, database, httpHealth, registrationEnv, serviceUser } from "./openstack";
import { ServiceSpec } from "./service";

export const CINDER: ServiceDescriptor = {
    name: "cinder",
    set: "full",
    versionPackage: "python3-cinder",
    layerPackages: ["cinder-api", "cinder-scheduler", "cinder-volume", "nfs-common", "qemu-utils"],
    containers: [
        {
            name: "cinder-api", image: "cinder", role: "controller", order: 100, address: { key: "cinderApiIp", default: "172.31.0.41" },
            hostname: "cinder", aliases: ["cinder"], secrets: API_SECRETS, wants: ["mariadb", "rabbitmq", "keystone", "dnsmasq"], after: ["haproxy"],
            frontend: { name: "cinder", port: 8776, check: { path: "/", status: 300 } },
        },
        {
            name: "cinder-scheduler", image: "cinder", role: "controller", order: 150, address: { key: "cinderSchedulerIp", default: "172.31.0.42" },
            hostname: "cinder-scheduler", secrets: WORKER_SECRETS, wants: ["cinder-api"],
        },
        // The volumes are files in the local export directory: it runs where they are.
        { name: "cinder-volume", image: "cinder", role: "controller", order: 220, secrets: WORKER_SECRETS, wants: ["cinder-api", "cinder-scheduler"] },
    ],
    publicName: "cinder",
    publicAliases: ["cinder-api"],
    internalName: { name: "cinder", container: "cinder-api" },
    catalog: [{ type: "volumev3", aliases: ["block-storage", "volume"], container: "cinder-api", path: "/v3/$(project_id)s", registered: true }],
    keystoneUsers: ["cinder"],
    databases: ["cinder"],
    rabbitmqUser: "openstack",
    specs: (ctx, cloud) => cinder(ctx, cloud),
};

export function cinder(ctx: ServiceContext, cloud: Pick<CloudLists, "addHosts">): [ServiceSpec, ServiceSpec, ServiceSpec] {
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
    const worker = (role: string) => ({ cmd: `hotstack-health ${role}`, timeoutSeconds: 10, startPeriodSeconds: 10 });
    return [
        {
            ...specBase(CINDER, "cinder-api", c.ips),
            description: "Cinder API, block storage",
            exec: "cinder-api",
            env: registrationEnv(ctx, "CINDER_PUBLIC_URL", catalogUrl(CINDER, "volumev3")),
            templates,
            health: httpHealth("cinder-api"),
            startTimeoutSeconds: 600,
            stopTimeoutSeconds: 30,
        },
        {
            ...specBase(CINDER, "cinder-scheduler", c.ips),
            description: "Cinder scheduler",
            exec: "cinder-scheduler",
            env: { CINDER_API_URL: containerUrl(CINDER, "cinder-api") },
            templates,
            health: worker("cinder-scheduler"),
            startTimeoutSeconds: 300,
            stopTimeoutSeconds: 30,
        },
        {
            ...specBase(CINDER, "cinder-volume", c.ips),
            description: "Cinder volume (NFS driver on local files)",
            exec: "cinder-volume",
            // On the host network: the API through HAProxy.
            env: { CINDER_API_URL: `${publicRoot(CINDER, "cinder-api")}/` },
            privileged: true,
            addHosts: cloud.addHosts,
            templates: [
                ...templates,
                { target: "/etc/cinder/nfs_shares", content: `${nfs.share}\n` },
                { target: "/etc/hotstack/mount-wrapper.conf", content: nfs.wrapperConf },
            ],
            volumes: [`${ctx.dataDir}/cinder:/var/lib/cinder:z`, `${c.cinderNfsExportDir}:${c.cinderNfsExportDir}:z`],
            health: worker("cinder-volume"),
            startTimeoutSeconds: 300,
            stopTimeoutSeconds: 30,
        },
    ];
}
