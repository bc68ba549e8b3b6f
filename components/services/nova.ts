// Nova: six containers sharing one nova.conf. nova-api owns the databases and cells;
// nova-compute drives the libvirt *session* daemon of user hotstack through its mounted socket,
// with instance and mount paths identical inside and outside the container (libvirt on the
// host opens what nova wrote), bind mounts propagating to the host (rshared), and the fake NFS
// share of cinder intercepted by the mount.nfs wrapper.
import * as pulumi from "@pulumi/pulumi";
import { renderIni } from "../ini";
import { PUBLIC_DOMAIN } from "../names";
import { ServiceContext, token } from "./context";
import { CloudLists, ServiceDescriptor, catalogUrl, containerUrl, publicRoot, specBase } from "./descriptor";
import { fakeNfsShare } from "./fake-nfs";
import { API_SECRETS, WORKER_SECRETS, authtoken, database, httpHealth, registrationEnv, serviceUser } from "./openstack";
import { ServiceSpec } from "./service";

export const INSTANCE_NAME_TEMPLATE = "notapet-%(uuid)s";

const address = (key: string, last: number) => ({ key, default: `172.31.0.${last}` });

export const NOVA: ServiceDescriptor = {
    name: "nova",
    set: "full",
    versionPackage: "python3-nova",
    // Without Debian's nova-compute/nova-consoleproxy: their hypervisor and nodejs dependencies
    // are not used in the container (assets/images/nova/Containerfile).
    layerPackages: ["genisoimage", "libvirt-clients", "nfs-common", "nova-common", "nova-conductor", "nova-scheduler", "python3-libvirt", "python3-websockify", "qemu-utils", "sysfsutils"],
    layerDebs: ["novnc"],
    containers: [
        {
            name: "nova-api", image: "nova", role: "controller", order: 120, address: address("novaApiIp", 21), hostname: "nova", aliases: ["nova"],
            secrets: API_SECRETS, wants: ["mariadb", "rabbitmq", "keystone", "placement", "dnsmasq"], after: ["haproxy"],
            frontend: { name: "nova", port: 8774, check: { path: "/", status: 200 } },
        },
        {
            name: "nova-metadata", image: "nova", role: "controller", order: 200, address: address("novaMetadataIp", 25), hostname: "nova-metadata",
            secrets: WORKER_SECRETS, wants: ["mariadb", "nova-api", "dnsmasq"], after: ["haproxy"],
            frontend: { name: "nova_metadata", port: 8775, check: { path: "/", status: 200 } },
        },
        { name: "nova-conductor", image: "nova", role: "controller", order: 170, address: address("novaConductorIp", 22), hostname: "nova-conductor", secrets: WORKER_SECRETS, wants: ["nova-api"] },
        { name: "nova-scheduler", image: "nova", role: "controller", order: 180, address: address("novaSchedulerIp", 23), hostname: "nova-scheduler", secrets: WORKER_SECRETS, wants: ["nova-api"] },
        {
            name: "nova-novncproxy", image: "nova", role: "controller", order: 190, address: address("novaNovncproxyIp", 26), hostname: "nova-novncproxy",
            secrets: WORKER_SECRETS, wants: ["nova-api"], frontend: { name: "novnc", port: 6080 },
        },
        { name: "nova-compute", image: "nova", role: "compute", order: 230, secrets: WORKER_SECRETS, wants: ["nova-api", "nova-conductor", "neutron-server"] },
    ],
    publicName: "nova",
    publicAliases: ["nova-api"],
    internalName: { name: "nova", container: "nova-api" },
    catalog: [
        { type: "compute", container: "nova-api", path: "/v2.1", registered: true },
        { type: "metadata", container: "nova-metadata", path: "", registered: false },
        { type: "console", container: "nova-novncproxy", path: "/vnc_lite.html", registered: false },
    ],
    keystoneUsers: ["nova"],
    databases: ["nova_api", "nova", "nova_cell0"],
    rabbitmqUser: "openstack",
    specs: (ctx, cloud) => nova(ctx, cloud),
};

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

export function nova(ctx: ServiceContext, cloud: Pick<CloudLists, "addHosts" | "ovmfDir" | "catalog">): ServiceSpec[] {
    const c = ctx.config;
    const ovmfDir = cloud.ovmfDir;
    const conf = pulumi.all([ctx.host.hostname, ctx.host.hotstackUid, ctx.host.virtType]).apply(([h, u, v]) => novaConf(ctx, h, u, v));
    const templates = [{ target: "/etc/nova/nova.conf", content: conf }];
    const common = (name: string) => ({ ...specBase(NOVA, name, c.ips), templates, stopTimeoutSeconds: 30 });
    const worker = (role: string) => ({ cmd: `hotstack-health ${role}`, timeoutSeconds: 10, startPeriodSeconds: 10 });
    const runDir = pulumi.output(ctx.host.hotstackUid).apply((u) => `/run/user/${u}`);
    const wrapper = fakeNfsShare(ctx);
    // What the workers wait for before they start: nova-api on the container network, or through
    // HAProxy from the host network (nova-compute) and the noVNC proxy.
    const apiInside = { NOVA_API_URL: containerUrl(NOVA, "nova-api") };
    const apiPublic = `${publicRoot(NOVA, "nova-api")}/`;
    return [
        {
            ...common("nova-api"),
            description: "Nova API, compute (owns the cells)",
            exec: "nova-api",
            env: registrationEnv(ctx, "NOVA_PUBLIC_URL", catalogUrl(NOVA, "compute")),
            health: httpHealth("nova-api", 10),
            startTimeoutSeconds: 900,
        },
        {
            ...common("nova-metadata"),
            description: "Nova metadata API (behind the neutron OVN agent)",
            exec: "nova-metadata",
            env: apiInside,
            health: httpHealth("nova-metadata", 15),
            startTimeoutSeconds: 600,
        },
        { ...common("nova-conductor"), description: "Nova conductor", exec: "nova-conductor", env: apiInside, health: worker("nova-conductor"), startTimeoutSeconds: 600 },
        { ...common("nova-scheduler"), description: "Nova scheduler", exec: "nova-scheduler", env: apiInside, health: worker("nova-scheduler"), startTimeoutSeconds: 600 },
        { ...common("nova-novncproxy"), description: "noVNC proxy (VM consoles)", exec: "nova-novncproxy", env: { NOVA_API_URL: apiPublic }, health: worker("nova-novncproxy"), startTimeoutSeconds: 300 },
        {
            ...common("nova-compute"),
            description: "Nova compute (the hotstack libvirt session)",
            exec: "nova-compute",
            privileged: true,
            addHosts: cloud.addHosts,
            env: { XDG_RUNTIME_DIR: runDir, NOVA_API_URL: apiPublic, PLACEMENT_URL: `${cloud.catalog.placement}/` },
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
            health: { cmd: "hotstack-health nova-compute", timeoutSeconds: 20, startPeriodSeconds: 30 },
            startTimeoutSeconds: 900,
        },
    ];
}
