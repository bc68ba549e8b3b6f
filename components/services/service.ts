// The one shape every service has (config → container → bootstrap → health): a service file
// returns a ServiceSpec (plain data), and HotStackService turns it into resources — its config
// templates on the host, and its container as a Quadlet unit. renderQuadlet is pure.
import * as pulumi from "@pulumi/pulumi";
import { ContainerService } from "../../providers/container-service";
import { Directory } from "../../providers/directory";
import { File } from "../../providers/file";
import { isIpv4 } from "../../providers/kit";
import { FABRIC_UNIT, SHARED_MOUNTS_UNIT } from "../names";
import { SecretName } from "./context";

export const TARGET = "hotstack-os.target";
export const WAIT_HEALTHY = "/usr/local/libexec/hotstack-os/wait-healthy";

export interface HealthSpec {
    /** Runs inside the container (Quadlet HealthCmd); exit 0 = healthy. */
    cmd: string;
    timeoutSeconds: number;
    startPeriodSeconds: number;
}

/**
 * Podman's own periodic run of each health command, the same for every container. It gates
 * nothing (a unit's start runs the command itself, every 2 s, in wait-healthy); it only keeps the
 * health state `npm run status` shows current: unhealthy within 3 × 30 s of a failure. Each run is
 * a podman process, a runc exec and the check (about 0.35 CPU-seconds measured on the 2-core test
 * host), so 24 containers at 5-10 s took most of a core; 30 s is podman's default interval.
 */
export const PERIODIC_HEALTH = { intervalSeconds: 30, retries: 3 };

export interface Template {
    /** Absolute path of the rendered file inside the container. */
    target: string;
    /** Text with @@SECRET@@ tokens; no secret values ever. */
    content: pulumi.Input<string>;
}

export interface ServiceSpec {
    /** Container hotstack-os-<name>, unit hotstack-os-<name>.service. */
    name: string;
    description: string;
    /** Image key (a Containerfile directory in assets/images). */
    image: string;
    /** Entrypoint role and its extra arguments. */
    exec: string;
    network: { ip: string; hostname?: string; aliases?: string[] } | "host";
    privileged?: boolean;
    publish?: string[];
    addHosts?: Record<string, string>;
    env?: Record<string, pulumi.Input<string>>;
    secrets?: SecretName[];
    templates?: Template[];
    /** "host:container[:options]" */
    volumes?: pulumi.Input<string>[];
    health: HealthSpec;
    /** Longest start, including the wait for health. */
    startTimeoutSeconds: number;
    stopTimeoutSeconds: number;
    /** Services started first and pulled in (Wants= + After=). */
    wants?: string[];
    /** Services started first if they are started at all (After= only). */
    after?: string[];
}

/** A spec with deploy-time values resolved, as the Quadlet file needs it (template targets only). */
export type ResolvedSpec = Omit<ServiceSpec, "env" | "volumes" | "templates"> & {
    env?: Record<string, string>;
    volumes?: string[];
    templates?: { target: string }[];
};

export const unitName = (service: string) => `hotstack-os-${service}.service`;
export const containerName = (service: string) => `hotstack-os-${service}`;
export const podmanSecretName = (s: SecretName) => `hotstack-os-${s.toLowerCase().replace(/_/g, "-")}`;

/** Where a template lives on the host: <config dir>/<service>/<its container path, flattened>. */
export function templateHostPath(configDir: string, service: string, target: string): string {
    return `${configDir}/${service}/${target.replace(/^\//, "").replace(/\//g, "__")}`;
}

/** A locally administered unicast MAC (02:68:…) that spells out the IPv4 address it goes with. */
export function macFor(ip: string): string {
    if (!isIpv4(ip)) throw new Error(`macFor: not an IPv4 address: ${ip}`);
    return ["02", "68", ...ip.split(".").map((o) => Number(o).toString(16).padStart(2, "0"))].join(":");
}

