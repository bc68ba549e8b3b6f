// dnsmasq: DNS for VMs and anything pointed at the gateway address: the public API names answer
// with the HAProxy address, everything else goes to the host's own resolvers. On the host
// network, bound to the hot-ex address and loopback only (never the podman gateway, where
// aardvark-dns answers).
import { PUBLIC_DOMAIN } from "../names";
import { INTERNAL_DOMAIN } from "../names";
import { ServiceContext } from "./context";
import { CloudLists, ServiceDescriptor, specBase } from "./descriptor";
import { ServiceSpec } from "./service";

export const DNSMASQ: ServiceDescriptor = {
    name: "dnsmasq",
    set: "identity",
    versionPackage: "dnsmasq-base",
    containers: [{ name: "dnsmasq", image: "infra", role: "controller", order: 40 }],
    specs: (ctx, cloud) => [dnsmasq(ctx, cloud)],
};

/** Public names answer with the gateway (HAProxy), internal names with the service's own address. */
export function dnsmasq(ctx: ServiceContext, cloud: Pick<CloudLists, "publicNames" | "internalNames">): ServiceSpec {
    const { hotExIp } = ctx.config;
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
        ...cloud.publicNames.map((n) => `address=/${n}.${PUBLIC_DOMAIN}/${hotExIp}`),
        ...cloud.internalNames.map(([n, ip]) => `address=/${n}.${INTERNAL_DOMAIN}/${ip}`),
        "",
    ].join("\n");
    return {
        ...specBase(DNSMASQ, "dnsmasq", ctx.config.ips),
        description: "dnsmasq, DNS on the gateway address",
        exec: "dnsmasq",
        templates: [{ target: "/etc/dnsmasq.conf", content: conf }],
        health: { cmd: "hotstack-health dnsmasq", timeoutSeconds: 5, startPeriodSeconds: 0 },
        // up to 46 s in a CI run at load 10+ (2026-12-07): the limit bounds failures only.
        startTimeoutSeconds: 180,
        stopTimeoutSeconds: 10,
    };
}
