// The one typed configuration of hotstack-os, read from Pulumi config and validated before any
// resource exists. Defaults are the spec's; Pulumi.yaml declares the same keys (a unit test
// keeps the two in step). Errors name the config key and the bad value.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "../providers/host/connection";

export const PROJECT = "hotstack-os";

/** Static service addresses on the container network (services.md §1.2), by config key. */
export const SERVICE_IPS = {
    mariadbIp: "172.31.0.3",
    rabbitmqIp: "172.31.0.4",
    memcachedIp: "172.31.0.5",
    haproxyIp: "172.31.0.6",
    keystoneIp: "172.31.0.11",
    glanceIp: "172.31.0.12",
    placementIp: "172.31.0.13",
    novaApiIp: "172.31.0.21",
    novaConductorIp: "172.31.0.22",
    novaSchedulerIp: "172.31.0.23",
    novaComputeIp: "172.31.0.24",
    novaMetadataIp: "172.31.0.25",
    novaNovncproxyIp: "172.31.0.26",
    ovnNorthdIp: "172.31.0.31",
    neutronServerIp: "172.31.0.32",
    cinderApiIp: "172.31.0.41",
    cinderSchedulerIp: "172.31.0.42",
    cinderVolumeIp: "172.31.0.43",
    heatApiIp: "172.31.0.51",
    heatEngineIp: "172.31.0.53",
} as const;
export type ServiceIpKey = keyof typeof SERVICE_IPS;

/** Passwords that may be set in config (as secrets); each one left out is generated. */
export const PASSWORD_KEYS = ["adminPassword", "dbPassword", "servicePassword", "mysqlRootPassword", "rabbitmqPassword"] as const;
export type PasswordKey = (typeof PASSWORD_KEYS)[number];

export const VIRT_TYPES = ["auto", "kvm", "qemu"] as const;
/** "full": the whole cloud; "identity": infra + keystone only (faster to converge); "host": the host layer only. */
export const SERVICE_SETS = ["full", "identity", "host"] as const;
export const DATAPATH_TYPES = ["system", "netdev"] as const;

/** Every scalar option with its default ("" = derived or unset). */
export const DEFAULTS = {
    host: "local",
    sshPrivateKeyPath: "",
    sshAgent: false,
    sshHostKey: "",
    sshTrustOnFirstUse: false,
    sudo: false,
    dataDir: "/var/lib/hotstack-os",
    novaInstancesPath: "",
    novaNfsMountPointBase: "",
    cinderNfsExportDir: "",
    containerNetwork: "172.31.0.0/25",
    providerNetwork: "172.31.0.128/25",
    hotExIp: "172.31.0.129",
    mtu: 9216,
    region: "RegionOne",
    chassisHostname: "",
    virtType: "auto" as (typeof VIRT_TYPES)[number],
    ovsDatapathType: "system" as (typeof DATAPATH_TYPES)[number],
    baseImage: "docker.io/library/debian:trixie-slim",
    buildParallel: 2,
    debug: false,
    serviceSet: "full" as (typeof SERVICE_SETS)[number],
    tokenExpiration: 3600,
};

export interface HotStackConfig {
    connection: Connection;
    dataDir: string;
    novaInstancesPath: string;
    novaNfsMountPointBase: string;
    cinderNfsExportDir: string;
    containerNetwork: string;
    providerNetwork: string;
    hotExIp: string;
    mtu: number;
    region: string;
    ips: Record<ServiceIpKey, string>;
    /** OVN chassis name and nova's [DEFAULT] host; empty = the host's FQDN, found at deploy time. */
    chassisHostname: string;
    virtType: (typeof VIRT_TYPES)[number];
    ovsDatapathType: (typeof DATAPATH_TYPES)[number];
    baseImage: string;
    buildParallel: number;
    debug: boolean;
    serviceSet: (typeof SERVICE_SETS)[number];
    /** Keystone token lifetime in seconds. */
    tokenExpiration: number;
    /** Passwords given in config (secrets); the rest are generated. */
    passwords: Partial<Record<PasswordKey, string>>;
}

/** Raw config values as Pulumi hands them to the program: strings, or undefined when unset. */
export type RawConfig = Record<string, string | undefined>;

