// OVN: northd with the NB/SB databases on the container network (tcp 6641/6642, and unix
// sockets in a run dir shared with the controller), and ovn-controller on the host network
// driving the host's Open vSwitch: chassis name = nova's host, hot-int = integration bridge,
// physnet `provider` = hot-ex, this host = the gateway chassis for routers and floating IPs.
import { ServiceContext } from "./context";
import { ServiceDescriptor, specBase } from "./descriptor";
import { ServiceSpec } from "./service";

export const OVN: ServiceDescriptor = {
    name: "ovn",
    set: "full",
    versionPackage: "ovn-central",
    containers: [
        { name: "ovn-northd", image: "ovn", role: "controller", order: 90, address: { key: "ovnNorthdIp", default: "172.31.0.31" }, hostname: "ovn-northd", aliases: ["ovn-northd"] },
        { name: "ovn-controller", image: "ovn", role: "compute", gateway: true, order: 130, wants: ["ovn-northd"] },
    ],
    specs: (ctx) => ovn(ctx),
};

export function ovn(ctx: ServiceContext): [ServiceSpec, ServiceSpec] {
    const c = ctx.config;
    const run = `${ctx.dataDir}/ovn-run:/run/ovn:z`;
    const health = (role: string) => ({ cmd: `hotstack-health ${role}`, timeoutSeconds: 10, startPeriodSeconds: 5 });
    return [
        {
            ...specBase(OVN, "ovn-northd", c.ips),
            description: "OVN northd and its NB/SB databases",
            exec: "ovn-northd",
            volumes: [`${ctx.dataDir}/ovn:/var/lib/ovn:z`, run],
            health: health("ovn-northd"),
            startTimeoutSeconds: 180,
            stopTimeoutSeconds: 30,
        },
        {
            ...specBase(OVN, "ovn-controller", c.ips),
            description: "OVN controller for the host's Open vSwitch",
            exec: "ovn-controller",
            privileged: true,
            env: {
                OVN_ENCAP_IP: c.hotExIp,
                CHASSIS_HOSTNAME: ctx.host.hostname,
                // Without the openvswitch kernel module the integration bridge must be userspace too.
                OVN_BRIDGE_DATAPATH_TYPE: c.ovsDatapathType === "netdev" ? "netdev" : "",
            },
            volumes: ["/run/openvswitch:/run/openvswitch", run],
            health: health("ovn-controller"),
            startTimeoutSeconds: 180,
            stopTimeoutSeconds: 30,
        },
    ];
}
