// Nova: six containers sharing one nova.conf. nova-api owns the databases and cells;
// nova-compute drives the libvirt *session* daemon of user hotstack through its mounted socket,
// with instance and mount paths identical inside and outside the container (libvirt on the
// host opens what nova wrote), bind mounts propagating to the host (rshared), and the fake NFS
// share of cinder intercepted by the mount.nfs wrapper.
import * as pulumi from "@pulumi/pulumi";
import { renderIni } from "../ini";
import { PUBLIC_DOMAIN } from "../host-plan";
import { ServiceContext, token } from "./context";
import { Frontend } from "./haproxy";
import { API_SECRETS, WORKER_SECRETS, authtoken, containerNames, database, httpHealth, serviceUser } from "./openstack";
import { ServiceSpec } from "./service";

export const INSTANCE_NAME_TEMPLATE = "notapet-%(uuid)s";

/** The fake NFS share both cinder and nova mount: the wrapper bind-mounts the local directory instead. */
export function fakeNfsShare(ctx: ServiceContext): { share: string; wrapperConf: string } {
    const dir = ctx.config.cinderNfsExportDir;
    const share = `hotstack-os.fakenfs.local:${dir}`;
    return { share, wrapperConf: `# Managed by hotstack-os: the share cinder and nova "mount" is a bind mount of a local directory.\nNFS_SHARE=${share}\nLOCAL_PATH=${dir}\n` };
}

/**
 * The guests' CPU (config cpuModel). Default per virt type: KVM passes the host CPU through;
 * emulated guests (qemu) get Nehalem, an x86-64-v2 model TCG emulates — qemu's own default
 * (qemu64, what cpu_mode "none" gives) is below the baseline that CentOS Stream 9, RHEL 9 and
 * other current distributions' kernels need. "none" leaves the choice to qemu; any other value
 * is a libvirt CPU model name.
 */
export function cpuSettings(cpuModel: string, virtType: string): Record<string, string> {
    const model = cpuModel || (virtType === "kvm" ? "host-passthrough" : "Nehalem");
    if (model === "host-passthrough" || model === "host-model" || model === "none") return { cpu_mode: model };
    return { cpu_mode: "custom", cpu_models: model };
}

function novaConf(ctx: ServiceContext, hostname: string, uid: number, virtType: string): string {
    const c = ctx.config;
    const keystoneauth = (user: string) => serviceUser(ctx, user);
    return renderIni({
        DEFAULT: {
            ...ctx.logging,
            state_path: "/var/lib/nova",
            instances_path: c.novaInstancesPath,
            // Must equal the OVN chassis name, or neutron refuses to bind ports here.
            host: hostname,
            compute_driver: "libvirt.LibvirtDriver",
            // Session domains with this pattern belong to nova (and are the only ones cleaned up).
            instance_name_template: INSTANCE_NAME_TEMPLATE,
            transport_url: ctx.transportUrl,
            osapi_compute_workers: 1,
            metadata_workers: 1,
            enabled_apis: "osapi_compute,metadata",
            // Keep 3 GB for the host OS and the control plane; no memory overcommit on a laptop.
            reserved_host_memory_mb: 3072,
            ram_allocation_ratio: 1.0,
        },
        api_database: database(ctx, "nova_api", 3),
        database: database(ctx, "nova", 3),
        keystone_authtoken: authtoken(ctx, "nova", true),
        service_user: { send_service_user_token: true, ...keystoneauth("nova") },
        // Nova authenticates to placement as the placement user (as upstream does).
        placement: keystoneauth("placement"),
        glance: keystoneauth("glance"),
        cinder: { catalog_info: "volumev3:cinderv3:internalURL", ...keystoneauth("cinder") },
        neutron: { ...keystoneauth("neutron"), service_metadata_proxy: true, metadata_proxy_shared_secret: token("SERVICE_PASSWORD") },
        vnc: {
            enabled: true,
            server_listen: c.hotExIp,
            server_proxyclient_address: c.hotExIp,
            novncproxy_base_url: `http://nova.${PUBLIC_DOMAIN}:6080/vnc_lite.html`,
        },
        libvirt: {
            virt_type: virtType,
            ...cpuSettings(c.cpuModel, virtType),
            connection_uri: `qemu+unix:///session?socket=/run/user/${uid}/libvirt/libvirt-sock`,
            nfs_mount_point_base: c.novaNfsMountPointBase,
            nfs_mount_options: "vers=4.2,nolock",
            mem_stats_period_seconds: 60,
        },
        oslo_concurrency: { lock_path: "/var/lock/nova" },
        oslo_messaging_rabbit: { rpc_conn_pool_size: 10 },
        os_vif_ovs: { ovsdb_connection: "unix:/run/openvswitch/db.sock" },
        conductor: { workers: 1 },
        scheduler: { discover_hosts_in_cells_interval: 300, workers: 1 },
        filter_scheduler: { enabled_filters: "ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter", available_filters: "nova.scheduler.filters.all_filters" },
        oslo_policy: { enforce_new_defaults: true },
    });
}

