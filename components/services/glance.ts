// Glance: the image API (Debian's eventlet glance-api), images as files in the data dir.
import { renderIni } from "../ini";
import { ServiceContext } from "./context";
import { ServiceDescriptor, catalogUrl, specBase } from "./descriptor";
import { API_SECRETS, authtoken, database, httpHealth, registrationEnv } from "./openstack";
import { ServiceSpec } from "./service";

export const GLANCE: ServiceDescriptor = {
    name: "glance",
    set: "full",
    versionPackage: "python3-glance",
    layerPackages: ["glance-api"],
    containers: [{
        name: "glance", image: "glance", role: "controller", order: 70, address: { key: "glanceIp", default: "172.31.0.12" },
        hostname: "glance", aliases: ["glance"], secrets: API_SECRETS, wants: ["mariadb", "keystone", "dnsmasq"], after: ["haproxy"],
        frontend: { name: "glance", port: 9292, check: { path: "/", status: 300 } },
    }],
    publicName: "glance",
    internalName: { name: "glance", container: "glance" },
    catalog: [{ type: "image", container: "glance", path: "", registered: true }],
    keystoneUsers: ["glance"],
    databases: ["glance"],
    specs: (ctx) => [glance(ctx)],
};

export function glance(ctx: ServiceContext): ServiceSpec {
    const c = ctx.config;
    const conf = renderIni({
        DEFAULT: { ...ctx.logging, bind_host: "0.0.0.0", bind_port: 9292, workers: 1, enabled_backends: "file:file" },
        database: database(ctx, "glance", 5),
        keystone_authtoken: authtoken(ctx, "glance"),
        paste_deploy: { flavor: "keystone" },
        glance_store: { default_backend: "file" },
        file: { filesystem_store_datadir: "/var/lib/glance/images" },
        // Lets an image's declared format differ from its content (raw/iso-hybrid .img images).
        image_format: { require_image_format_match: false },
        oslo_policy: { enforce_new_defaults: true },
    });
    return {
        ...specBase(GLANCE, "glance", c.ips),
        description: "Glance, images",
        exec: "glance",
        env: registrationEnv(ctx, "GLANCE_PUBLIC_URL", catalogUrl(GLANCE, "image")),
        templates: [{ target: "/etc/glance/glance-api.conf", content: conf }],
        volumes: [`${ctx.dataDir}/glance/images:/var/lib/glance/images:z`],
        health: httpHealth("glance"),
        startTimeoutSeconds: 600,
        stopTimeoutSeconds: 30,
    };
}
