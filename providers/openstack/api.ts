// The cloud's APIs, reached through the host connection: the APIs listen only on the host's
// hot-ex address (HAProxy), which a remote Pulumi machine cannot reach, so every request is a
// `curl` run on the host. Secrets (password, token, request bodies) go on curl's stdin as its
// config (`-K -`), never in argv. Credentials are what the host holds now — the root-only
// /etc/openstack/clouds.yaml the program manages — so a rotated password needs no other step.
// One token per provider process and cloud, renewed on 401.
import { containerByCatalogType } from "../../components/services/catalogue";
import { sh } from "../host/shell";
import { Host } from "../host/transport";

export const CLOUDS_YAML = "/etc/openstack/clouds.yaml";
export const ADMIN_CLOUD = "hotstack-os-admin";
export const USER_CLOUD = "hotstack-os";

/** Catalog service types this program talks to. */
const TYPES = ["identity", "compute", "network", "image", "volumev3"] as const;
export type ServiceType = (typeof TYPES)[number];
/** Each type's container (from the service descriptors): its unit's absence means "no cloud". */
export const SERVICES: Record<ServiceType, string> = Object.fromEntries(TYPES.map((t) => [t, containerByCatalogType()[t]])) as Record<ServiceType, string>;

export interface CloudEntry {
    authUrl: string;
    username: string;
    password: string;
    projectName: string;
    userDomain: string;
    projectDomain: string;
    region: string;
}

/**
 * The entries of our clouds.yaml block. It is rendered by this program (renderCloudsYaml), so a
 * small indentation parser suffices: `clouds:` → `  <name>:` → `    auth:` → `      key: value`.
 */
export function parseClouds(text: string): Record<string, CloudEntry> {
    const out: Record<string, Record<string, string>> = {};
    let cloud: string | undefined;
    for (const line of text.split("\n")) {
        const m = /^( {2}| {4}| {6})([A-Za-z0-9_.-]+):\s*(.*)$/.exec(line);
        if (!m) continue;
        const [, indent, key, raw] = m;
        const value = raw.replace(/^"(.*)"$/, "$1");
        if (indent.length === 2) {
            cloud = key;
            out[cloud] = {};
        } else if (cloud && value) {
            out[cloud][key] = value;
        }
    }
    const entries: Record<string, CloudEntry> = {};
    for (const [name, e] of Object.entries(out)) {
        if (!e.auth_url || !e.username || !e.password || !e.project_name) continue;
        entries[name] = {
            authUrl: e.auth_url,
            username: e.username,
            password: e.password,
            projectName: e.project_name,
            userDomain: e.user_domain_name ?? "Default",
            projectDomain: e.project_domain_name ?? "Default",
            region: e.region_name ?? "RegionOne",
        };
    }
    return entries;
}

/** A clouds.yaml `clouds:` entry (password auth), as the openstack client and parseClouds read it. */
export function renderCloudEntry(name: string, e: CloudEntry): string {
    return [
        `  ${name}:`,
        "    auth:",
        `      auth_url: ${e.authUrl}`,
        `      username: ${e.username}`,
        `      password: "${e.password}"`,
        `      project_name: ${e.projectName}`,
        `      user_domain_name: ${e.userDomain}`,
        `      project_domain_name: ${e.projectDomain}`,
        `    region_name: ${e.region}`,
        "    interface: public",
        '    identity_api_version: "3"',
    ].join("\n");
}

export interface Response {
    status: number;
    headers: Record<string, string>;
    body: any;
}

export interface RequestOptions {
    body?: unknown;
    /** Statuses that are not errors (default: 2xx). */
    ok?: number[];
    /** e.g. "compute 2.10" */
    microversion?: string;
    /** A file on the host to send as the body (image upload). */
    uploadFile?: string;
    contentType?: string;
    timeoutSeconds?: number;
}

/** An API error: names the service, the request and the answer. */
export function apiError(service: string, method: string, url: string, status: number, body: unknown): Error {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return Object.assign(new Error(`${service} API: ${method} ${url} answered ${status}: ${text.slice(0, 400)}`), { status });
}

/**
 * An error that says nothing about the object asked for: no token could be had (keystone, or
 * the database behind it, is down: it answers 5xx), the API refused the connection or did not
 * answer in time, or its front door answered 502/503/504 (HAProxy with no healthy backend: the
 * unit is stopped or restarting). A 404 or any other answer is the API's word.
 */
