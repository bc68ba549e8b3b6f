// HostPackages: what the host needs installed, per package family, and the base services
// (Open vSwitch, system libvirt) enabled and running. Nothing is ever uninstalled.
import * as pulumi from "@pulumi/pulumi";
import { HostPackages as PackagesResource, PackageFamily } from "../providers/host-packages";

export interface HostPackagesArgs {
    packages: Record<PackageFamily, string[]>;
    services: Record<PackageFamily, string[]>;
}

export class HostPackages extends pulumi.ComponentResource {
    /** The host's package family, as detected. */
    readonly family: pulumi.Output<string>;
    readonly resource: PackagesResource;

    constructor(name: string, args: HostPackagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:host:HostPackages", name, {}, opts);
        this.resource = new PackagesResource(`${name}`, { packages: args.packages, services: args.services }, { parent: this });
        this.family = this.resource.family;
        this.registerOutputs({ family: this.family });
    }
}