export function nova(ctx: ServiceContext, ovmfDir: pulumi.Input<string>): (ServiceSpec & { frontend?: Frontend })[] {
    const c = ctx.config;
    const conf = pulumi.all([ctx.host.hostname, ctx.host.hotstackUid, ctx.host.virtType]).apply(([h, u, v]) => novaConf(ctx, h, u, v));
    const templates = [{ target: "/etc/nova/nova.conf", content: conf }];
    const common = { image: "nova", templates, stopTimeoutSeconds: 30 };
    const bridge = (ip: string, hostname: string, aliases: string[] = []) => ({ ip, hostname, aliases });
    const worker = (role: string) => ({ cmd: `hotstack-health ${role}`, intervalSeconds: 10, timeoutSeconds: 10, retries: 20, startPeriodSeconds: 10 });
    const runDir = pulumi.output(ctx.host.hotstackUid).apply((u) => `/run/user/${u}`);
    const wrapper = fakeNfsShare(ctx);
    return [
        {
            ...common,
            name: "nova-api",
            description: "Nova API, compute (owns the cells)",
            exec: "nova-api",
            network: bridge(c.ips.novaApiIp, "nova", ["nova"]),
            secrets: [...API_SECRETS],
            env: { REGION_NAME: c.region },
            health: httpHealth("nova-api", 10, 15),
            startTimeoutSeconds: 900,
            wants: ["mariadb", "rabbitmq", "keystone", "placement", "dnsmasq"],
            after: ["haproxy"],
            frontend: { name: "nova", port: 8774, backend: c.ips.novaApiIp, check: { path: "/", status: 200 } },
        },
        {
            ...common,
            name: "nova-metadata",
            description: "Nova metadata API (behind the neutron OVN agent)",
            exec: "nova-metadata",
            network: bridge(c.ips.novaMetadataIp, "nova-metadata"),
            secrets: [...WORKER_SECRETS],
            health: httpHealth("nova-metadata", 15, 10),
            startTimeoutSeconds: 600,
            wants: ["mariadb", "nova-api", "dnsmasq"],
            after: ["haproxy"],
            frontend: { name: "nova_metadata", port: 8775, backend: c.ips.novaMetadataIp, check: { path: "/", status: 200 } },
        },
        { ...common, name: "nova-conductor", description: "Nova conductor", exec: "nova-conductor", network: bridge(c.ips.novaConductorIp, "nova-conductor"), secrets: [...WORKER_SECRETS], health: worker("nova-conductor"), startTimeoutSeconds: 600, wants: ["nova-api"] },
        { ...common, name: "nova-scheduler", description: "Nova scheduler", exec: "nova-scheduler", network: bridge(c.ips.novaSchedulerIp, "nova-scheduler"), secrets: [...WORKER_SECRETS], health: worker("nova-scheduler"), startTimeoutSeconds: 600, wants: ["nova-api"] },
        {
            ...common,
            name: "nova-novncproxy",
            description: "noVNC proxy (VM consoles)",
            exec: "nova-novncproxy",
            network: bridge(c.ips.novaNovncproxyIp, "nova-novncproxy"),
            secrets: [...WORKER_SECRETS],
            health: worker("nova-novncproxy"),
            startTimeoutSeconds: 300,
            wants: ["nova-api"],
            frontend: { name: "novnc", port: 6080, backend: c.ips.novaNovncproxyIp },
        },
        {
            ...common,
            name: "nova-compute",
            description: "Nova compute (the hotstack libvirt session)",
            exec: "nova-compute",
            network: "host",
            privileged: true,
            addHosts: containerNames(ctx),
            secrets: [...WORKER_SECRETS],
            env: { XDG_RUNTIME_DIR: runDir },
            templates: [...templates, { target: "/etc/hotstack/mount-wrapper.conf", content: wrapper.wrapperConf }],
            volumes: [
                pulumi.interpolate`${runDir}:${runDir}:ro`,
                "/run/openvswitch:/run/openvswitch",
                `${ctx.dataDir}/nova:/var/lib/nova:z`,
                `${c.novaInstancesPath}:${c.novaInstancesPath}:shared`,
                `${c.novaNfsMountPointBase}:${c.novaNfsMountPointBase}:shared`,
                `${c.cinderNfsExportDir}:${c.cinderNfsExportDir}:z`,
                "/usr/share/qemu/firmware:/usr/share/qemu/firmware:ro",
                // The guests' serial consoles are ptys of the host's (the session's qemu): `console log show` reads them.
                "/dev/pts:/dev/pts",
                pulumi.interpolate`${ovmfDir}:${ovmfDir}:ro`,
            ],
            health: { cmd: "hotstack-health nova-compute", intervalSeconds: 15, timeoutSeconds: 20, retries: 30, startPeriodSeconds: 30 },
            startTimeoutSeconds: 900,
            wants: ["nova-api", "nova-conductor", "neutron-server"],
        },
    ];
}
