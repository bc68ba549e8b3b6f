// HotStack: the whole host. Config in; the host layer (packages, storage, libvirt session, network
// fabric) and then the service layer (images, secrets, one unit per container) out.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { HostFacts } from "../providers/host-facts";
import { MAIN_HOST } from "../providers/host/connection";
import { Preflight } from "../providers/preflight";
import { CloudAccess, cloudEntries } from "./cloud-access";
import { HotStackConfig } from "./config";
import { deploymentPlan, onHost } from "./deployment-plan";
import { HostPackages } from "./host-packages";
import { PODMAN_NETWORK, computeHostPlan, hostPlan } from "./host-plan";
import { Images } from "./images";
import { LibvirtSession } from "./libvirt-session";
import { NetworkFabric } from "./network-fabric";
import { PostSetup } from "./post-setup";
import { computePreflightRequirements, preflightRequirements } from "./preflight-plan";
import { Secrets } from "./secrets";
import { catalogUrls, forPeople, servicesIn, openstackLayer, versionPackagesByImage, versionSources } from "./services/catalogue";
import { serviceContext } from "./services/context";
import { STATS_PORT } from "./services/haproxy";
import { serviceSpecs, startAfter } from "./services/index";
import { ServiceRuntime } from "./services/runtime";
import { HotStackService } from "./services/service";
import { StorageLayout } from "./storage-layout";

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
    /** clouds.yaml for the admin cloud (and the project user's when post-setup runs). */
    cloudsYaml: pulumi.Output<string>;
    haproxyStatsUrl: string;
    /** Catalog URLs of the public APIs, by service. */
    endpoints: Record<string, string>;
    /** Horizon's URL, when the dashboard runs. */
    dashboardUrl?: string;
    /** Each running service's package version ({keystone: "2:27.0.0-3+deb13u6", …}), as installed in its image. */
    openstackVersions: pulumi.Output<Record<string, string>>;
}

/** What post-setup made, for other programs (StackReference) and tools. */
export interface PostSetupOutputs {
    cloudSecretYaml: pulumi.Output<string>;
    project: { id: pulumi.Output<string>; name: string };
    username: string;
    userPassword: pulumi.Output<string>;
    appCredentialId: pulumi.Output<string>;
    appCredentialSecret: pulumi.Output<string>;
    publicNetwork: { id: pulumi.Output<string>; name: string; subnetId: pulumi.Output<string> };
    privateNetwork: { id: pulumi.Output<string>; name: string; subnetId: pulumi.Output<string> };
    router: { id: pulumi.Output<string>; name: string };
    flavors: Record<string, pulumi.Output<string>>;
    images: Record<string, pulumi.Output<string>>;
    keypair?: { id: pulumi.Output<string>; name: string };
}

export class HotStack extends pulumi.ComponentResource {
    readonly dataDir: pulumi.Output<string>;
    readonly gateway: pulumi.Output<string>;
    readonly libvirtSocket: pulumi.Output<string>;
    readonly hotstackUid: pulumi.Output<number>;
    readonly providerNetwork: { cidr: string; gateway: pulumi.Output<string> };
    /** The cloud's entry points; absent with serviceSet "host". */
    readonly cloud?: CloudOutputs;
    /** The cloud's objects for work; absent when post-setup is off. */
    postSetup?: PostSetupOutputs;
    readonly services: Record<string, HotStackService> = {};
    /** Every host of the stack with its roles ({main: ["controller", "compute"], compute1: ["compute"]}). */
    readonly hosts: Record<string, string[]>;

