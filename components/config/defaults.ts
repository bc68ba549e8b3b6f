// The config's keys, their defaults and the typed config they parse into. Pulumi.yaml declares
// the same keys (a unit test keeps the two in step).
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "../../providers/host/connection";
import { addressDefaults } from "../services/catalogue";
import { FLAVOR_DEFAULTS, IMAGE_DEFAULTS, PostSetupPlan } from "../post-setup-plan";
import type { ComputeHost } from "./hosts";

export const PROJECT = "hotstack-os";

/**
 * Addresses on the container network, by config key, from the service descriptors (each
 * container on that network has one). cinderVolumeIp is read and checked as before but used by
 * nothing: cinder-volume runs on the host network (Pulumi.yaml still declares the key).
 */
export const SERVICE_IPS: Record<string, string> = { ...addressDefaults(), cinderVolumeIp: "172.31.0.43" };
export type ServiceIpKey = string;

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
    // Horizon in the full service set (components/services/dashboard.ts)
    dashboard: true,
    // hosts: main runs guests too (the compute hosts of `hosts` besides it)
    mainCompute: true,
    // preflight: refuse an unfit host before touching it (0 = the minimum of the service set)
    preflight: true,
    preflightMinMemoryMb: 0,
    preflightMinDiskMb: 0,
    // post-setup: the cloud's objects for work (components/post-setup-plan.ts)
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
    /** Horizon runs (full service set only). */
    dashboard: boolean;
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
    /** main runs guests too (nova-compute, ovn-controller, the metadata agent), besides the control plane. */
    mainCompute: boolean;
    /** Hosts of `hosts` with role compute. */
    computeHosts: ComputeHost[];
}

/** Raw config values as Pulumi hands them to the program: strings, or undefined when unset. */
export type RawConfig = Record<string, string | undefined>;

export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`invalid ${PROJECT} configuration (nothing was changed on the host):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
}

/** Every key the program reads, for reading raw values (and for the Pulumi.yaml check). */
export const CONFIG_KEYS = [...Object.keys(DEFAULTS), ...Object.keys(STRUCTURED_DEFAULTS), ...Object.keys(SERVICE_IPS), ...PASSWORD_KEYS, "sshPrivateKey"];
