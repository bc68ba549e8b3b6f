// The `hosts` key: extra hosts by name, each with its connection keys and, for a host that joins
// the cloud, its role and where its peers reach it.
import { isIpv4 } from "../../providers/addresses";
import { CONNECTION_KEYS, HOST_NAME, MAIN_HOST } from "../../providers/host/connection";
import { PROJECT } from "./defaults";

/** Keys of a `hosts` entry besides the connection: what the host is in the cloud. */
export const ROLE_KEYS = ["role", "tunnelIp", "mtu"] as const;
export const HOST_ROLES = ["compute"] as const;

/** A host that runs guests besides main: its name, and (unset: read from the host) its tunnel address and that network's MTU. */
export interface ComputeHost {
    name: string;
    tunnelIp?: string;
    mtu?: number;
}

export interface HostEntries {
    /** Every usable name in `hosts` (resources may name them). */
    names: string[];
    /** Those with role compute. */
    compute: ComputeHost[];
}

/**
 * The entries of the `hosts` object. A name that resources could not carry, "main" (that is the
 * top-level keys), an unknown key or a bad role value is a problem of its own, naming key and value.
 */
export function hostEntries(hosts: string | undefined, problems: string[]): HostEntries {
    const out: HostEntries = { names: [], compute: [] };
    if (hosts === undefined || hosts.trim() === "") return out;
    let parsed: unknown;
    try {
        parsed = JSON.parse(hosts);
    } catch {
        problems.push(`${PROJECT}:hosts: must be an object of host names, got text that is not JSON`);
        return out;
    }
    const known = [...CONNECTION_KEYS, ...ROLE_KEYS];
    // The value is not shown: it may hold private keys.
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        problems.push(`${PROJECT}:hosts: must be an object of host names, each with its connection keys (${CONNECTION_KEYS.join(", ")}), got ${Array.isArray(parsed) ? "a list" : typeof parsed}`);
        return out;
    }
    for (const [n, entry] of Object.entries(parsed)) {
        const key = (k: string) => `${PROJECT}:hosts.${n}.${k}`;
        if (n === MAIN_HOST) problems.push(`${PROJECT}:hosts.${n}: "${MAIN_HOST}" is the host of the top-level keys (host, sshHostKey, …); name the others differently`);
        else if (!HOST_NAME.test(n)) problems.push(`${PROJECT}:hosts.${n}: must be a host name like "compute1" (lower case letters, digits, -)`);
        else if (!entry || typeof entry !== "object" || Array.isArray(entry)) problems.push(`${PROJECT}:hosts.${n}: must be an object of connection keys (${CONNECTION_KEYS.join(", ")})`);
        else {
            const e = entry as Record<string, unknown>;
            for (const k of Object.keys(e).filter((k) => !(known as readonly string[]).includes(k))) problems.push(`${key(k)}: is not a key of a host (known: ${known.join(", ")})`);
            out.names.push(n);
            const role = e.role;
            if (role !== undefined && !(HOST_ROLES as readonly unknown[]).includes(role)) problems.push(`${key("role")} = ${JSON.stringify(role)}: must be one of ${HOST_ROLES.join(", ")} (unset: a host resources may name, not part of the cloud)`);
            if (e.tunnelIp !== undefined && !isIpv4(e.tunnelIp)) problems.push(`${key("tunnelIp")} = ${JSON.stringify(e.tunnelIp)}: must be an IPv4 address (unset: the address of the host's default-route interface)`);
            const mtu = e.mtu === undefined ? undefined : Number(e.mtu);
            if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < 1280 || mtu > 9216)) problems.push(`${key("mtu")} = ${JSON.stringify(e.mtu)}: must be an integer from 1280 to 9216 (unset: the MTU of the tunnel interface)`);
            for (const k of ["tunnelIp", "mtu"]) if (role === undefined && e[k] !== undefined) problems.push(`${key(k)} = ${JSON.stringify(e[k])}: means something only with ${key("role")} = "compute"`);
            if (role === "compute") out.compute.push({ name: n, ...(e.tunnelIp !== undefined ? { tunnelIp: String(e.tunnelIp) } : {}), ...(mtu !== undefined ? { mtu } : {}) });
        }
    }
    return out;
}