export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`invalid ${PROJECT} configuration (nothing was changed on the host):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
}

// ---- small parsers ----------------------------------------------------------------------

export function ipToInt(ip: string): number | undefined {
    const parts = ip.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && String(Number(p)) === p)) return undefined;
    return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
    return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

export interface Cidr {
    text: string;
    network: number;
    prefix: number;
    size: number;
}

/** A strict IPv4 CIDR: the address must be the network address. */
export function parseCidr(text: string): Cidr | undefined {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
    if (!m) return undefined;
    const ip = ipToInt(m[1]);
    const prefix = Number(m[2]);
    if (ip === undefined || prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    if (ip % size !== 0) return undefined;
    return { text, network: ip, prefix, size };
}

export const inCidr = (c: Cidr, ip: number) => ip >= c.network && ip < c.network + c.size;
const overlaps = (a: Cidr, b: Cidr) => a.network < b.network + b.size && b.network < a.network + a.size;

// ---- validation -------------------------------------------------------------------------

/** Turns raw values into the typed config, or throws ConfigError listing every problem. */
export function parseConfig(raw: RawConfig, readFile: (p: string) => string = (p) => fs.readFileSync(p, "utf8")): HotStackConfig {
    const problems: string[] = [];
    const key = (k: string) => `${PROJECT}:${k}`;
    const bad = (k: string, v: unknown, why: string) => problems.push(`${key(k)} = ${JSON.stringify(v)}: ${why}`);
    const str = (k: keyof typeof DEFAULTS): string => (raw[k] === undefined || raw[k] === "" ? String(DEFAULTS[k]) : raw[k]!);
    const bool = (k: keyof typeof DEFAULTS): boolean => {
        const v = raw[k];
        if (v === undefined || v === "") return DEFAULTS[k] as boolean;
        if (v === "true" || v === "false") return v === "true";
        bad(k, v, "must be true or false");
        return DEFAULTS[k] as boolean;
    };
    const int = (k: keyof typeof DEFAULTS, min: number, max: number): number => {
        const v = raw[k];
        if (v === undefined || v === "") return DEFAULTS[k] as number;
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max) bad(k, v, `must be an integer from ${min} to ${max}`);
        return n;
    };
    const oneOf = <T extends string>(k: keyof typeof DEFAULTS, allowed: readonly T[]): T => {
        const v = str(k);
        if (!allowed.includes(v as T)) bad(k, v, `must be one of ${allowed.join(", ")}`);
        return v as T;
    };
    const absPath = (k: keyof typeof DEFAULTS, fallback: string): string => {
        const v = raw[k] === undefined || raw[k] === "" ? fallback : raw[k]!;
        if (!/^\/[^\0]*$/.test(v) || /(^|\/)\.\.?(\/|$)/.test(v) || (v !== "/" && v.endsWith("/"))) bad(k, v, "must be an absolute path without . or .. parts or a trailing /");
        else if (v === "/") bad(k, v, "must not be the root directory");
        return v;
    };

    // layout
    const dataDir = absPath("dataDir", DEFAULTS.dataDir);
    const novaInstancesPath = absPath("novaInstancesPath", `${dataDir}/nova-instances`);
    const novaNfsMountPointBase = absPath("novaNfsMountPointBase", `${dataDir}/nova-mnt`);
    const cinderNfsExportDir = absPath("cinderNfsExportDir", `${dataDir}/cinder-nfs`);

    // networks
    const cidr = (k: "containerNetwork" | "providerNetwork") => {
        const v = str(k);
        const c = parseCidr(v);
        if (!c) bad(k, v, "must be an IPv4 network in CIDR form with its network address, like 172.31.0.0/25");
        else if (c.prefix > 29) bad(k, v, "is too small: needs at least a /29");
        return c;
    };
    const containerNet = cidr("containerNetwork");
    const providerNet = cidr("providerNetwork");
    if (containerNet && providerNet && overlaps(containerNet, providerNet)) {
        bad("providerNetwork", providerNet.text, `overlaps ${key("containerNetwork")} ${containerNet.text}`);
    }
    const hotExIp = str("hotExIp");
    const hotEx = ipToInt(hotExIp);
    if (hotEx === undefined) bad("hotExIp", hotExIp, "must be an IPv4 address");
    else if (providerNet && (!inCidr(providerNet, hotEx) || hotEx === providerNet.network || hotEx === providerNet.network + providerNet.size - 1)) {
        bad("hotExIp", hotExIp, `must be a host address inside ${key("providerNetwork")} ${providerNet.text}`);
    }
    const mtu = int("mtu", 1280, 9216);

    const ips = {} as Record<ServiceIpKey, string>;
    const seen = new Map<string, string>();
    for (const k of Object.keys(SERVICE_IPS) as ServiceIpKey[]) {
        const v = raw[k] === undefined || raw[k] === "" ? SERVICE_IPS[k] : raw[k]!;
        ips[k] = v;
        const n = ipToInt(v);
        if (n === undefined) {
            bad(k, v, "must be an IPv4 address");
            continue;
        }
        if (containerNet && (!inCidr(containerNet, n) || n <= containerNet.network + 1 || n === containerNet.network + containerNet.size - 1)) {
            bad(k, v, `must be inside ${key("containerNetwork")} ${containerNet.text}, not its network, gateway (.1) or broadcast address`);
        }
        if (seen.has(v)) bad(k, v, `is already used by ${key(seen.get(v)!)}`);
        seen.set(v, k);
    }

    // identity and images
    const region = str("region");
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/.test(region)) bad("region", region, "must be a region name (letters, digits, _ . -)");
    const chassisHostname = raw.chassisHostname ?? "";
    if (chassisHostname && !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(chassisHostname)) {
        bad("chassisHostname", chassisHostname, "must be a host name");
    }
    const baseImage = str("baseImage");
    if (!/^[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9._-]+)?(@sha256:[0-9a-f]{64})?$/.test(baseImage)) bad("baseImage", baseImage, "must be an image reference like docker.io/library/debian:trixie-slim");

    // passwords: URL-safe, because they end up in database and broker URLs
    const passwords: Partial<Record<PasswordKey, string>> = {};
    for (const k of PASSWORD_KEYS) {
        const v = raw[k];
        if (v === undefined || v === "") continue;
        if (!/^[A-Za-z0-9._~-]{8,128}$/.test(v)) problems.push(`${key(k)}: must be 8-128 characters of A-Z a-z 0-9 . _ ~ - (the value is a secret and is not shown)`);
        passwords[k] = v;
    }

    const connection = parseConnection(raw, bad, readFile, str, bool, problems);
    const config: HotStackConfig = {
        connection,
        dataDir,
        novaInstancesPath,
        novaNfsMountPointBase,
        cinderNfsExportDir,
        containerNetwork: str("containerNetwork"),
        providerNetwork: str("providerNetwork"),
        hotExIp,
        mtu,
        region,
        ips,
        chassisHostname,
        virtType: oneOf("virtType", VIRT_TYPES),
        ovsDatapathType: oneOf("ovsDatapathType", DATAPATH_TYPES),
        baseImage,
        buildParallel: int("buildParallel", 1, 16),
        debug: bool("debug"),
        serviceSet: oneOf("serviceSet", SERVICE_SETS),
        tokenExpiration: int("tokenExpiration", 300, 86400),
        passwords,
    };
    if (problems.length) throw new ConfigError(problems);
    return config;
}

function parseConnection(
    raw: RawConfig,
    bad: (k: string, v: unknown, why: string) => void,
    readFile: (p: string) => string,
    str: (k: keyof typeof DEFAULTS) => string,
    bool: (k: keyof typeof DEFAULTS) => boolean,
    problems: string[],
): Connection {
    const host = str("host");
    const sudo = bool("sudo");
    if (host === "local") return sudo ? { kind: "local", sudo } : { kind: "local" };
    const m = /^ssh:\/\/(?:([a-z_][a-z0-9_.-]*)@)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d+))?\/?$/.exec(host);
    if (!m) {
        bad("host", host, 'must be "local" or "ssh://user@address[:port]"');
        return { kind: "local" };
    }
    const user = m[1] ?? "root";
    const port = m[3] ? Number(m[3]) : 22;
    if (port < 1 || port > 65535) bad("host", host, "has a port outside 1-65535");
    const agent = bool("sshAgent");
    let privateKey = raw.sshPrivateKey || undefined;
    const keyPath = raw.sshPrivateKeyPath;
    if (!privateKey && keyPath) {
        const expanded = keyPath.startsWith("~/") ? path.join(os.homedir(), keyPath.slice(2)) : keyPath;
        try {
            privateKey = readFile(expanded);
        } catch (e) {
            bad("sshPrivateKeyPath", keyPath, `cannot be read: ${(e as Error).message}`);
        }
    }
    if (!privateKey && !agent) problems.push(`${PROJECT}:host is ssh: set ${PROJECT}:sshPrivateKey (secret), ${PROJECT}:sshPrivateKeyPath or ${PROJECT}:sshAgent`);
    const hostKeySha256 = raw.sshHostKey || undefined;
    if (hostKeySha256 && !/^(SHA256:)?[A-Za-z0-9+/]{43}=?$/.test(hostKeySha256)) bad("sshHostKey", hostKeySha256, 'must be a fingerprint like "SHA256:…" (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)');
    const trustOnFirstUse = bool("sshTrustOnFirstUse");
    if (!hostKeySha256 && !trustOnFirstUse) {
        problems.push(`${PROJECT}:sshHostKey is required for ${host}: pin the host key (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host) or set ${PROJECT}:sshTrustOnFirstUse true`);
    }
    return {
        kind: "ssh",
        address: m[2].replace(/^\[|\]$/g, ""),
        port,
        user,
        ...(privateKey ? { privateKey } : {}),
        ...(agent ? { agent } : {}),
        ...(hostKeySha256 ? { hostKeySha256 } : {}),
        ...(trustOnFirstUse ? { trustOnFirstUse } : {}),
        ...(user !== "root" || sudo ? { sudo: true } : {}),
    };
}

/** Every key the program reads, for reading raw values (and for the Pulumi.yaml check). */
export const CONFIG_KEYS = [...Object.keys(DEFAULTS), ...Object.keys(SERVICE_IPS), ...PASSWORD_KEYS, "sshPrivateKey"];

/** Reads the stack's config without the SDK's "use getSecret" warnings: secrets stay secrets in the resources. */
export function loadConfig(): HotStackConfig {
    const raw: RawConfig = {};
    for (const k of CONFIG_KEYS) raw[k] = pulumi.runtime.getConfig(`${PROJECT}:${k}`);
    return parseConfig(raw);
}
