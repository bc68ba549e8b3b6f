// HAProxy: the one front door. Every API is published on the gateway (hot-ex) address and the
// catalog names resolve there; the stats page shows each backend's health.
import { ServiceContext } from "./context";
import { CloudLists, Frontend, ServiceDescriptor, specBase } from "./descriptor";
import { ServiceSpec } from "./service";

export type { Frontend };

export const HAPROXY: ServiceDescriptor = {
    name: "haproxy",
    set: "identity",
    versionPackage: "haproxy",
    containers: [{ name: "haproxy", image: "infra", role: "controller", order: 50, address: { key: "haproxyIp", default: "172.31.0.6" }, hostname: "haproxy" }],
    specs: (ctx, cloud) => [haproxy(ctx, cloud.frontends)],
};

export const STATS_PORT = 8404;

export function renderHaproxyConfig(frontends: Frontend[]): string {
    const out = [
        "# Managed by hotstack-os: pulumi up puts back any change made here.",
        "global",
        "    log stdout format raw local0 info",
        "    maxconn 4096",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option dontlognull",
        "    option http-server-close",
        "    option forwardfor except 127.0.0.0/8",
        "    option redispatch",
        "    retries 3",
        "    timeout http-request 10s",
        "    timeout queue 1m",
        "    timeout connect 10s",
        "    timeout client 1m",
        "    timeout server 1m",
        "    timeout http-keep-alive 10s",
        "    timeout check 10s",
        "    maxconn 3000",
    ];
    for (const f of frontends) {
        out.push("", `frontend ${f.name}`, `    bind *:${f.port}`);
        if (!f.check) out.push("    mode tcp", "    option tcplog");
        out.push(`    default_backend ${f.name}`, "", `backend ${f.name}`);
        if (f.check) out.push(`    option httpchk GET ${f.check.path}`, `    http-check expect status ${f.check.status}`);
        else out.push("    mode tcp", "    option tcp-check");
        // downinter: a backend that is down (HAProxy starts before the APIs at boot) is probed
        // every second, so it takes traffic about two seconds after it answers, not ten
        out.push(`    server ${f.name} ${f.backend}:${f.port} check inter 5s downinter 1s fall 3 rise 2`);
    }
    out.push("", "listen stats", `    bind *:${STATS_PORT}`, "    stats enable", "    stats uri /stats", "    stats refresh 10s", "    stats show-legends", "    stats show-node", "");
    return out.join("\n");
}

export function haproxy(ctx: ServiceContext, frontends: Frontend[]): ServiceSpec {
    const gw = ctx.config.hotExIp;
    return {
        ...specBase(HAPROXY, "haproxy", ctx.config.ips),
        description: "HAProxy, the API front door on the gateway address",
        exec: "haproxy",
        publish: [...frontends.map((f) => `${gw}:${f.port}:${f.port}`), `${gw}:${STATS_PORT}:${STATS_PORT}`],
        templates: [{ target: "/etc/haproxy/haproxy.cfg", content: renderHaproxyConfig(frontends) }],
        health: { cmd: "hotstack-health haproxy", timeoutSeconds: 5, startPeriodSeconds: 0 },
        // up to 46 s in a CI run at load 10+ (2026-12-07): the limit bounds failures only.
        startTimeoutSeconds: 180,
        stopTimeoutSeconds: 10,
    };
}
