// HotStack: the whole host. Config in, host layer (and later the services) out.
import * as pulumi from "@pulumi/pulumi";
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

export class HotStack extends pulumi.ComponentResource {
    readonly dataDir: pulumi.Output<string>;
    readonly gateway: pulumi.Output<string>;
    readonly libvirtSocket: pulumi.Output<string>;
    readonly hotstackUid: pulumi.Output<number>;
    readonly providerNetwork: { cidr: string; gateway: pulumi.Output<string> };
    readonly authUrl: string;
    readonly region: string;
    readonly adminPassword: pulumi.Output<string>;
    readonly cloudsYaml: pulumi.Output<string>;
    readonly haproxyStatsUrl: string;
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
        const storage = new StorageLayout("storage", { connection, directories: plan.directories }, { ...child, dependsOn: [packages, libvirt.user] });
        const fabric = new NetworkFabric("fabric", { connection, plan }, after);

        // Services: images built on the host, passwords as podman secrets, one unit per container,
        // each created after the services it wants (systemd orders them the same way at boot).
        const ctx = serviceContext(config);
        const specs = serviceSpecs(ctx);
        const images = new Images("images", { connection, config, needed: [...new Set(specs.map((sp) => sp.image))] }, after);
        const secrets = new Secrets("secrets", { connection, config, needed: [...new Set(specs.flatMap((sp) => sp.secrets ?? []))] }, after);
        const runtime = new ServiceRuntime("runtime", { connection }, { ...child, dependsOn: [packages, fabric] });
        for (const spec of specs) {
            const first = [...(spec.wants ?? []), ...(spec.after ?? [])].filter((n) => this.services[n]).map((n) => this.services[n]);
            this.services[spec.name] = new HotStackService(spec.name, {
                connection,
                spec,
                imageId: images.id(spec.image),
                configDir: `${config.dataDir}/config`,
                network: PODMAN_NETWORK,
                secretDigests: (spec.secrets ?? []).map((sn) => secrets.digest(sn)),
                dependsOn: [runtime, storage, fabric, libvirt, ...first],
            }, child);
        }

        this.authUrl = `${ctx.keystonePublic}/v3`;
        this.region = config.region;
        this.adminPassword = secrets.values.ADMIN_PASSWORD!;
        this.haproxyStatsUrl = `http://${config.hotExIp}:${STATS_PORT}/stats`;
        // Wait for keystone before handing out credentials that only work once it runs.
        const keystoneUp = this.services.keystone.container.active;
        this.cloudsYaml = pulumi.secret(pulumi.all([this.adminPassword, keystoneUp]).apply(([pw]) => cloudsYaml(this.authUrl, config.region, pw)));

        this.dataDir = storage.dataDir;
        this.gateway = fabric.gateway;
        this.libvirtSocket = libvirt.socketPath;
        this.hotstackUid = libvirt.uid;
        this.providerNetwork = { cidr: config.providerNetwork, gateway: fabric.gateway };
        this.registerOutputs({ dataDir: this.dataDir, gateway: this.gateway, libvirtSocket: this.libvirtSocket, hotstackUid: this.hotstackUid, authUrl: this.authUrl });
    }
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
