// PostSetup: what makes the cloud usable (as in HotStack-OS, https://github.com/openstack-k8s-operators/hotstack), as resources of the stack:
// the project and its user with a role, quotas, flavors, the private and the provider
// network with subnets, the router, ingress rules on the default security groups, images, the
// user's application credential and keypair. Each object is a CloudObject (find-then-create by
// name, adopt what exists, delete only what it made). The objects live in the cloud's database:
// when the whole cloud is destroyed they go with it (deletedWith), so objects users made inside
// the cloud never block a destroy; turning post-setup off on a live cloud removes only these.
import * as pulumi from "@pulumi/pulumi";
import { CloudObject } from "../providers/cloud-object";
import { Directory } from "../providers/directory";
import { PostSetupPlan } from "./post-setup-plan";

export interface PostSetupArgs {
    plan: PostSetupPlan;
    dataDir: string;
    region: string;
    authUrl: string;
    userPassword: pulumi.Input<string>;
    digestKey: pulumi.Input<string>;
    /** What must run before any cloud object is made (the services and the host's clouds.yaml). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Where the cloud's objects live: destroying it takes them along. */
    deletedWith: pulumi.Resource;
}

export interface NamedObject {
    id: pulumi.Output<string>;
    name: string;
}

export class PostSetup extends pulumi.ComponentResource {
    readonly project: NamedObject;
    readonly username: string;
    readonly publicNetwork: NamedObject & { subnetId: pulumi.Output<string> };
    readonly privateNetwork: NamedObject & { subnetId: pulumi.Output<string> };
    readonly router: NamedObject;
    readonly flavors: Record<string, pulumi.Output<string>> = {};
    readonly images: Record<string, pulumi.Output<string>> = {};
    readonly appCredentialId: pulumi.Output<string>;
    readonly appCredentialSecret: pulumi.Output<string>;
    readonly keypair?: NamedObject;
    readonly objects: CloudObject[] = [];

