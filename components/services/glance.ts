// Glance: the image API (Debian's eventlet glance-api), images as files in the data dir.
import { renderIni } from "../ini";
import { ServiceContext } from "./context";
import { Frontend } from "./haproxy";
import { API_SECRETS, authtoken, database, httpHealth } from "./openstack";
import { ServiceSpec } from "./service";

export function glance(ctx: ServiceContext): ServiceSpec & { frontend: Frontend } {
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
        name: "glance",
        description: "Glance, images",
        image: "glance",
        exec: "glance",
        network: { ip: c.ips.glanceIp, hostname: "glance", aliases: ["glance"] },
        secrets: [...API_SECRETS],
        env: { REGION_NAME: c.region },
        templates: [{ target: "/etc/glance/glance-api.conf", content: conf }],
        volumes: [`${ctx.dataDir}/glance/images:/var/lib/glance/images:z`],
        health: httpHealth("glance"),
        startTimeoutSeconds: 600,
        stopTimeoutSeconds: 30,
        wants: ["mariadb", "keystone", "dnsmasq"],
        after: ["haproxy"],
        frontend: { name: "glance", port: 9292, backend: c.ips.glanceIp, check: { path: "/", status: 300 } },
    };
}