/** The Quadlet .container file of a service: its whole runtime contract in one readable file. */
export function renderQuadlet(spec: ResolvedSpec, imageId: string, configDir: string, network: string): string {
    const sharedVolume = (spec.volumes ?? []).some((v) => (v.split(":")[2] ?? "").split(",").some((o) => o === "shared" || o === "rshared"));
    const unitLines = [
        `Description=hotstack-os ${spec.name}: ${spec.description}`,
        ...(spec.wants?.length ? [`Wants=${spec.wants.map(unitName).join(" ")}`] : []),
        // A volume with shared propagation needs its host side to be a shared mount first.
        ...(sharedVolume ? [`Requires=${SHARED_MOUNTS_UNIT}`] : []),
        `After=${[FABRIC_UNIT, ...(sharedVolume ? [SHARED_MOUNTS_UNIT] : []), ...(spec.wants ?? []).map(unitName), ...(spec.after ?? []).map(unitName)].join(" ")}`,
        `PartOf=${TARGET}`,
    ];
    const c: string[] = [
        `ContainerName=${containerName(spec.name)}`,
        `Image=${imageId.replace(/^sha256:/, "")}`,
        "Pull=never",
        `Exec=${spec.exec}`,
    ];
    if (spec.network === "host") {
        c.push("Network=host");
    } else {
        c.push(`Network=${network}`, `IP=${spec.network.ip}`);
        // A fixed MAC with the fixed IP: a restarted container otherwise gets a new MAC while its
        // peers keep the old one in ARP (measured in the test host: tokens failed 3-38 s after a
        // MariaDB restart; 1.8-2.3 s with the MAC pinned).
        c.push(`PodmanArgs=--mac-address=${macFor(spec.network.ip)}`);
        if (spec.network.hostname) c.push(`HostName=${spec.network.hostname}`);
        for (const a of spec.network.aliases ?? []) c.push(`NetworkAlias=${a}`);
    }
    for (const p of spec.publish ?? []) c.push(`PublishPort=${p}`);
    for (const [h, ip] of Object.entries(spec.addHosts ?? {})) c.push(`AddHost=${h}:${ip}`);
    for (const [k, v] of Object.entries(spec.env ?? {})) c.push(`Environment=${k}=${quoteEnv(v)}`);
    for (const s of spec.secrets ?? []) c.push(`Secret=${podmanSecretName(s)},type=mount,target=${s}`);
    for (const t of spec.templates ?? []) c.push(`Volume=${templateHostPath(configDir, spec.name, t.target)}:/etc/hotstack/templates${t.target}:ro,z`);
    for (const v of spec.volumes ?? []) c.push(`Volume=${v}`);
    const h = spec.health;
    // The check bounds itself (hotstack-health, 5 s unless told): told the unit's HealthTimeout, so a
    // check that is slow on a loaded host (rabbitmq-diagnostics boots an Erlang VM) is not cut short.
    c.push(`Environment=HOTSTACK_HEALTH_TIMEOUT=${h.timeoutSeconds}`);
    c.push(`HealthCmd=${h.cmd}`, `HealthInterval=${PERIODIC_HEALTH.intervalSeconds}s`, `HealthTimeout=${h.timeoutSeconds}s`, `HealthRetries=${PERIODIC_HEALTH.retries}`, `HealthStartPeriod=${h.startPeriodSeconds}s`);
    c.push(`StopTimeout=${spec.stopTimeoutSeconds}`);
    if (spec.privileged) c.push("PodmanArgs=--privileged");
    return [
        "# Managed by hotstack-os (pulumi up): changes made here are put back on the next run.",
        "[Unit]",
        ...unitLines,
        "",
        "[Container]",
        ...c,
        "",
        "[Service]",
        "Restart=on-failure",
        "RestartSec=10",
        `TimeoutStartSec=${spec.startTimeoutSeconds}`,
        `TimeoutStopSec=${spec.stopTimeoutSeconds + 15}`,
        // The unit counts as started only once the container is healthy, so units ordered after
        // it start on a working service (the health gate of the original, as systemd ordering).
        `ExecStartPost=${WAIT_HEALTHY} ${containerName(spec.name)} ${spec.startTimeoutSeconds}`,
        "",
        "[Install]",
        `WantedBy=${TARGET}`,
        "",
    ].join("\n");
}

/**
 * A value as Environment= takes it. Quadlet copies it into ExecStart unchanged, where systemd
 * expands `$NAME` and specifiers (`%n`): `$$` and `%%` are their literal forms (systemd.service(5),
 * "Command lines"; systemd.unit(5), "Specifiers"). Catalog URLs hold `$(project_id)s`.
 */
export function quoteEnv(v: string): string {
    const literal = v.replace(/\$/g, "$$$$").replace(/%/g, "%%");
    return /^[A-Za-z0-9_@%+=:,./~-]*$/.test(literal) ? literal : `"${literal.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export interface HotStackServiceArgs {
    spec: ServiceSpec;
    imageId: pulumi.Input<string>;
    configDir: string;
    network: string;
    /** Digests of the secrets it mounts: a new password restarts it. */
    secretDigests: pulumi.Input<string>[];
    /** The service units it needs started first (resources, for creation order). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** One service: its config templates (root-owned, no secrets) and its Quadlet unit. */
export class HotStackService extends pulumi.ComponentResource {
    readonly container: ContainerService;

    constructor(name: string, args: HotStackServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:service:Service", name, {}, opts);
        const { spec } = args;
        const dir = spec.templates?.length
            ? [new Directory(`${name}-config`, { path: `${args.configDir}/${spec.name}`, owner: "root", group: "root", mode: "0755" }, { parent: this, dependsOn: args.dependsOn })]
            : [];
        const files = (spec.templates ?? []).map((t) => new File(`${name}-${t.target.split("/").pop()}`, {
            path: templateHostPath(args.configDir, spec.name, t.target),
            content: t.content,
            mode: "0644",
        }, { parent: this, dependsOn: dir }));
        const resolved = pulumi.output({ env: spec.env ?? {}, volumes: spec.volumes ?? [] });
        const templates = (spec.templates ?? []).map((t) => ({ target: t.target }));
        const content = pulumi.all([args.imageId, resolved]).apply(([id, r]) => renderQuadlet({ ...spec, ...r, templates } as ResolvedSpec, id, args.configDir, args.network));
        this.container = new ContainerService(`${name}-container`, {
            name: spec.name,
            content,
            triggers: [...files.map((f) => f.contentSha256), ...args.secretDigests],
            startTimeoutSeconds: spec.startTimeoutSeconds,
        }, { parent: this, dependsOn: [...files, ...args.dependsOn] });
        this.registerOutputs({ active: this.container.active });
    }
}