    constructor(name: string, config: HotStackConfig, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:index:HotStack", name, {}, opts);
        const plan = hostPlan(config);
        // Resources live on host "main" (their default) unless they name a compute host: the
        // providers reach each through the stack config, so no connection detail, let alone a
        // key, is ever a resource input.
        const child = { parent: this };

        // Nothing touches the host before it passed the preflight (run in check, so preview shows it too).
        const preflight = config.preflight ? [new Preflight("preflight", { requirements: preflightRequirements(config) }, child)] : [];
        const packages = new HostPackages("packages", { plans: plan.distros }, { ...child, dependsOn: preflight });
        // Everything below needs the packages (kvm group, OVS, libvirt, podman).
        const after = { ...child, dependsOn: [packages] };
        const libvirt = new LibvirtSession("libvirt", { plan: plan.libvirt }, after);
        // nova-instances is owned by hotstack: the user must exist first.
        const storage = new StorageLayout("storage", { directories: plan.directories, sharedMounts: plan.sharedMounts }, { ...child, dependsOn: [packages, libvirt.user] });
        const fabric = new NetworkFabric("fabric", { plan }, after);

        this.dataDir = storage.dataDir!;
        this.gateway = fabric.gateway;
        this.libvirtSocket = libvirt.socketPath;
        this.hotstackUid = libvirt.uid;
        this.providerNetwork = { cidr: config.providerNetwork, gateway: fabric.gateway };
        const deployment = deploymentPlan(config);
        for (const h of deployment.hosts.filter((x) => x.name !== MAIN_HOST)) this.computeHostLayer(config, h.name);
        this.hosts = Object.fromEntries(deployment.hosts.map((h) => [h.name, h.roles]));
        if (config.serviceSet !== "host") this.cloud = this.serviceLayer(config, { packages, libvirt, storage, fabric });
        this.registerOutputs({ dataDir: this.dataDir, gateway: this.gateway, libvirtSocket: this.libvirtSocket, hotstackUid: this.hotstackUid, authUrl: this.cloud?.authUrl });
    }

    /**
     * A compute host's host layer, its resources named after the host (main's keep their names):
     * preflight, packages, the libvirt session, the guests' directories, hot-int.
     */
    private computeHostLayer(config: HotStackConfig, host: string): void {
        const plan = computeHostPlan(config);
        const child = { parent: this };
        const preflight = config.preflight ? [new Preflight(`${host}-preflight`, { host, requirements: computePreflightRequirements(config) }, child)] : [];
        const packages = new HostPackages(`${host}-packages`, { host, plans: plan.distros }, { ...child, dependsOn: preflight });
        const after = { ...child, dependsOn: [packages] };
        const libvirt = new LibvirtSession(`${host}-libvirt`, { host, plan: plan.libvirt }, after);
        new StorageLayout(`${host}-storage`, { host, directories: plan.directories, sharedMounts: plan.sharedMounts }, { ...child, dependsOn: [packages, libvirt.user] });
        new NetworkFabric(`${host}-fabric`, { host, plan }, after);
    }

