// HotStack: the whole host. Config in; the host layer (packages, storage, libvirt session, network
// fabric) and then the service layer (images, secrets, one unit per container) out.
import * as pulumi from "@pulumi/pulumi";
import { HostFacts } from "../providers/host-facts";
import { Connection } from "../providers/host/connection";
import { HotStackConfig } from "./config";
import { HostPackages } from "./host-packages";
import { PODMAN_NETWORK, hostPlan } from "./host-plan";
import { Images } from "./images";
import { LibvirtSession } from "./libvirt-session";
import { NetworkFabric } from "./network-fabric";
import { Secrets } from "./secrets";
import { serviceContext } from "./services/context";
import { STATS_PORT } from "./services/haproxy";
import { serviceSpecs } from "./services/index";
import { ServiceRuntime } from "./services/runtime";
import { HotStackService } from "./services/service";
import { StorageLayout } from "./storage-layout";

/** The connection as a resource input: secret when it carries a private key. */
export function connectionInput(c: Connection): pulumi.Input<Connection> {
    return c.kind === "ssh" && c.privateKey ? pulumi.secret(c) : c;
}

interface HostLayer {
    packages: HostPackages;
    libvirt: LibvirtSession;
    storage: StorageLayout;
    fabric: NetworkFabric;
}

export interface CloudOutputs {
    authUrl: string;
    region: string;
    adminPassword: pulumi.Output<string>;
    cloudsYaml: pulumi.Output<string>;
    haproxyStatsUrl: string;
    /** Catalog URLs of the public APIs, by service. */
    endpoints: Record<string, string>;
}

export class HotStack extends pulumi.ComponentResource {
    readonly dataDir: pulumi.Output<string>;
    readonly gateway: pulumi.Output<string>;
    readonly libvirtSocket: pulumi.Output<string>;
    readonly hotstackUid: pulumi.Output<number>;
    readonly providerNetwork: { cidr: string; gateway: pulumi.Output<string> };
    /** The cloud's entry points; absent with serviceSet "host". */
    readonly cloud?: CloudOutputs;
    readonly services: Record<string, HotStackService> = {};

    constructor(name: string, config: HotStackConfig, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:index:HotStack", name, {}, opts);
        const plan = hostPlan(config);
        const connection = connectionInput(config.connection);
        const child = { parent: this };

        const packages = new HostPackages("packages", { connection, packages: plan.packages, services: plan.services }, child);
        // Everything below needs the packages (kvm group, OVS, libvirt, podman).
        const after = { ...child, dependsOn: [packages] };
        const libvirt = new LibvirtSession("libvirt", { connection, plan: plan.libvirt }, after);
        // nova-instances is owned by hotstack: the user must exist first.
        const storage = new StorageLayout("storage", { connection, directories: plan.directories, sharedMounts: plan.sharedMounts }, { ...child, dependsOn: [packages, libvirt.user] });
        const fabric = new NetworkFabric("fabric", { connection, plan }, after);

        this.dataDir = storage.dataDir;
        this.gateway = fabric.gateway;
        this.libvirtSocket = libvirt.socketPath;
        this.hotstackUid = libvirt.uid;
        this.providerNetwork = { cidr: config.providerNetwork, gateway: fabric.gateway };
        if (config.serviceSet !== "host") this.cloud = this.serviceLayer(config, connection, { packages, libvirt, storage, fabric });
        this.registerOutputs({ dataDir: this.dataDir, gateway: this.gateway, libvirtSocket: this.libvirtSocket, hotstackUid: this.hotstackUid, authUrl: this.cloud?.authUrl });
    }

