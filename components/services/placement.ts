// Placement: resource inventories and allocations for the scheduler.
import { renderIni } from "../ini";
import { ServiceContext } from "./context";
import { Frontend } from "./haproxy";
import { API_SECRETS, authtoken, database, httpHealth } from "./openstack";
import { ServiceSpec } from "./service";

export function placement(ctx: ServiceContext): ServiceSpec & { frontend: Frontend } {
    const c = ctx.config;
    const conf = renderIni({
        DEFAULT: { ...ctx.logging },
        api: { auth_strategy: "keystone" },
        placement_database: database(ctx, "placement", 5),
        keystone_authtoken: authtoken(ctx, "placement"),
        placement: { randomize_allocation_candidates: true },
        oslo_policy: { enforce_new_defaults: true },
    });
    return {
        name: "placement",
        description: "Placement",
        image: "placement",
        exec: "placement",
        network: { ip: c.ips.placementIp, hostname: "placement", aliases: ["placement"] },
        secrets: [...API_SECRETS],
        env: { REGION_NAME: c.region },
        templates: [{ target: "/etc/placement/placement.conf", content: conf }],
        health: httpHealth("placement"),
        startTimeoutSeconds: 600,
        stopTimeoutSeconds: 30,
        wants: ["mariadb", "keystone", "dnsmasq"],
        after: ["haproxy"],
        frontend: { name: "placement", port: 8778, backend: c.ips.placementIp, check: { path: "/", status: 200 } },
    };
}