    /** Images built on the host, passwords as podman secrets, one unit per container, each after the ones it wants. */
    private serviceLayer(config: HotStackConfig, host: HostLayer): CloudOutputs {
        const child = { parent: this };
        const after = { ...child, dependsOn: [host.packages] };
        // What only the host knows: its name (the chassis, unless configured), KVM, the kvm gid.
        const facts = new HostFacts("facts", {}, after);
        const ctx = serviceContext(config, {
            hostname: config.chassisHostname || facts.fqdn,
            hotstackUid: host.libvirt.uid,
            virtType: config.virtType === "auto" ? facts.hasKvm.apply((kvm) => (kvm ? "kvm" : "qemu")) : config.virtType,
        });
        const ovmfDir = host.packages.ovmfDir;
        // The containers the plan puts on main (every one, while main is the only host built).
        const onMain = onHost(deploymentPlan(config), MAIN_HOST).containers;
        const specs = serviceSpecs(ctx, ovmfDir).filter((sp) => onMain.includes(sp.name));
        // nova's root must carry the host's kvm gid to reach the libvirt session socket (group kvm).
        const kvmGid = facts.kvmGid.apply(String);
        const running = specs.map((sp) => sp.name);
        const sources = versionSources(running);
        const versionsOf = versionPackagesByImage(running);
        const layer = openstackLayer(running);
        const images = new Images("images", {
            config, needed: [...new Set(specs.map((sp) => sp.image))], versionsOf,
            // Images that only containers for people run.
            last: [...new Set(specs.map((sp) => sp.image))].filter((i) => specs.every((sp) => sp.image !== i || forPeople(sp.name))),
            extraArgs: {
                // The layer under nova makes the kvm group (before udev's sysusers can take the GID),
                // and installs every running OpenStack service's packages in one apt run.
                openstack: { KVM_GID: kvmGid, OPENSTACK_PACKAGES: layer.packages.join(" "), OPENSTACK_DEBS: layer.debs.join(" ") },
                nova: { KVM_GID: kvmGid },
            },
        }, after);
        const secrets = new Secrets("secrets", { config, needed: [...new Set(specs.flatMap((sp) => sp.secrets ?? []))] }, after);
        const runtime = new ServiceRuntime("runtime", { ...child, dependsOn: [host.packages, host.fabric] });
        for (const spec of specs) {
            const first = startAfter(spec, specs).map((n) => this.services[n]);
            this.services[spec.name] = new HotStackService(spec.name, {
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
        const plan = config.postSetup;
        const userPassword = plan && (config.userPassword !== undefined
            ? pulumi.secret(config.userPassword)
            : new random.RandomPassword("post-setup-user-password", { length: 32, special: false }, child).result);
        const user = plan && userPassword ? { name: plan.user, project: plan.project, password: userPassword } : undefined;
        // Written once keystone runs with the password it holds (a rotated one included).
        const access = new CloudAccess("cloud-access", {
            authUrl, region: config.region, adminPassword, user, clientImageId: images.id("openstack"), digestKey: secrets.digestKey,
        }, { ...child, dependsOn: [this.services.keystone] });
        if (plan && userPassword) {
            const post = new PostSetup("post-setup", {
                plan, dataDir: config.dataDir, region: config.region, authUrl, userPassword, digestKey: secrets.digestKey,
                // Every API it may call runs first; pages for people (the dashboard) are not waited for.
                dependsOn: [access.cloudsFile, ...Object.entries(this.services).filter(([n]) => !forPeople(n)).map(([, s]) => s)],
                // The cloud's objects live in its database: a destroy of the cloud takes them along.
                deletedWith: this.services.mariadb.container,
            }, child);
            this.postSetup = {
                cloudSecretYaml: post.cloudSecretYaml(authUrl, config.region),
                project: post.project,
                username: post.username,
                userPassword: pulumi.secret(userPassword),
                appCredentialId: post.appCredentialId,
                appCredentialSecret: post.appCredentialSecret,
                publicNetwork: post.publicNetwork,
                privateNetwork: post.privateNetwork,
                router: post.router,
                flavors: post.flavors,
                images: post.images,
                ...(post.keypair ? { keypair: post.keypair } : {}),
            };
        }
        // Wait for keystone (and its clouds on the host) before handing out credentials that only work once it runs.
        const ready = access.cloudsFile.contentDigest;
        const endpoints = catalogUrls(ctx.publicUrl, servicesIn(config));
        return {
            authUrl,
            region: config.region,
            adminPassword,
            cloudsYaml: pulumi.secret(pulumi.all([adminPassword, userPassword ?? "", ready]).apply(([pw, upw]) =>
                `clouds:\n${cloudEntries({ authUrl, region: config.region, adminPassword: pw, user: user && { ...user, password: upw } })}`)),
            haproxyStatsUrl: `http://${config.hotExIp}:${STATS_PORT}/stats`,
            endpoints,
            ...(endpoints.dashboard ? { dashboardUrl: endpoints.dashboard } : {}),
            openstackVersions: pulumi.all(Object.fromEntries(Object.entries(sources).map(([svc, src]) => [svc, images.version(src.image, src.package)]))),
        };
    }
}
