// HotStack: the whole host. Config in, host layer (and later the services) out.
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "../providers/host/connection";
import { HotStackConfig } from "./config";
import { HostPackages } from "./host-packages";
import { hostPlan } from "./host-plan";
import { LibvirtSession } from "./libvirt-session";
import { NetworkFabric } from "./network-fabric";
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

        this.dataDir = storage.dataDir;
        this.gateway = fabric.gateway;
        this.libvirtSocket = libvirt.socketPath;
        this.hotstackUid = libvirt.uid;
        this.providerNetwork = { cidr: config.providerNetwork, gateway: fabric.gateway };
        this.registerOutputs({ dataDir: this.dataDir, gateway: this.gateway, libvirtSocket: this.libvirtSocket, hotstackUid: this.hotstackUid });
    }
}
