// RabbitMQ: the message bus of nova, neutron, cinder and heat. The node name comes from the
// fixed hostname `rabbitmq`; changing it would orphan the persisted mnesia data.
import { ServiceContext, token } from "./context";
import { ServiceSpec } from "./service";

export function rabbitmq(ctx: ServiceContext): ServiceSpec {
    const conf = [
        "# Managed by hotstack-os: pulumi up puts back any change made here.",
        "default_user = openstack",
        `default_pass = ${token("RABBITMQ_PASSWORD")}`,
        // Small footprint: the watermark is computed against 512 MB, not the host's RAM.
        "vm_memory_high_watermark.relative = 0.6",
        "vm_memory_high_watermark_paging_ratio = 0.75",
        "total_memory_available_override_value = 512MB",
        "deprecated_features.permit.management_metrics_collection = false",
        "channel_max = 128",
        "heartbeat = 60",
        "frame_max = 131072",
        "",
    ].join("\n");
    return {
        name: "rabbitmq",
        description: "RabbitMQ, the message bus",
        image: "infra",
        exec: "rabbitmq",
        network: { ip: ctx.config.ips.rabbitmqIp, hostname: "rabbitmq" },
        secrets: ["RABBITMQ_PASSWORD"],
        templates: [{ target: "/etc/rabbitmq/rabbitmq.conf", content: conf }],
        volumes: [`${ctx.dataDir}/rabbitmq:/var/lib/rabbitmq:z`],
        health: { cmd: "hotstack-health rabbitmq", intervalSeconds: 10, timeoutSeconds: 10, retries: 5, startPeriodSeconds: 10 },
        startTimeoutSeconds: 180,
        stopTimeoutSeconds: 30,
    };
}
