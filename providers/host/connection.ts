// How a provider reaches the host. This is plain data and an input of every dynamic
// resource, because `pulumi destroy` and `pulumi refresh` only have the serialized
// provider and the state: they never run the program.

export interface LocalConnection {
    kind: "local";
    /** Run commands through `sudo -n` (when the program does not run as root). */
    sudo?: boolean;
}

export interface SshConnection {
    kind: "ssh";
    address: string;
    port?: number;
    user: string;
    /** OpenSSH private key text (a secret). Either this or `agent`. */
    privateKey?: string;
    /** Use the ssh-agent at $SSH_AUTH_SOCK instead of a key. */
    agent?: boolean;
    /** Pinned host key fingerprint as printed by `ssh-keygen -lf` ("SHA256:…"). */
    hostKeySha256?: string;
    /** Accept and remember an unknown host key on first contact. Off unless asked for. */
    trustOnFirstUse?: boolean;
    /** Run commands through `sudo -n` (required when `user` is not root). */
    sudo?: boolean;
}

export type Connection = LocalConnection | SshConnection;

const HOST_KEY = /^(SHA256:)?[A-Za-z0-9+/]{43}=?$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;

/** Problems with a connection spec, each naming the field; empty when it is usable. */
export function connectionProblems(c: unknown, field = "connection"): { property: string; reason: string }[] {
    const bad = (property: string, reason: string) => [{ property: `${field}.${property}`, reason }];
    if (!c || typeof c !== "object") return [{ property: field, reason: "must be an object {kind: \"local\"} or {kind: \"ssh\", …}" }];
    const conn = c as Record<string, unknown>;
    if (conn.kind === "local") return [];
    if (conn.kind !== "ssh") return bad("kind", `must be "local" or "ssh", got ${JSON.stringify(conn.kind)}`);
    if (typeof conn.address !== "string" || !(HOSTNAME.test(conn.address) || IPV6.test(conn.address)))
        return bad("address", `must be a host name or IP address, got ${JSON.stringify(conn.address)}`);
    if (conn.port !== undefined && !(Number.isInteger(conn.port) && (conn.port as number) > 0 && (conn.port as number) < 65536))
        return bad("port", `must be an integer 1-65535, got ${JSON.stringify(conn.port)}`);
    if (typeof conn.user !== "string" || !USER.test(conn.user))
        return bad("user", `must be a user name, got ${JSON.stringify(conn.user)}`);
    if (!conn.privateKey && !conn.agent) return bad("privateKey", "set a private key or agent: true");
    if (conn.privateKey !== undefined && (typeof conn.privateKey !== "string" || !conn.privateKey.includes("PRIVATE KEY")))
        return bad("privateKey", "must be the text of an OpenSSH/PEM private key");
    if (conn.hostKeySha256 !== undefined && (typeof conn.hostKeySha256 !== "string" || !HOST_KEY.test(conn.hostKeySha256)))
        return bad("hostKeySha256", `must look like "SHA256:<43 base64 chars>" (ssh-keygen -lf), got ${JSON.stringify(conn.hostKeySha256)}`);
    if (!conn.hostKeySha256 && conn.trustOnFirstUse !== true)
        return bad("hostKeySha256", "pin the host key (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host) or opt into trustOnFirstUse");
    if (conn.user !== "root" && conn.sudo !== true)
        return bad("sudo", `user ${conn.user} is not root: set sudo: true (passwordless sudo is required)`);
    return [];
}

/** A short human label for messages: "local" or "user@address:port". */
export function hostLabel(c: Connection): string {
    return c.kind === "local" ? "local host" : `${c.user}@${c.address}:${c.port ?? 22}`;
}

/** Normalises a fingerprint to the bare base64 form, without "SHA256:" or padding. */
export function normaliseFingerprint(fp: string): string {
    return fp.replace(/^SHA256:/, "").replace(/=+$/, "");
}
