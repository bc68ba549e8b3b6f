// RabbitMQ: the message bus of the OpenStack services; one user per service descriptor that names one (all share "openstack"). The node name comes from the
// fixed hostname `rabbitmq`; changing it would orphan the persisted mnesia data.
// The user, its password and the vhost come from a definitions file the broker imports on every
// boot, before its AMQP port opens (default_user/default_pass would only seed an empty node, and
// a node with definitions seeds nothing): a rotated password is in force once the restarted
// broker is healthy, before any client restarts.
import { ServiceContext, token } from "./context";
import { CloudLists, ServiceDescriptor, specBase } from "./descriptor";
import { ServiceSpec } from "./service";

const DEFINITIONS = "/etc/rabbitmq/definitions.json";

export const RABBITMQ: ServiceDescriptor = {
    name: "rabbitmq",
    set: "identity",
    versionPackage: "rabbitmq-server",
    containers: [{
        name: "rabbitmq", image: "infra", role: "controller", order: 20, address: { key: "rabbitmqIp", default: "172.31.0.4" }, hostname: "rabbitmq",
        addHosts: ["hotstack-os-rabbitmq", "rabbitmq"], secrets: ["RABBITMQ_PASSWORD"],
    }],
    internalName: { name: "rabbitmq", container: "rabbitmq" },
    specs: (ctx, cloud) => [rabbitmq(ctx, cloud)],
};

export function rabbitmq(ctx: ServiceContext, cloud: Pick<CloudLists, "rabbitmqUsers">): ServiceSpec {
    // Passwords, given or generated, are URL-safe, so the token needs no JSON escaping. The vhost
    // is listed because a node that loads definitions does not create "/" itself.
    const definitions = JSON.stringify({
        users: cloud.rabbitmqUsers.map((name) => ({ name, password: token("RABBITMQ_PASSWORD"), tags: ["administrator"] })),
        vhosts: [{ name: "/" }],
        permissions: cloud.rabbitmqUsers.map((user) => ({ user, vhost: "/", configure: ".*", write: ".*", read: ".*" })),
    }, null, 2);
    const conf = [
        "# Managed by hotstack-os: pulumi up puts back any change made here.",
        "definitions.import_backend = local_filesystem",
        `definitions.local.path = ${DEFINITIONS}`,
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
        ...specBase(RABBITMQ, "rabbitmq", ctx.config.ips),
        description: "RabbitMQ, the message bus",
        exec: "rabbitmq",
        templates: [{ target: "/etc/rabbitmq/rabbitmq.conf", content: conf }, { target: DEFINITIONS, content: definitions }],
        volumes: [`${ctx.dataDir}/rabbitmq:/var/lib/rabbitmq:z`],
        // rabbitmq-diagnostics starts an Erlang VM: 1.3 s a check on a test host at load 11; at load 22
        // (a CI rehearsal, 2026-12-07) a first deploy failed: 26 checks in 190 s, each cut at 5 s.
        health: { cmd: "hotstack-health rabbitmq", timeoutSeconds: 20, startPeriodSeconds: 10 },
        // Its VM booted 83 s after the role started at load 20 (healthy after 178 s of 180): the
        // limit only bounds how long a broken start takes to be reported.
        startTimeoutSeconds: 300,
        stopTimeoutSeconds: 30,
    };
}
