// Heat: orchestration. heat-api registers the stack domain `heat` with its admin user and the
// stack roles; heat-engine runs the stacks. The auth encryption key is generated (32 chars).
import { renderIni } from "../ini";
import { PUBLIC_DOMAIN } from "../names";
import { ServiceContext, token } from "./context";
import { ServiceDescriptor, catalogUrl, containerUrl, specBase } from "./descriptor";
import { API_SECRETS, WORKER_SECRETS, authtoken, database, httpHealth, registrationEnv } from "./openstack";
import { ServiceSpec } from "./service";

/** The stack domain and its admin: heat.conf names them, heat-api's role script makes them. */
const STACK_DOMAIN = "heat";
const STACK_DOMAIN_ADMIN = "heat_domain_admin";

export const HEAT: ServiceDescriptor = {
    name: "heat",
    set: "full",
    versionPackage: "python3-heat",
    // Not heat-api: Debian's uwsgi wrapper; gunicorn serves heat.wsgi.api from python3-heat.
    layerPackages: ["heat-common", "heat-engine"],
    containers: [
        {
            name: "heat-api", image: "heat", role: "controller", order: 110, address: { key: "heatApiIp", default: "172.31.0.51" },
            hostname: "heat", aliases: ["heat"], secrets: [...API_SECRETS, "HEAT_AUTH_KEY"], wants: ["mariadb", "rabbitmq", "keystone"], after: ["dnsmasq", "haproxy"],
            frontend: { name: "heat", port: 8004, check: { path: "/", status: 300 } },
        },
        {
            name: "heat-engine", image: "heat", role: "controller", order: 160, address: { key: "heatEngineIp", default: "172.31.0.53" },
            hostname: "heat-engine", secrets: [...WORKER_SECRETS, "HEAT_AUTH_KEY"], after: ["heat-api"],
        },
    ],
    publicName: "heat",
    publicAliases: ["heat-api"],
    internalName: { name: "heat", container: "heat-api" },
    catalog: [{ type: "orchestration", container: "heat-api", path: "/v1/$(project_id)s", registered: true }],
    keystoneUsers: ["heat", STACK_DOMAIN_ADMIN],
    databases: ["heat"],
    rabbitmqUser: "openstack",
    specs: (ctx) => heat(ctx),
};

export function heat(ctx: ServiceContext): [ServiceSpec, ServiceSpec] {
    const c = ctx.config;
    const conf = renderIni({
        DEFAULT: {
            ...ctx.logging,
            // The CFN API (8000) is not deployed; heat still wants the URLs.
            heat_metadata_server_url: `http://heat.${PUBLIC_DOMAIN}:8000`,
            heat_waitcondition_server_url: `http://heat.${PUBLIC_DOMAIN}:8000/v1/waitcondition`,
            transport_url: ctx.transportUrl,
            stack_domain_admin: STACK_DOMAIN_ADMIN,
            stack_domain_admin_password: token("SERVICE_PASSWORD"),
            stack_user_domain_name: STACK_DOMAIN,
            auth_encryption_key: token("HEAT_AUTH_KEY"),
            num_engine_workers: 1,
        },
        database: database(ctx, "heat", 5),
        keystone_authtoken: authtoken(ctx, "heat"),
        // Deferred authentication through keystone trusts.
        trustee: { auth_type: "password", auth_url: ctx.keystonePublic, username: "heat", password: token("SERVICE_PASSWORD"), user_domain_name: "Default" },
        clients_keystone: { auth_uri: ctx.keystonePublic },
        clients_heat: { url: `http://heat.${PUBLIC_DOMAIN}:8004/v1/%(tenant_id)s` },
        heat_api: { bind_host: "0.0.0.0", bind_port: 8004, workers: 1 },
        oslo_messaging_notifications: { driver: "messagingv2" },
        oslo_messaging_rabbit: { rpc_conn_pool_size: 10 },
        oslo_policy: { enforce_new_defaults: true },
    });
    const templates = [{ target: "/etc/heat/heat.conf", content: conf }];
    return [
        {
            ...specBase(HEAT, "heat-api", c.ips),
            description: "Heat API, orchestration",
            exec: "heat-api",
            env: { ...registrationEnv(ctx, "HEAT_PUBLIC_URL", catalogUrl(HEAT, "orchestration")), HEAT_STACK_DOMAIN: STACK_DOMAIN, HEAT_DOMAIN_ADMIN: STACK_DOMAIN_ADMIN },
            templates,
            health: httpHealth("heat-api", 15),
            startTimeoutSeconds: 600,
            stopTimeoutSeconds: 10,
        },
        {
            ...specBase(HEAT, "heat-engine", c.ips),
            description: "Heat engine",
            exec: "heat-engine",
            env: { HEAT_API_URL: containerUrl(HEAT, "heat-api") },
            templates,
            health: { cmd: "hotstack-health heat-engine", timeoutSeconds: 10, startPeriodSeconds: 10 },
            startTimeoutSeconds: 300,
            stopTimeoutSeconds: 30,
        },
    ];
}