    constructor(name: string, args: PostSetupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:cloud:PostSetup", name, {}, opts);
        const { plan } = args;
        const ledgerDir = `${args.dataDir}/cloud-ledger`;
        const base = { parent: this, deletedWith: args.deletedWith };
        const object = (id: string, a: { kind: string; name: string; scope?: string; spec: pulumi.Input<Record<string, unknown>>; password?: pulumi.Input<string> }, after: pulumi.Input<pulumi.Resource>[] = []) => {
            const o = new CloudObject(`${name}-${id}`, { ...a, ledgerDir, digestKey: args.digestKey }, { ...base, dependsOn: [...args.dependsOn, ...after] });
            this.objects.push(o);
            return o;
        };

        // §1.1: project, user, role
        const project = object("project", { kind: "project", name: plan.project, spec: { domain: "default", description: "HotStack project for development and testing", enabled: true } });
        const user = object("user", { kind: "user", name: plan.user, spec: { domain: "default", defaultProject: project.id, enabled: true }, password: args.userPassword });
        const role = object("role", { kind: "roleAssignment", name: plan.role, scope: `${plan.user}@${plan.project}`, spec: { user: user.id, project: project.id, fallbacks: plan.roleFallbacks } });
        // The admin project is only looked up (adopted, never changed or removed) for its security group.
        const adminProject = object("admin-project", { kind: "project", name: "admin", spec: { domain: "default" } });

        // §1.2: quotas, one resource per service
        object("quota-compute", { kind: "computeQuota", name: "compute", scope: plan.project, spec: { project: project.id, ...plan.quotas.compute } });
        object("quota-network", { kind: "networkQuota", name: "network", scope: plan.project, spec: { project: project.id, ...plan.quotas.network } });
        object("quota-volume", { kind: "volumeQuota", name: "volume", scope: plan.project, spec: { project: project.id, ...plan.quotas.volume } });

        // §1.3: flavors
        for (const f of plan.flavors) {
            this.flavors[f.name] = object(`flavor-${f.name}`, { kind: "flavor", name: f.name, spec: { vcpus: f.vcpus, ram: f.ram, disk: f.disk, public: true } }).id;
        }

        // §1.4: networks, router, security group rules
        const priv = object("network-private", { kind: "network", name: "private", spec: { shared: true, external: false } });
        const privSubnet = object("subnet-private", { kind: "subnet", name: "private-subnet", spec: { network: priv.id, cidr: plan.privateCidr, gateway: "", dhcp: true, dns: plan.privateDns, pools: [] } });
        const pub = object("network-public", { kind: "network", name: "public", spec: { shared: true, external: true, networkType: plan.networkType, physicalNetwork: plan.physicalNetwork } });
        const pubSubnet = object("subnet-public", {
            kind: "subnet", name: "public-subnet",
            spec: { network: pub.id, cidr: plan.providerCidr, gateway: plan.providerGateway, dhcp: false, dns: [], pools: [`${plan.providerPool[0]}-${plan.providerPool[1]}`] },
        });
        const router = object("router", { kind: "router", name: "router1", spec: { externalNetwork: pub.id } }, [pubSubnet]);
        object("router-interface", { kind: "routerInterface", name: "private-subnet", scope: "router1", spec: { router: router.id, subnet: privSubnet.id } });
        for (const [p, projectId] of [["admin", adminProject.id], [plan.project, project.id]] as const) {
            object(`sg-${p}-ssh`, { kind: "securityGroupRule", name: "ssh", scope: p, spec: { project: projectId, direction: "ingress", protocol: "tcp", ports: "22-22", remote: "0.0.0.0/0" } });
            object(`sg-${p}-icmp`, { kind: "securityGroupRule", name: "icmp", scope: p, spec: { project: projectId, direction: "ingress", protocol: "icmp", ports: "", remote: "0.0.0.0/0" } });
        }

        // §1.5: images (downloads on the host, cached under the data dir)
        if (plan.images.length) {
            const cacheDir = `${args.dataDir}/image-cache`;
            const cache = new Directory(`${name}-image-cache`, { path: cacheDir, owner: "root", group: "root", mode: "0700" }, { parent: this, dependsOn: args.dependsOn });
            for (const img of plan.images) {
                const source = img.url ? { url: img.url } : { file: img.file };
                this.images[img.name] = object(`image-${img.name}`, {
                    kind: "image", name: img.name,
                    spec: { diskFormat: img.diskFormat, visibility: "public", properties: img.properties, ...source, cacheDir, content: "current" },
                }, [cache]).id;
            }
        }

        // §1.6 and §1.7: as the project user
        const credential = object("app-credential", { kind: "applicationCredential", name: plan.appCredentialName, scope: plan.user, spec: { unrestricted: true } }, [role]);
        if (plan.sshPublicKey) {
            const kp = object("keypair", { kind: "keypair", name: plan.keypairName, scope: plan.user, spec: { publicKey: plan.sshPublicKey.trim(), user: user.id } }, [role]);
            this.keypair = { id: kp.id, name: plan.keypairName };
        }

        this.project = { id: project.id, name: plan.project };
        this.username = plan.user;
        this.publicNetwork = { id: pub.id, name: "public", subnetId: pubSubnet.id };
        this.privateNetwork = { id: priv.id, name: "private", subnetId: privSubnet.id };
        this.router = { id: router.id, name: "router1" };
        this.appCredentialId = credential.id;
        this.appCredentialSecret = pulumi.secret(credential.secret.apply((s) => s ?? ""));
        this.registerOutputs({ project: this.project.id, router: this.router.id });
    }

    /** The spec's hotstack_cloud_secrets document (§1.6) for the application credential. */
    cloudSecretYaml(authUrl: string, region: string): pulumi.Output<string> {
        return pulumi.secret(pulumi.all([this.appCredentialId, this.appCredentialSecret]).apply(([id, secret]) => [
            "hotstack_cloud_secrets:",
            `  auth_url: ${authUrl}`,
            `  application_credential_id: ${id}`,
            `  application_credential_secret: "${secret}"`,
            `  region_name: ${region}`,
            "  interface: internal",
            "  identity_api_version: 3",
            "  auth_type: v3applicationcredential",
            "",
        ].join("\n")));
    }
}
