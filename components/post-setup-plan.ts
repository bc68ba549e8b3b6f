// Post-setup as plain data (as HotStack-OS makes it, https://github.com/openstack-k8s-operators/hotstack): its defaults, and the config
// that overrides them, validated before anything touches the host or the cloud. Every error
// names the config key and the value.

export const QUOTA_DEFAULTS = {
    compute: { cores: 96, ram: 307200, instances: 50, key_pairs: 10, server_groups: 10, server_group_members: 10 },
    network: { network: 20, subnet: 20, port: 100, router: 20, floatingip: 20, security_group: 20, security_group_rule: 100 },
    volume: { volumes: 50, snapshots: 20, gigabytes: 1000, per_volume_gigabytes: 500 },
};
export type QuotaService = keyof typeof QUOTA_DEFAULTS;
export type Quotas = { [S in QuotaService]: Record<string, number> };

export interface FlavorPlan {
    name: string;
    vcpus: number;
    ram: number;
    disk: number;
}

export const FLAVOR_DEFAULTS: FlavorPlan[] = [
    { name: "hotstack.small", vcpus: 1, ram: 2048, disk: 20 },
    { name: "hotstack.medium", vcpus: 2, ram: 4096, disk: 40 },
    { name: "hotstack.mlarge", vcpus: 2, ram: 6144, disk: 60 },
    { name: "hotstack.large", vcpus: 4, ram: 8192, disk: 80 },
    { name: "hotstack.xlarge", vcpus: 8, ram: 16384, disk: 160 },
    { name: "hotstack.xxlarge", vcpus: 12, ram: 32768, disk: 160 },
    { name: "hotstack.xxxlarge", vcpus: 12, ram: 49152, disk: 160 },
];

export const DISK_FORMATS = ["qcow2", "raw", "vmdk", "vdi", "iso", "vhd", "vhdx", "ami", "ari", "aki", "ploop"] as const;

export interface ImagePlan {
    name: string;
    /** Downloaded on the host (into the cache under the data dir). */
    url?: string;
    /** A file on the host. */
    file?: string;
    diskFormat: (typeof DISK_FORMATS)[number];
    properties: Record<string, string>;
}

const RELEASES = "https://github.com/openstack-k8s-operators/hotstack/releases/download";
const UEFI = { hw_firmware_type: "uefi", hw_machine_type: "q35" };
const QUICK_SHUTDOWN = { os_shutdown_timeout: "5" };
const RESCUE = { hw_rescue_device: "cdrom", hw_rescue_bus: "usb" };

/**
 * The spec's ten images. Where the spec names a source without an exact URL (CentOS Stream 9
 * "GenericCloud latest", Ubuntu noble "current"), the distribution's documented stable
 * "latest" URL is used.
 */
export const IMAGE_DEFAULTS: ImagePlan[] = [
    { name: "cirros", url: "http://download.cirros-cloud.net/0.6.2/cirros-0.6.2-x86_64-disk.img", diskFormat: "qcow2", properties: {} },
    { name: "CentOS-Stream-GenericCloud-9", url: "https://cloud.centos.org/centos/9-stream/x86_64/images/CentOS-Stream-GenericCloud-x86_64-9-latest.x86_64.qcow2", diskFormat: "qcow2", properties: { ...UEFI } },
    { name: "hotstack-controller", url: `${RELEASES}/latest-controller/controller-latest.qcow2`, diskFormat: "qcow2", properties: {} },
    { name: "sushy-tools-blank-image", url: `${RELEASES}/latest-blank/blank-image-latest.qcow2`, diskFormat: "qcow2", properties: { ...UEFI, ...QUICK_SHUTDOWN } },
    { name: "uefi-netboot", url: `${RELEASES}/latest-uefi-netboot/uefi-netboot-latest.img`, diskFormat: "raw", properties: { ...UEFI, ...QUICK_SHUTDOWN } },
    { name: "ipxe-boot-usb", url: `${RELEASES}/latest-ipxe/ipxe-bios-latest.img`, diskFormat: "raw", properties: { ...QUICK_SHUTDOWN } },
    { name: "ipxe-rescue-uefi", url: `${RELEASES}/latest-ipxe/ipxe-efi-latest.img`, diskFormat: "raw", properties: { ...QUICK_SHUTDOWN, ...UEFI, ...RESCUE } },
    { name: "ipxe-rescue-bios", url: `${RELEASES}/latest-ipxe/ipxe-bios-latest.img`, diskFormat: "raw", properties: { ...QUICK_SHUTDOWN, ...RESCUE } },
    { name: "nat64-appliance", url: "https://github.com/openstack-k8s-operators/openstack-k8s-operators-ci/releases/download/latest/nat64-appliance-latest.qcow2", diskFormat: "qcow2", properties: { ...UEFI } },
    { name: "ubuntu-noble-server", url: "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img", diskFormat: "qcow2", properties: { ...UEFI } },
];

export interface PostSetupPlan {
    project: string;
    user: string;
    role: string;
    roleFallbacks: string[];
    quotas: Quotas;
    flavors: FlavorPlan[];
    privateCidr: string;
    privateDns: string[];
    /** Provider network subnet: the whole network, gateway = hot-ex, this pool. */
    providerCidr: string;
    providerGateway: string;
    providerPool: [string, string];
    physicalNetwork: string;
    networkType: string;
    images: ImagePlan[];
    appCredentialName: string;
    keypairName: string;
    /** Empty: no keypair. */
    sshPublicKey: string;
}

// ---- parsing ---------------------------------------------------------------------------------

