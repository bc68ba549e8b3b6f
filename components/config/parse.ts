// Raw config values in, the typed config out, or ConfigError listing every problem (each naming
// the key and the bad value) before any resource exists.
import * as fs from "node:fs";
import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { HOSTNAME, inCidr, ipToInt, overlaps, parseCidr } from "../../providers/addresses";
import { MAIN_HOST, connectionFromConfig } from "../../providers/host/connection";
import { CONFIG_KEYS, ConfigError, DATAPATH_TYPES, DEFAULTS, HotStackConfig, PASSWORD_KEYS, PROJECT, PasswordKey, RawConfig, SERVICE_IPS, SERVICE_SETS, ServiceIpKey, VIRT_TYPES } from "./defaults";
import { hostEntries } from "./hosts";
import { parsePostSetup } from "./post-setup";

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
    if (chassisHostname && !HOSTNAME.test(chassisHostname)) {
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
    const hosts = hostEntries(raw.hosts, problems);
    for (const name of hosts.names) {
        problems.push(...connectionFromConfig(PROJECT, (k) => raw[k], name, readFile, os.homedir).problems);
    }
    const serviceSet = oneOf("serviceSet", SERVICE_SETS);
    // A compute host gets its host layer (components/deployment-plan.ts); its containers
    // (ovn-controller, nova-compute) are not built yet, so a cloud with compute hosts is refused
    // before any host is touched instead of leaving them without guests.
    if (serviceSet !== "host") {
        for (const h of hosts.compute) problems.push(`${key(`hosts.${h.name}.role`)} = "compute": this version builds a compute host's host layer only (${key("serviceSet")} = "host"), not its nova-compute and ovn-controller yet; leave role unset with ${key("serviceSet")} = "${serviceSet}"`);
    }
    const mainCompute = bool("mainCompute");
    if (!mainCompute) bad("mainCompute", false, "main must run guests while no other host runs nova-compute");
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
        dashboard: bool("dashboard"),
        passwords,
        preflight: bool("preflight"),
        preflightMinMemoryMb: int("preflightMinMemoryMb", 0, 1048576),
        preflightMinDiskMb: int("preflightMinDiskMb", 0, 104857600),
        postSetup,
        userPassword,
        mainCompute,
        computeHosts: hosts.compute,
    };
    if (problems.length) throw new ConfigError(problems);
    return config;
}

/** Reads the stack's config without the SDK's "use getSecret" warnings: secrets stay secrets in the resources. */
export function loadConfig(): HotStackConfig {
    const raw: RawConfig = {};
    for (const k of CONFIG_KEYS) raw[k] = pulumi.runtime.getConfig(`${PROJECT}:${k}`);
    // isConfigSecret reads the secret keys the CLI hands the program (PULUMI_CONFIG_SECRET_KEYS).
    return parseConfig(raw, undefined, (k) => (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(k));
}