export function unreachable(e: unknown): boolean {
    const x = e as { noAnswer?: boolean; noToken?: boolean; status?: number } | undefined;
    return x?.noAnswer === true || x?.noToken === true || [502, 503, 504].includes(x?.status ?? 0);
}

/** One curl config value, quoted for curl's config syntax. */
function q(v: string): string {
    return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}"`;
}

/** Splits `curl -i` output into the final response's status, headers and body. */
function parseResponse(out: string): { status: number; headers: Record<string, string>; body: string } {
    let rest = out;
    for (;;) {
        const end = rest.indexOf("\r\n\r\n");
        const head = end >= 0 ? rest.slice(0, end) : rest;
        const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1] ?? 0);
        rest = end >= 0 ? rest.slice(end + 4) : "";
        if (status >= 100 && status < 200 && rest.startsWith("HTTP/")) continue;
        const headers: Record<string, string> = {};
        for (const line of head.split("\r\n").slice(1)) {
            const at = line.indexOf(":");
            if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
        }
        return { status, headers, body: rest };
    }
}

/** Runs one HTTP request with curl on the host; the config (and all secrets) on stdin. */
export async function http(host: Host, method: string, url: string, headers: Record<string, string>, opts: RequestOptions = {}): Promise<Response> {
    const lines = [`url = ${q(url)}`, `request = ${q(method)}`, 'header = "Expect:"', 'header = "Accept: application/json"'];
    for (const [k, v] of Object.entries(headers)) lines.push(`header = ${q(`${k}: ${v}`)}`);
    if (opts.microversion) lines.push(`header = ${q(`OpenStack-API-Version: ${opts.microversion}`)}`, `header = ${q(`X-OpenStack-Nova-API-Version: ${opts.microversion.split(" ")[1]}`)}`);
    if (opts.body !== undefined) lines.push(`header = ${q(`Content-Type: ${opts.contentType ?? "application/json"}`)}`, `data-binary = ${q(JSON.stringify(opts.body))}`);
    if (opts.uploadFile) lines.push(`header = ${q(`Content-Type: ${opts.contentType ?? "application/octet-stream"}`)}`, `upload-file = ${q(opts.uploadFile)}`);
    const r = await host.run(`curl -sS -i --max-time ${opts.timeoutSeconds ?? 120} -K -`, { stdin: lines.join("\n") + "\n", check: false, what: `${method} ${url}` });
    if (r.code !== 0) {
        throw Object.assign(new Error(`${method} ${url}: no answer (curl exit ${r.code}: ${r.stderr.trim().split("\n").pop()})`), { noAnswer: true });
    }
    const res = parseResponse(r.stdout);
    let body: any = res.body;
    if (/json/.test(res.headers["content-type"] ?? "") && body.trim()) {
        try {
            body = JSON.parse(body);
        } catch {
            // keep the text: the error message shows it
        }
    }
    return { status: res.status, headers: res.headers, body };
}

/** Statuses a repeatable request is tried again on: after a MariaDB restart the APIs' pooled database
 *  connections are dead, and the first request on each answers 500 (DBConnectionError). */
const TRANSIENT = [500, 502, 503, 504];

/** Runs `send` until it answers something other than a transient error, when the request is
 *  `repeatable` (sending it twice changes nothing: GET, HEAD, asking for a token); at most `tries`
 *  times, waiting `waitMs` times the attempt between. Anything else is sent once. */
export async function retryTransient(repeatable: boolean, send: () => Promise<Response>, tries = 4, waitMs = 2000): Promise<Response> {
    for (let n = 1; ; n++) {
        const r = await send();
        if (!repeatable || !TRANSIENT.includes(r.status) || n >= tries) return r;
        await new Promise((done) => setTimeout(done, waitMs * n));
    }
}

interface Session {
    token: string;
    userId: string;
    projectId: string;
    catalog: { type: string; endpoints: { interface: string; region: string; url: string }[] }[];
    entry: CloudEntry;
}

function sessions(): Map<string, Promise<Session>> {
    const g = globalThis as any;
    return (g[Symbol.for("hotstack-os.openstack.sessions")] ??= new Map<string, Promise<Session>>());
}

