// Horizon, the dashboard: the web UI most OpenStack users open first (kolla-ansible and devstack
// deploy it by default). It keeps no database: logins go to keystone, sessions live in memcached,
// and every other API is reached by its catalog URL through the front door. Config `dashboard`
// (default on) switches it off, with everything of it: unit, image, secret, frontend, names.
import { ServiceContext, token } from "./context";
import { ServiceDescriptor, catalogUrl, specBase } from "./descriptor";
import { httpHealth } from "./openstack";
import { ServiceSpec } from "./service";

export const DASHBOARD: ServiceDescriptor = {
    name: "dashboard",
    set: "full",
    versionPackage: "python3-django-horizon",
    enabled: (config) => config.dashboard,
    forPeople: true,
    containers: [{
        name: "dashboard", image: "dashboard", role: "controller", order: 240, address: { key: "dashboardIp", default: "172.31.0.61" },
        hostname: "dashboard", secrets: ["DASHBOARD_SECRET_KEY"], wants: ["memcached", "keystone"], after: ["dnsmasq", "haproxy"],
        frontend: { name: "dashboard", port: 80, check: { path: "/auth/login/", status: 200 } },
    }],
    publicName: "dashboard",
    catalog: [{ type: "dashboard", container: "dashboard", path: "/", registered: false }],
    specs: (ctx) => [dashboard(ctx)],
};

/** A Python literal of a string (JSON's escaping is valid Python for the values used here). */
const py = (s: string) => JSON.stringify(s);

/**
 * /etc/openstack-dashboard/local_settings.py. WEBROOT, STATIC_ROOT and COMPRESS_OFFLINE are
 * Debian's snippets (local_settings.d), which the image's static files were compressed with.
 */
export function renderLocalSettings(ctx: ServiceContext): string {
    const level = ctx.config.debug ? "DEBUG" : "INFO";
    return [
        "# Managed by hotstack-os (components/services/dashboard.ts): pulumi up puts back any change made here.",
        "# A development cloud is reached by name, by address and through SSH tunnels: any Host header.",
        `ALLOWED_HOSTS = ["*"]`,
        `SECRET_KEY = ${py(token("DASHBOARD_SECRET_KEY"))}`,
        `OPENSTACK_KEYSTONE_URL = ${py(`${ctx.keystonePublic}/v3`)}`,
        `OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = "Default"`,
        `OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"`,
        "# Sessions in memcached: every worker (and a restarted container) sees the same logins.",
        `SESSION_ENGINE = "django.contrib.sessions.backends.cache"`,
        `CACHES = {"default": {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": ${py(ctx.memcachedServers)}}}`,
        `SESSION_TIMEOUT = ${ctx.config.tokenExpiration}`,
        `TIME_ZONE = "UTC"`,
        `LOGGING = {"version": 1, "disable_existing_loggers": False, "handlers": {"console": {"class": "logging.StreamHandler"}}, "root": {"handlers": ["console"], "level": ${py(level)}}}`,
        "",
    ].join("\n");
}

export function dashboard(ctx: ServiceContext): ServiceSpec {
    return {
        ...specBase(DASHBOARD, "dashboard", ctx.config.ips),
        description: "Horizon, the dashboard",
        exec: "dashboard",
        templates: [{ target: "/etc/openstack-dashboard/local_settings.py", content: renderLocalSettings(ctx) }],
        health: httpHealth("dashboard", 10),
        startTimeoutSeconds: 300,
        stopTimeoutSeconds: 30,
    };
}

/** The dashboard's URL (the `dashboardUrl` output). */
export const dashboardUrl = () => catalogUrl(DASHBOARD, "dashboard");