    /** Images built on the host, passwords as podman secrets, one unit per container, each after the ones it wants. */
    private serviceLayer(config: HotStackConfig, connection: pulumi.Input<Connection>, host: HostLayer): CloudOutputs {
        const child = { parent: this };
        const after = { ...child, dependsOn: [host.packages] };
        // What only the host knows: its name (the chassis, unless configured), KVM, the kvm gid.
        const facts = new HostFacts("facts", { connection }, after);
        const ctx = serviceContext(config, {
            hostname: config.chassisHostname || facts.fqdn,
            hotstackUid: host.libvirt.uid,
            virtType: config.virtType === "auto" ? facts.hasKvm.apply((kvm) => (kvm ? "kvm" : "qemu")) : config.virtType,
        });
        const ovmfDir = host.packages.family.apply((f) => (f === "fedora" ? "/usr/share/edk2/ovmf" : "/usr/share/OVMF"));
        const specs = serviceSpecs(ctx, ovmfDir);
        // nova's root must carry the host's kvm gid to reach the libvirt session socket (group kvm).
        const images = new Images("images", {
            connection, config, needed: [...new Set(specs.map((sp) => sp.image))],
            extraArgs: { nova: { KVM_GID: facts.kvmGid.apply(String) } },
        }, after);
        const secrets = new Secrets("secrets", { connection, config, needed: [...new Set(specs.flatMap((sp) => sp.secrets ?? []))] }, after);
        const runtime = new ServiceRuntime("runtime", { connection }, { ...child, dependsOn: [host.packages, host.fabric] });
        for (const spec of specs) {
            const first = [...(spec.wants ?? []), ...(spec.after ?? [])].filter((n) => this.services[n]).map((n) => this.services[n]);
            this.services[spec.name] = new HotStackService(spec.name, {
                connection,
                spec,
                imageId: images.id(spec.image),
                configDir: `${config.dataDir}/config`,
                network: PODMAN_NETWORK,
                secretDigests: (spec.secrets ?? []).map((sn) => secrets.digest(sn)),
                dependsOn: [runtime, host.storage, host.fabric, host.libvirt, ...first],
            }, child);
        }

        const authUrl = `${ctx.keystonePublic}/v3`;
        const adminPassword = secrets.values.ADMIN_PASSWORD!;
        // Wait for keystone before handing out credentials that only work once it runs.
        const keystoneUp = this.services.keystone.container.active;
        return {
            authUrl,
            region: config.region,
            adminPassword,
            cloudsYaml: pulumi.secret(pulumi.all([adminPassword, keystoneUp]).apply(([pw]) => cloudsYaml(authUrl, config.region, pw))),
            haproxyStatsUrl: `http://${config.hotExIp}:${STATS_PORT}/stats`,
            endpoints: endpoints(ctx.publicUrl, specs.map((s) => s.name)),
        };
    }
}

/** Catalog URLs of the APIs that run (services.md §1.4), plus metadata and the console proxy. */
function endpoints(publicUrl: (service: string, port: number) => string, running: string[]): Record<string, string> {
    const all: [string, string, string][] = [
        ["identity", "keystone", `${publicUrl("keystone", 5000)}/v3/`],
        ["image", "glance", publicUrl("glance", 9292)],
        ["placement", "placement", publicUrl("placement", 8778)],
        ["compute", "nova-api", `${publicUrl("nova", 8774)}/v2.1`],
        ["network", "neutron-server", publicUrl("neutron", 9696)],
        ["volumev3", "cinder-api", `${publicUrl("cinder", 8776)}/v3/$(project_id)s`],
        ["orchestration", "heat-api", `${publicUrl("heat", 8004)}/v1/$(project_id)s`],
        ["metadata", "nova-metadata", publicUrl("nova", 8775)],
        ["console", "nova-novncproxy", `${publicUrl("nova", 6080)}/vnc_lite.html`],
    ];
    return Object.fromEntries(all.filter(([, svc]) => running.includes(svc)).map(([type, , url]) => [type, url]));
}

/** An admin cloud entry for ~/.config/openstack/clouds.yaml (openstack --os-cloud hotstack-os-admin). */
export function cloudsYaml(authUrl: string, region: string, password: string): string {
    return [
        "clouds:",
        "  hotstack-os-admin:",
        "    auth:",
        `      auth_url: ${authUrl}`,
        "      project_name: admin",
        "      username: admin",
        `      password: "${password}"`,
        "      user_domain_name: Default",
        "      project_domain_name: Default",
        `    region_name: ${region}`,
        "    interface: public",
        '    identity_api_version: "3"',
        "",
    ].join("\n");
}
