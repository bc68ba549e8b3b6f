// The one typed configuration of hotstack-os, read from Pulumi config and validated before any
// resource exists. Defaults are the spec's; Pulumi.yaml declares the same keys (a unit test
// keeps the two in step). Errors name the config key and the bad value.
import * as fs from "node:fs";
import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { CONNECTION_KEYS, Connection, HOST_NAME, MAIN_HOST, connectionFromConfig } from "../providers/host/connection";
import { FLAVOR_DEFAULTS, IMAGE_DEFAULTS, PostSetupPlan, SSH_PUBLIC_KEY, jsonValue, parseFlavors, parseImages, parseQuotas } from "./post-setup-plan";

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
    cpuModel: "",
    ovsDatapathType: "system" as (typeof DATAPATH_TYPES)[number],
    baseImage: "docker.io/library/debian:trixie-slim",
    buildParallel: 2,
    debug: false,
    serviceSet: "full" as (typeof SERVICE_SETS)[number],
    tokenExpiration: 3600,
    // preflight: refuse an unfit host before touching it (0 = the minimum of the service set)
    preflight: true,
    preflightMinMemoryMb: 0,
    preflightMinDiskMb: 0,
    // post-setup (post-setup-and-smoke.md §1)
    postSetup: true,
    postSetupProject: "hotstack",
    postSetupUser: "hotstack",
    userPassword: "",
    privateCidr: "192.168.100.0/24",
    providerAllocationPool: "",
    physicalNetwork: "provider",
    appCredentialName: "hotstack-cred",
    keypairName: "hotstack",
    sshPublicKey: "",
};

