// IPv4 addresses, networks and host names: the checks the config parser and the providers share.
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
export const overlaps = (a: Cidr, b: Cidr) => a.network < b.network + b.size && b.network < a.network + a.size;

/** Dotted-quad IPv4 address. */
export function isIpv4(v: unknown): boolean {
    return typeof v === "string" && ipToInt(v) !== undefined;
}

/** IPv4 CIDR "a.b.c.d/n" (any address in the network; parseCidr wants the network address). */
export function isCidr(v: unknown): boolean {
    if (typeof v !== "string") return false;
    const [ip, bits, ...rest] = v.split("/");
    return rest.length === 0 && isIpv4(ip) && /^\d{1,2}$/.test(bits ?? "") && Number(bits) <= 32;
}

/** Host names and FQDNs (RFC 1123 labels). */
export const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
