// HostPackages: what the host needs installed and running, by its distribution: repositories,
// packages (SELinux tooling where SELinux is on) and base services (Open vSwitch, system
// libvirt), from the plans of components/distro-plan.ts. Nothing is ever uninstalled.
import * as pulumi from "@pulumi/pulumi";
import { Distro, DistroPlan, HostPackages as PackagesResource } from "../providers/host-packages";

export interface HostPackagesArgs {
    plans: Record<Distro, DistroPlan>;
    /** The host (default main). */
    host?: string;
}

export class HostPackages extends pulumi.ComponentResource {
    /** The host's distribution and package family, as detected. */
    readonly distro: pulumi.Output<string>;
    readonly family: pulumi.Output<string>;
    /** Where the guests' UEFI firmware is on this host. */
    readonly ovmfDir: pulumi.Output<string>;
    readonly resource: PackagesResource;

    constructor(name: string, args: HostPackagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:host:HostPackages", name, {}, opts);
        this.resource = new PackagesResource(`${name}`, { plans: args.plans, host: args.host }, { parent: this });
        this.distro = this.resource.distro;
        this.family = this.resource.family;
        this.ovmfDir = this.resource.distro.apply((d) => args.plans[d]?.ovmfDir ?? "/usr/share/OVMF");
        this.registerOutputs({ distro: this.distro, family: this.family });
    }
}