/** Options whose values are structures (Pulumi.yaml type object or array), with their defaults. */
export const STRUCTURED_DEFAULTS = {
    hosts: {} as Record<string, unknown>,
    quotas: {} as Record<string, number>,
    flavors: FLAVOR_DEFAULTS,
    images: IMAGE_DEFAULTS,
    privateDns: [] as string[],
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
    /** The guests' CPU: "" = per virt type (host-passthrough with KVM, Nehalem emulated), "none", or a libvirt model. */
    cpuModel: string;
    ovsDatapathType: (typeof DATAPATH_TYPES)[number];
    baseImage: string;
    buildParallel: number;
    debug: boolean;
    serviceSet: (typeof SERVICE_SETS)[number];
    /** Keystone token lifetime in seconds. */
    tokenExpiration: number;
    /** Passwords given in config (secrets); the rest are generated. */
    passwords: Partial<Record<PasswordKey, string>>;
    /** Probe the host before changing it (refuse an unfit one). */
    preflight: boolean;
    preflightMinMemoryMb: number;
    preflightMinDiskMb: number;
    /** The cloud's objects made after the services run; absent when post-setup is off. */
    postSetup?: PostSetupPlan;
    /** The project user's password (secret) when given; generated otherwise. */
    userPassword?: string;
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
export function parseConfig(raw: RawConfig, readFile: (p: string) => string = (p) => fs.readFileSync(p, "utf8"), isSecret?: (key: string) => boolean): HotStackConfig {
    const problems: string[] = [];
    const key = (k: string) => `${PROJECT}:${k}`;
    // A key holding a secret set without --secret sits in plain text in the stack's file and state.
    if (isSecret) {
        const holdsKey = (k: string) => k === "hosts" ? /sshPrivateKey"\s*:/.test(raw.hosts ?? "") : true;
        for (const k of [...PASSWORD_KEYS, "userPassword", "sshPrivateKey", "hosts"]) {
            if (raw[k] && holdsKey(k) && !isSecret(key(k))) problems.push(`${key(k)}: holds a secret but was set in plain text; set it with \`pulumi config set --secret ${k} …\`${k === "hosts" ? " (it holds an sshPrivateKey)" : ""} (the value is not shown)`);
        }
    }
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
        // The path goes into systemd and Quadlet units, where spaces split it, % is a specifier and : separates a volume's parts.
        if (!/^\/[A-Za-z0-9._+@\/-]*$/.test(v)) bad(k, v, "must be an absolute path of letters, digits and . _ + @ - (it goes into systemd units)");
        else if (/(^|\/)\.\.?(\/|$)/.test(v) || (v !== "/" && v.endsWith("/")) || v.includes("//")) bad(k, v, "must be an absolute path without . or .. parts, // or a trailing /");
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

    const cpuModel = () => {
        const v = str("cpuModel");
        if (v && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(v)) bad("cpuModel", v, 'must be a libvirt CPU model name (e.g. Nehalem, Skylake-Client), "host-passthrough", "host-model" or "none"');
        if (v === "host-passthrough" && raw.virtType === "qemu") bad("cpuModel", v, `needs KVM: ${PROJECT}:virtType is qemu`);
        return v;
    };

    // passwords: URL-safe, because they end up in database and broker URLs
    const passwords: Partial<Record<PasswordKey, string>> = {};
    for (const k of PASSWORD_KEYS) {
        const v = raw[k];
        if (v === undefined || v === "") continue;
        if (!/^[A-Za-z0-9._~-]{8,128}$/.test(v)) problems.push(`${key(k)}: must be 8-128 characters of A-Z a-z 0-9 . _ ~ - (the value is a secret and is not shown)`);
        passwords[k] = v;
    }

    // The providers resolve host names from the same keys at run time; checking them here stops a
    // bad value before anything touches a host. Every host named in `hosts` is checked too.
    const main = connectionFromConfig(PROJECT, (k) => raw[k], MAIN_HOST, readFile, os.homedir);
    problems.push(...main.problems);
    for (const name of hostNames(raw.hosts, problems)) {
        problems.push(...connectionFromConfig(PROJECT, (k) => raw[k], name, readFile, os.homedir).problems);
    }
    const serviceSet = oneOf("serviceSet", SERVICE_SETS);
    const postSetup = parsePostSetup(raw, { serviceSet, providerNet, containerNet, hotExIp, hotEx }, bad, bool, str);
    const userPassword = raw.userPassword || undefined;
    if (userPassword !== undefined && !/^[A-Za-z0-9._~-]{8,128}$/.test(userPassword)) problems.push(`${key("userPassword")}: must be 8-128 characters of A-Z a-z 0-9 . _ ~ - (the value is a secret and is not shown)`);

    const config: HotStackConfig = {
        connection: main.connection,
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
        cpuModel: cpuModel(),
        ovsDatapathType: oneOf("ovsDatapathType", DATAPATH_TYPES),
        baseImage,
        buildParallel: int("buildParallel", 1, 16),
        debug: bool("debug"),
        serviceSet,
        tokenExpiration: int("tokenExpiration", 300, 86400),
        passwords,
        preflight: bool("preflight"),
        preflightMinMemoryMb: int("preflightMinMemoryMb", 0, 1048576),
        preflightMinDiskMb: int("preflightMinDiskMb", 0, 104857600),
        postSetup,
        userPassword,
    };
    if (problems.length) throw new ConfigError(problems);
    return config;
}

interface NetworkFacts {
    serviceSet: (typeof SERVICE_SETS)[number];
    providerNet?: Cidr;
    containerNet?: Cidr;
    hotExIp: string;
    hotEx?: number;
}

/** Keystone projects and users the services make for themselves (services.md: admin, service, each API's user, heat's domain admin). */
const RESERVED_PROJECTS = ["admin", "service"] as const;
const RESERVED_USERS = ["admin", "glance", "placement", "nova", "neutron", "cinder", "heat", "heat_domain_admin"] as const;

/** Post-setup's plan from config, or undefined when it is off (it needs the full service set). */
function parsePostSetup(
    raw: RawConfig,
    net: NetworkFacts,
    bad: (k: string, v: unknown, why: string) => void,
    bool: (k: keyof typeof DEFAULTS) => boolean,
    str: (k: keyof typeof DEFAULTS) => string,
): PostSetupPlan | undefined {
    const on = bool("postSetup");
    if (net.serviceSet !== "full") {
        if (raw.postSetup === "true") bad("postSetup", true, `needs ${PROJECT}:serviceSet full (it is ${net.serviceSet})`);
        return undefined;
    }
    if (!on) return undefined;
    const name = (k: keyof typeof DEFAULTS, what: string) => {
        const v = str(k);
        if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/.test(v)) bad(k, v, `must be ${what} (letters, digits, _ . @ -)`);
        return v;
    };
    const privateCidr = str("privateCidr");
    const priv = parseCidr(privateCidr);
    if (!priv) bad("privateCidr", privateCidr, "must be an IPv4 network in CIDR form with its network address, like 192.168.100.0/24");
    else if (priv.prefix > 29) bad("privateCidr", privateCidr, "is too small: needs at least a /29");
    else {
        for (const [k, other] of [["providerNetwork", net.providerNet], ["containerNetwork", net.containerNet]] as const) {
            if (other && overlaps(priv, other)) bad("privateCidr", privateCidr, `overlaps ${PROJECT}:${k} ${other.text}`);
        }
    }
    const dnsList = jsonValue<unknown>(raw.privateDns, "privateDns", [], bad);
    const privateDns = Array.isArray(dnsList) && dnsList.length ? (dnsList as string[]) : [net.hotExIp];
    if (!Array.isArray(dnsList)) bad("privateDns", dnsList, "must be a list of IPv4 addresses");
    else for (const ip of dnsList) if (ipToInt(String(ip)) === undefined) bad("privateDns", ip, "must be an IPv4 address");

    // The provider subnet's pool: the spec's .130-.200 on the default network, else from hot-ex + 1.
    let providerPool: [string, string] = ["", ""];
    const p = net.providerNet;
    if (p && net.hotEx !== undefined) {
        const text = str("providerAllocationPool");
        const last = p.network + p.size - 2;
        const fallback: [string, string] = [intToIp(net.hotEx + 1), intToIp(Math.min(net.hotEx + 71, last))];
        const [a, b] = text ? text.split("-") : fallback;
        const start = ipToInt(a ?? "");
        const end = ipToInt(b ?? "");
        if (start === undefined || end === undefined || start > end) bad("providerAllocationPool", text, 'must be "START-END", two IPv4 addresses in order');
        else if (!inCidr(p, start) || !inCidr(p, end) || start <= p.network || end > last) bad("providerAllocationPool", text, `must lie inside ${PROJECT}:providerNetwork ${p.text}, without its network and broadcast addresses`);
        else if (net.hotEx >= start && net.hotEx <= end) bad("providerAllocationPool", text, `must not contain ${PROJECT}:hotExIp ${net.hotExIp} (the gateway)`);
        providerPool = [a, b];
    }
    const sshPublicKey = str("sshPublicKey").trim();
    if (sshPublicKey && !SSH_PUBLIC_KEY.test(sshPublicKey)) bad("sshPublicKey", sshPublicKey.slice(0, 40) + (sshPublicKey.length > 40 ? "…" : ""), "must be one OpenSSH public key line (e.g. the content of ~/.ssh/id_ed25519.pub)");
    // The cloud's own project and users: adopting one would rewrite its password or description.
    const own = (k: keyof typeof DEFAULTS, what: string, reserved: readonly string[]) => {
        const v = name(k, what);
        if (reserved.includes(v.toLowerCase())) bad(k, v, `is the cloud's own (${reserved.join(", ")} are reserved); choose another name`);
        return v;
    };
    return {
        project: own("postSetupProject", "a project name", RESERVED_PROJECTS),
        user: own("postSetupUser", "a user name", RESERVED_USERS),
        role: "member",
        roleFallbacks: ["_member_"],
        quotas: parseQuotas(raw.quotas, "quotas", bad),
        flavors: parseFlavors(raw.flavors, "flavors", bad),
        privateCidr,
        privateDns,
        providerCidr: p?.text ?? "",
        providerGateway: net.hotExIp,
        providerPool,
        physicalNetwork: name("physicalNetwork", "a physical network name"),
        networkType: "flat",
        images: parseImages(raw.images, "images", bad),
        appCredentialName: name("appCredentialName", "an application credential name"),
        keypairName: name("keypairName", "a keypair name"),
        sshPublicKey,
    };
}

