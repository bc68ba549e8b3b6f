// NetworkFabric: the OVS bridges hot-int (OVN integration) and hot-ex (provider network, carries
// the gateway address where HAProxy, dnsmasq and VNC listen), a boot unit that puts the address
// back after a reboot, firewalld where it runs, the /etc/hosts names, and the podman network.
import * as pulumi from "@pulumi/pulumi";
import { Directory } from "../providers/directory";
import { File } from "../providers/file";
import { FirewallZone } from "../providers/firewall-zone";
import { HostsBlock } from "../providers/hosts-block";
import { OvsBridge } from "../providers/ovs-bridge";
import { OvsSetting } from "../providers/ovs-setting";
import { PodmanNetwork } from "../providers/podman-network";
import { SystemdUnit } from "../providers/systemd-unit";
import { HostPlan } from "./host-plan";

/** main's fabric is the whole plan; a compute host's has its bridges and boot unit only. */
export type FabricPlan = Pick<HostPlan, "bridges" | "fabricUnitName" | "fabricUnit"> & Partial<Pick<HostPlan, "firewall" | "nat" | "hostsEntries" | "podmanNetwork">>;

export interface NetworkFabricArgs {
    plan: FabricPlan;
    /** The host (default main). */
    host?: string;
}

export class NetworkFabric extends pulumi.ComponentResource {
    readonly bridges: Record<string, OvsBridge> = {};
    readonly podmanNetwork?: PodmanNetwork;
    readonly hostsBlock?: HostsBlock;
    /** hot-ex's address ("" where there is no hot-ex). */
    readonly gateway: pulumi.Output<string>;

    constructor(name: string, args: NetworkFabricArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:host:NetworkFabric", name, {}, opts);
        const { plan, host } = args;
        const child = { parent: this };
        // The userspace datapath checks TCP checksums in its connection tracking; guests' virtio NICs
        // leave them to offload, so without offload support their TCP (SSH, metadata) is dropped
        // while ping passes. ovs-vswitchd reads this at start: set before the bridges exist.
        const userspace = plan.bridges.some((b) => b.datapathType === "netdev")
            ? [new OvsSetting(`${name}-userspace-offload`, { host, key: "userspace-tso-enable", value: "true", restartDaemon: true }, child)]
            : [];
        for (const b of plan.bridges) {
            this.bridges[b.name] = new OvsBridge(`${name}-${b.name}`, { host, name: b.name, datapathType: b.datapathType, mtu: b.mtu, address: b.address }, { ...child, dependsOn: userspace });
        }
        new SystemdUnit(`${name}-boot`, { host, name: plan.fabricUnitName, content: plan.fabricUnit }, { ...child, dependsOn: Object.values(this.bridges) });
        if (plan.firewall) {
            new FirewallZone(`${name}-firewall`, {
                host, name: plan.firewall.zone, target: "ACCEPT", sources: plan.firewall.sources, interfaces: plan.firewall.interfaces, masqueradeDefaultZone: true,
            }, { ...child, dependsOn: this.bridges["hot-ex"] });
        }
        if (plan.nat) {
            // NAT of the provider network where firewalld does not run: our own nftables table, loaded at boot.
            const natDir = new Directory(`${name}-nat-dir`, { host, path: plan.nat.rulesPath.slice(0, plan.nat.rulesPath.lastIndexOf("/")), owner: "root", group: "root", mode: "0755" }, child);
            const natRules = new File(`${name}-nat-rules`, { host, path: plan.nat.rulesPath, content: plan.nat.rules, mode: "0644" }, { ...child, dependsOn: natDir });
            new SystemdUnit(`${name}-nat`, { host, name: plan.nat.unitName, content: plan.nat.unit, triggers: [natRules.contentSha256] }, { ...child, dependsOn: [natRules, ...Object.values(this.bridges)] });
        }
        if (plan.hostsEntries) this.hostsBlock = new HostsBlock(`${name}-hosts`, { host, entries: plan.hostsEntries }, child);
        if (plan.podmanNetwork) this.podmanNetwork = new PodmanNetwork(`${name}-podman`, { host, ...plan.podmanNetwork }, child);
        const hotEx = this.bridges["hot-ex"];
        this.gateway = hotEx ? hotEx.address.apply((a) => (a ?? "").split("/")[0]) : pulumi.output("");
        this.registerOutputs({ gateway: this.gateway, podmanNetwork: this.podmanNetwork?.name });
    }
}
