// The `hosts` key: extra hosts by name, each with its connection keys.
import { CONNECTION_KEYS, HOST_NAME, MAIN_HOST } from "../../providers/host/connection";
import { PROJECT } from "./defaults";

/**
 * The names in the `hosts` object (extra hosts resources may name). A name that resources could
 * not carry, or "main" (that is the top-level keys), is a problem of its own.
 */
export function hostNames(hosts: string | undefined, problems: string[]): string[] {
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