/** What the cloud's state on the host says: gone (its units were removed), or there. */
async function serviceInstalled(host: Host, service: ServiceType): Promise<boolean> {
    const unit = `/etc/containers/systemd/hotstack-os-${SERVICES[service]}.container`;
    return (await host.run(`[ -e ${sh(unit)} ] && echo yes || true`)).stdout.trim() === "yes";
}

async function readEntry(host: Host, cloud: string): Promise<CloudEntry> {
    const r = await host.run(`cat ${sh(CLOUDS_YAML)}`, { what: `read ${CLOUDS_YAML}`, secretOutput: true });
    const entry = parseClouds(r.stdout)[cloud];
    if (!entry) throw new Error(`${CLOUDS_YAML} on ${host.label} has no cloud "${cloud}" (the program writes it before any cloud object)`);
    return entry;
}

async function login(host: Host, cloud: string): Promise<Session> {
    const entry = await readEntry(host, cloud);
    const body = {
        auth: {
            identity: { methods: ["password"], password: { user: { name: entry.username, domain: { name: entry.userDomain }, password: entry.password } } },
            scope: { project: { name: entry.projectName, domain: { name: entry.projectDomain } } },
        },
    };
    const url = `${entry.authUrl.replace(/\/$/, "")}/auth/tokens`;
    // keystone's pooled DB connections die with a MariaDB restart too; a token request is repeatable
    const r = await retryTransient(true, () => http(host, "POST", url, {}, { body }));
    // A 5xx says keystone cannot answer now (a refused password, 401, is an answer).
    if (r.status !== 201) throw Object.assign(apiError("identity", "POST", url, r.status, r.body), r.status >= 500 ? { noToken: true } : {});
    return { token: r.headers["x-subject-token"], userId: r.body.token.user.id, projectId: r.body.token.project.id, catalog: r.body.token.catalog ?? [], entry };
}

/** A cloud as one of its users (admin or hotstack), through the host. */
export class Cloud {
    constructor(readonly host: Host, readonly hostName: string, readonly cloud: string) {}

    private key(): string {
        return `${this.hostName}\0${this.cloud}`;
    }

    session(fresh = false): Promise<Session> {
        let s = sessions().get(this.key());
        if (!s || fresh) {
            s = login(this.host, this.cloud);
            s.catch(() => sessions().delete(this.key()));
            sessions().set(this.key(), s);
        }
        return s;
    }

    async endpoint(service: ServiceType): Promise<string> {
        const s = await this.session();
        const svc = s.catalog.find((c) => c.type === service);
        const ep = svc?.endpoints.find((e) => e.interface === "public" && e.region === s.entry.region) ?? svc?.endpoints.find((e) => e.interface === "public");
        if (!ep) throw new Error(`the cloud's catalog has no public ${service} endpoint (is its service deployed?)`);
        return ep.url.replace(/\/$/, "");
    }

    async userId(): Promise<string> {
        return (await this.session()).userId;
    }

    async projectId(): Promise<string> {
        return (await this.session()).projectId;
    }

    /** True when the service's units are gone from the host: its objects are gone with it. */
    gone(service: ServiceType): Promise<boolean> {
        return serviceInstalled(this.host, service).then((installed) => !installed);
    }

    /**
     * One request to a service. `path` is appended to the service's public endpoint. Errors
     * name the service; a service that does not answer is a real error (its unit exists).
     */
    async request(service: ServiceType, method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
        const ok = opts.ok ?? [];
        for (let attempt = 0; ; attempt++) {
            const s = await this.session(attempt > 0);
            const url = `${await this.endpoint(service)}${path}`;
            let r: Response;
            try {
                r = await retryTransient(["GET", "HEAD"].includes(method), () => http(this.host, method, url, { "X-Auth-Token": s.token }, opts));
            } catch (e) {
                if ((e as { noAnswer?: boolean }).noAnswer) {
                    throw Object.assign(new Error(`the ${service} API (${SERVICES[service]}) does not answer on ${this.host.label}: ${(e as Error).message}; check \`systemctl status hotstack-os-${SERVICES[service]}\``), { noAnswer: true });
                }
                throw e;
            }
            if (r.status === 401 && attempt === 0) continue; // token revoked (e.g. a new password): log in again
            if ((r.status >= 200 && r.status < 300) || ok.includes(r.status)) return r;
            throw apiError(service, method, url, r.status, r.body);
        }
    }
}
