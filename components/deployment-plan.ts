// Which host does what, as plain data from the config (no Pulumi runtime; unit tested for one,
// two and three hosts): per host name its roles, the host-layer pieces it needs and the
// containers that run there. Components materialise it host by host: a compute host's host
// layer is built; its containers not yet (the config allows compute hosts with serviceSet "host"
// only). With one host the plan is the single-host cloud this program always made.
import { HotStackConfig } from "./config";
import { computeHostPlan, hostPlan } from "./host-plan";
import { MAIN_HOST } from "../providers/host/connection";
import { allContainers, servicesIn } from "./services/catalogue";

export type HostRole = "controller" | "compute";

export interface HostDeployment {
    name: string;
    roles: HostRole[];
    /** Where peers reach it for tunnels (and later migration); undefined = read from the host. */
    tunnelIp?: string;
    /** The MTU of the tunnel network; undefined = read from the host. */
    mtu?: number;
    /** Host-layer pieces: distribution packages, user hotstack with its libvirt session, directories (by name), OVS bridges. */
    hostLayer: { packages: boolean; libvirtSession: boolean; directories: string[]; bridges: string[] };
    /** The containers that run on it, in start order. */
    containers: string[];
}

export interface DeploymentPlan {
    /** main first, then the compute hosts in config order. */
    hosts: HostDeployment[];
}

export function deploymentPlan(config: HotStackConfig): DeploymentPlan {
    const host = hostPlan(config);
    const compute = computeHostPlan(config);
    const containers = allContainers(servicesIn(config));
    const byRole = (roles: HostRole[], gateway = false) => containers.filter((c) => roles.includes(c.role) || (gateway && c.gateway)).map((c) => c.name);
    const mainRoles: HostRole[] = config.mainCompute ? ["controller", "compute"] : ["controller"];
    // main is the gateway chassis (hot-ex): its ovn-controller stays even when it runs no guests.
    const main: HostDeployment = {
        name: MAIN_HOST,
        roles: mainRoles,
        hostLayer: { packages: true, libvirtSession: true, directories: host.directories.map((d) => d.name), bridges: host.bridges.map((b) => b.name) },
        containers: byRole(mainRoles, true),
    };
    // Floating IPs stay centralized: the gateway chassis (hot-ex, the provider network's address,
    // NAT) is main alone (neutron's enable_distributed_floating_ip = false), so a compute host
    // carries only the integration bridge its guests' ports plug into.
    const computes: HostDeployment[] = config.computeHosts.map((h) => ({
        name: h.name,
        roles: ["compute"],
        ...(h.tunnelIp ? { tunnelIp: h.tunnelIp } : {}),
        ...(h.mtu ? { mtu: h.mtu } : {}),
        hostLayer: {
            packages: true,
            libvirtSession: true,
            directories: compute.directories.map((d) => d.name),
            bridges: compute.bridges.map((b) => b.name),
        },
        containers: config.serviceSet === "full" ? byRole(["compute"]) : [],
    }));
    return { hosts: [main, ...computes] };
}

/** One host's part of the plan (a program error if the plan has no such host). */
export function onHost(plan: DeploymentPlan, name: string): HostDeployment {
    const h = plan.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`the deployment plan has no host ${name}`);
    return h;
}