/**
 * The names in the `hosts` object (extra hosts resources may name). A name that resources could
 * not carry, or "main" (that is the top-level keys), is a problem of its own.
 */
function hostNames(hosts: string | undefined, problems: string[]): string[] {
    if (hosts === undefined || hosts.trim() === "") return [];
    let parsed: unknown;
    try {
        parsed = JSON.parse(hosts);
    } catch {
        problems.push(`${PROJECT}:hosts: must be an object of host names, got text that is not JSON`);
        return [];
    }
    // The value is not shown: it may hold private keys.
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        problems.push(`${PROJECT}:hosts: must be an object of host names, each with its connection keys (${CONNECTION_KEYS.join(", ")}), got ${Array.isArray(parsed) ? "a list" : typeof parsed}`);
        return [];
    }
    const usable: string[] = [];
    for (const [n, entry] of Object.entries(parsed)) {
        if (n === MAIN_HOST) problems.push(`${PROJECT}:hosts.${n}: "${MAIN_HOST}" is the host of the top-level keys (host, sshHostKey, …); name the others differently`);
        else if (!HOST_NAME.test(n)) problems.push(`${PROJECT}:hosts.${n}: must be a host name like "compute1" (lower case letters, digits, -)`);
        else if (!entry || typeof entry !== "object" || Array.isArray(entry)) problems.push(`${PROJECT}:hosts.${n}: must be an object of connection keys (${CONNECTION_KEYS.join(", ")})`);
        else {
            const unknown = Object.keys(entry).filter((k) => !(CONNECTION_KEYS as readonly string[]).includes(k));
            for (const k of unknown) problems.push(`${PROJECT}:hosts.${n}.${k}: is not a connection key (known: ${CONNECTION_KEYS.join(", ")})`);
            usable.push(n);
        }
    }
    return usable;
}

/** Every key the program reads, for reading raw values (and for the Pulumi.yaml check). */
export const CONFIG_KEYS = [...Object.keys(DEFAULTS), ...Object.keys(STRUCTURED_DEFAULTS), ...Object.keys(SERVICE_IPS), ...PASSWORD_KEYS, "sshPrivateKey"];

/** Reads the stack's config without the SDK's "use getSecret" warnings: secrets stay secrets in the resources. */
export function loadConfig(): HotStackConfig {
    const raw: RawConfig = {};
    for (const k of CONFIG_KEYS) raw[k] = pulumi.runtime.getConfig(`${PROJECT}:${k}`);
    // isConfigSecret reads the secret keys the CLI hands the program (PULUMI_CONFIG_SECRET_KEYS).
    return parseConfig(raw, undefined, (k) => (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(k));
}