type Bad = (key: string, value: unknown, why: string) => void;

/** A JSON config value (object or array), or the default when unset. */
export function jsonValue<T>(raw: string | undefined, key: string, fallback: T, bad: Bad): T {
    if (raw === undefined || raw.trim() === "") return fallback;
    try {
        return JSON.parse(raw) as T;
    } catch {
        bad(key, raw, "must be JSON (set it with pulumi config set --path, or in Pulumi.<stack>.yaml as a YAML object/list)");
        return fallback;
    }
}

/** Quota overrides: {cores: 40, volumes: 10, …} over the spec's defaults; each a non-negative integer. */
export function parseQuotas(raw: string | undefined, key: string, bad: Bad): Quotas {
    const quotas: Quotas = { compute: { ...QUOTA_DEFAULTS.compute }, network: { ...QUOTA_DEFAULTS.network }, volume: { ...QUOTA_DEFAULTS.volume } };
    const given = jsonValue<Record<string, unknown>>(raw, key, {}, bad);
    if (!given || typeof given !== "object" || Array.isArray(given)) {
        bad(key, given, "must be an object of quota names and limits");
        return quotas;
    }
    const known = Object.values(QUOTA_DEFAULTS).flatMap((q) => Object.keys(q));
    for (const [name, value] of Object.entries(given)) {
        const service = (Object.keys(QUOTA_DEFAULTS) as QuotaService[]).find((s) => name in QUOTA_DEFAULTS[s]);
        if (!service) {
            bad(`${key}.${name}`, value, `is not a quota this program sets (known: ${known.join(", ")})`);
            continue;
        }
        if (!Number.isInteger(value) || (value as number) < 0) {
            bad(`${key}.${name}`, value, "must be a non-negative integer");
            continue;
        }
        quotas[service][name] = value as number;
    }
    return quotas;
}

export function parseFlavors(raw: string | undefined, key: string, bad: Bad): FlavorPlan[] {
    const list = jsonValue<unknown>(raw, key, FLAVOR_DEFAULTS, bad);
    if (!Array.isArray(list)) {
        bad(key, list, "must be a list of {name, vcpus, ram, disk}");
        return FLAVOR_DEFAULTS;
    }
    const seen = new Set<string>();
    list.forEach((f: any, i) => {
        const at = `${key}[${i}]`;
        if (!f || typeof f !== "object") return bad(at, f, "must be {name, vcpus, ram, disk}");
        if (typeof f.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(f.name)) bad(`${at}.name`, f.name, "must be a flavor name");
        else if (seen.has(f.name)) bad(`${at}.name`, f.name, "is a duplicate: flavor names must be unique");
        seen.add(f.name);
        if (!Number.isInteger(f.vcpus) || f.vcpus < 1) bad(`${at}.vcpus`, f.vcpus, "must be an integer of at least 1");
        if (!Number.isInteger(f.ram) || f.ram < 1) bad(`${at}.ram`, f.ram, "must be the RAM in MB, an integer of at least 1");
        if (!Number.isInteger(f.disk) || f.disk < 0) bad(`${at}.disk`, f.disk, "must be the disk in GB, a non-negative integer");
    });
    return list as FlavorPlan[];
}

export function parseImages(raw: string | undefined, key: string, bad: Bad): ImagePlan[] {
    const list = jsonValue<unknown>(raw, key, IMAGE_DEFAULTS, bad);
    if (!Array.isArray(list)) {
        bad(key, list, "must be a list of {name, url | file, diskFormat, properties}");
        return IMAGE_DEFAULTS;
    }
    const seen = new Set<string>();
    return list.map((img: any, i) => {
        const at = `${key}[${i}]`;
        if (!img || typeof img !== "object") {
            bad(at, img, "must be {name, url | file, diskFormat, properties}");
            return img;
        }
        if (typeof img.name !== "string" || !img.name.trim() || img.name.length > 255) bad(`${at}.name`, img.name, "must be an image name");
        else if (seen.has(img.name)) bad(`${at}.name`, img.name, "is a duplicate: image names must be unique");
        seen.add(img.name);
        const hasUrl = typeof img.url === "string" && img.url !== "";
        const hasFile = typeof img.file === "string" && img.file !== "";
        if (hasUrl === hasFile) bad(at, { url: img.url, file: img.file }, "must have exactly one of url (downloaded on the host) or file (a path on the host)");
        if (hasUrl && !/^(https?|ftp):\/\/\S+$/.test(img.url)) bad(`${at}.url`, img.url, "must be an http(s) or ftp URL");
        if (hasFile && !/^\/[^\0]*$/.test(img.file)) bad(`${at}.file`, img.file, "must be an absolute path on the host");
        if (!(DISK_FORMATS as readonly string[]).includes(img.diskFormat)) bad(`${at}.diskFormat`, img.diskFormat, `must be one of ${DISK_FORMATS.join(", ")}`);
        const props = img.properties ?? {};
        if (typeof props !== "object" || Array.isArray(props) || !Object.entries(props).every(([k, v]) => /^[a-z0-9_:.-]+$/i.test(k) && typeof v === "string")) {
            bad(`${at}.properties`, props, "must be an object of property names and string values");
        }
        return { name: img.name, ...(hasUrl ? { url: img.url } : {}), ...(hasFile ? { file: img.file } : {}), diskFormat: img.diskFormat, properties: props };
    });
}

/** An SSH public key line as ssh-keygen writes it. */
export const SSH_PUBLIC_KEY = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+=*( [^\n]*)?$/;
