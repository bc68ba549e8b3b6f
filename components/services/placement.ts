// Placement: resource inventories and allocations for the scheduler.
import { renderIni } from "../ini";
import { ServiceContext } from "./context";
import { API_SECRETS, authtoken, database, httpHealth, registrationEnv } from "./openstack";
import { ServiceDescriptor, catalogUrl, specBase } from "./descriptor";
import { ServiceSpec } from "./service";

export const PLACEMENT: ServiceDescriptor = {
    name: "placement",
    set: "full",
    versionPackage: "python3-placement",
    layerPackages: ["placement-common"],
    containers: [{
        name: "placement", image: "placement", role: "controller", order: 80, address: { key: "placementIp", default: "172.31.0.13" },
        hostname: "placement", aliases: ["placement"], secrets: API_SECRETS, wants: ["mariadb", "keystone", "dnsmasq"], after: ["haproxy"],
        frontend: { name: "placement", port: 8778, check: { path: "/", status: 200 } },
    }],
    publicName: "placement",
    internalName: { name: "placement", container: "placement" },
    catalog: [{ type: "placement", container: "placement", path: "", registered: true }],
    keystoneUsers: ["placement"],
    databases: ["placement"],
    specs: (ctx) => [placement(ctx)],
};

export function placement(ctx: ServiceContext): ServiceSpec {
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
        ...specBase(PLACEMENT, "placement", c.ips),
        description: "Placement",
        exec: "placement",
        env: registrationEnv(ctx, "PLACEMENT_PUBLIC_URL", catalogUrl(PLACEMENT, "placement")),
        templates: [{ target: "/etc/placement/placement.conf", content: conf }],
        health: httpHealth("placement"),
        startTimeoutSeconds: 600,
        stopTimeoutSeconds: 30,
    };
}
