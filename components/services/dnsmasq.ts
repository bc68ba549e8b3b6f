// dnsmasq: DNS for VMs and anything pointed at the gateway address: the public API names answer
// with the HAProxy address, everything else goes to the host's own resolvers. On the host
// network, bound to the hot-ex address and loopback only (never the podman gateway, where
// aardvark-dns answers).
import { PUBLIC_DOMAIN } from "../host-plan";
import { ServiceContext } from "./context";
import { ServiceSpec } from "./service";

const PUBLIC_NAMES = ["keystone", "glance", "placement", "nova", "nova-api", "neutron", "neutron-server", "cinder", "cinder-api", "heat", "heat-api"];

export function dnsmasq(ctx: ServiceContext): ServiceSpec {
    const { hotExIp, ips } = ctx.config;
    const internal: [string, string][] = [
        ["mariadb", ips.mariadbIp], ["rabbitmq", ips.rabbitmqIp], ["memcached", ips.memcachedIp], ["keystone", ips.keystoneIp],
        ["glance", ips.glanceIp], ["placement", ips.placementIp], ["nova", ips.novaApiIp], ["neutron", ips.neutronServerIp],
        ["cinder", ips.cinderApiIp], ["heat", ips.heatApiIp],
    ];
    const conf = [
        "# Managed by hotstack-os: pulumi up puts back any change made here.",
        `listen-address=${hotExIp}`,
        "listen-address=127.0.0.1",
        "bind-interfaces",
        "no-hosts",
        "domain-needed",
        "bogus-priv",
        // The host's resolvers (host network: this is the host's resolv.conf).
        "resolv-file=/etc/resolv.conf",
        ...PUBLIC_NAMES.map((n) => `address=/${n}.${PUBLIC_DOMAIN}/${hotExIp}`),
        ...internal.map(([n, ip]) => `address=/${n}.hotstack-os.internal/${ip}`),
        "",
    ].join("\n");
    return {
        name: "dnsmasq",
        description: "dnsmasq, DNS on the gateway address",
        image: "infra",
        exec: "dnsmasq",
        network: "host",
        templates: [{ target: "/etc/dnsmasq.conf", content: conf }],
        health: { cmd: "hotstack-health dnsmasq", intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 },
        startTimeoutSeconds: 90,
        stopTimeoutSeconds: 10,
    };
}
