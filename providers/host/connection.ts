// How a provider reaches a host. Resources carry only a host *name* ("main"); the connection
// for a name comes from the stack config, which the engine hands every dynamic provider in
// configure(). So the private key lives once, encrypted, in the stack config, and never in a
// resource's inputs or outputs. The same parser serves the program (validation before anything
// touches the host) and the providers (at run time).

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

/** The host every resource lives on unless it names another one. */
export const MAIN_HOST = "main";

/** Host names resources may carry: "main", or a key of the `hosts` config object. */
export const HOST_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The connection keys of a host, as config keys (top level for "main", inside `hosts.<name>` otherwise). */
export const CONNECTION_KEYS = ["host", "sshPrivateKey", "sshPrivateKeyPath", "sshAgent", "sshHostKey", "sshTrustOnFirstUse", "sudo"] as const;

/** Reads a bare config key of the project ("host", "sshHostKey", …); undefined when unset. */
export type ConfigGetter = (key: string) => unknown;

const HOST_KEY = /^(SHA256:)?[A-Za-z0-9+/]{43}=?$/;

export interface ParsedConnection {
    connection: Connection;
    /** Each problem names the config key and the value (secrets are never shown). */
    problems: string[];
}

/**
 * The connection of a named host from the stack config. "main" reads the top-level keys
 * (`host`, `sshHostKey`, …); any other name reads the same keys from the `hosts` object
 * (`hosts: {compute1: {host: "ssh://…", sshHostKey: "…"}}`).
 */
export function connectionFromConfig(project: string, get: ConfigGetter, name: string, readFile: (p: string) => string, homedir: () => string): ParsedConnection {
    const problems: string[] = [];
    let value: (k: string) => unknown = get;
    let prefix = `${project}:`;
    if (name !== MAIN_HOST) {
        prefix = `${project}:hosts.${name}.`;
        let hosts: unknown = get("hosts");
        if (typeof hosts === "string" && hosts.trim()) {
            try {
                hosts = JSON.parse(hosts);
            } catch {
                problems.push(`${project}:hosts: must be an object of host names, got text that is not JSON`);
                hosts = undefined;
            }
        }
        const entry = hosts && typeof hosts === "object" ? (hosts as Record<string, unknown>)[name] : undefined;
        if (!entry || typeof entry !== "object") {
            problems.push(`${project}:hosts.${name}: no such host in the stack config (resources name host "${name}")`);
            return { connection: { kind: "local" }, problems };
        }
        value = (k) => (entry as Record<string, unknown>)[k];
    }
    const key = (k: string) => `${prefix}${k}`;
    const bad = (k: string, v: unknown, why: string) => problems.push(`${key(k)} = ${JSON.stringify(v)}: ${why}`);
    const text = (k: string): string => {
        const v = value(k);
        return v === undefined || v === null ? "" : String(v);
    };
    const flag = (k: string): boolean => {
        const v = value(k);
        if (v === undefined || v === null || v === "") return false;
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        bad(k, v, "must be true or false");
        return false;
    };

    const host = text("host") || "local";
    const sudo = flag("sudo");
    if (host === "local") return { connection: sudo ? { kind: "local", sudo } : { kind: "local" }, problems };
    const m = /^ssh:\/\/(?:([a-z_][a-z0-9_.-]*)@)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d+))?\/?$/.exec(host);
    if (!m) {
        bad("host", host, 'must be "local" or "ssh://user@address[:port]"');
        return { connection: { kind: "local" }, problems };
    }
    const user = m[1] ?? "root";
    const port = m[3] ? Number(m[3]) : 22;
    if (port < 1 || port > 65535) bad("host", host, "has a port outside 1-65535");
    const agent = flag("sshAgent");
    let privateKey = text("sshPrivateKey") || undefined;
    const keyPath = text("sshPrivateKeyPath");
    if (!privateKey && keyPath) {
        const expanded = keyPath.startsWith("~/") ? `${homedir()}/${keyPath.slice(2)}` : keyPath;
        try {
            privateKey = readFile(expanded);
        } catch (e) {
            bad("sshPrivateKeyPath", keyPath, `cannot be read: ${(e as Error).message}`);
        }
    }
    if (privateKey !== undefined && !privateKey.includes("PRIVATE KEY")) problems.push(`${key("sshPrivateKey")}: must be the text of an OpenSSH/PEM private key (the value is a secret and is not shown)`);
    if (!privateKey && !agent && !keyPath) problems.push(`${key("host")} is ssh: set ${key("sshPrivateKey")} (secret), ${key("sshPrivateKeyPath")} or ${key("sshAgent")}`);
    const hostKeySha256 = text("sshHostKey") || undefined;
    if (hostKeySha256 && !HOST_KEY.test(hostKeySha256)) bad("sshHostKey", hostKeySha256, 'must be a fingerprint like "SHA256:…" (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)');
    const trustOnFirstUse = flag("sshTrustOnFirstUse");
    if (!hostKeySha256 && !trustOnFirstUse) {
        problems.push(`${key("sshHostKey")} is required for ${host}: pin the host key (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host) or set ${key("sshTrustOnFirstUse")} true`);
    }
    return {
        connection: {
            kind: "ssh",
            address: m[2].replace(/^\[|\]$/g, ""),
            port,
            user,
            ...(privateKey ? { privateKey } : {}),
            ...(agent ? { agent } : {}),
            ...(hostKeySha256 ? { hostKeySha256 } : {}),
            ...(trustOnFirstUse ? { trustOnFirstUse } : {}),
            ...(user !== "root" || sudo ? { sudo: true } : {}),
        },
        problems,
    };
}

/** A short human label for messages: "local host" or "user@address:port". */
export function hostLabel(c: Connection): string {
    return c.kind === "local" ? "local host" : `${c.user}@${c.address}:${c.port ?? 22}`;
}

/** Normalises a fingerprint to the bare base64 form, without "SHA256:" or padding. */
export function normaliseFingerprint(fp: string): string {
    return fp.replace(/^SHA256:/, "").replace(/=+$/, "");
}
