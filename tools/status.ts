// npm run status — is the deployed stack up? (the seeds' `make status`) Everything is read on the
// host, over the stack's own connection: every hotstack-os unit and its container's health, the
// hotstack user's libvirt session, HAProxy's backends, each catalog endpoint answering, the OVN
// chassis, nova's and cinder's services. One table (component, state, detail); exit 1 when
// anything is not up, with the command to run next for each row that is not.
//
//   npm run status -- [--hot-ex-ip 172.31.0.129] [--cloud hotstack-os-admin]
//   The host comes from the Pulumi stack's config (`pulumi config --json --show-secrets`, the
//   current stack or --stack NAME), or from --host local|ssh://user@address[:port] with
//   --ssh-key-file FILE and --ssh-host-key SHA256:… (or HOTSTACK_HOST / HOTSTACK_SSH_KEY_FILE /
//   HOTSTACK_SSH_HOST_KEY). The hot-ex address (HAProxy's stats page) is the stack's hotExIp.
//
// Collection (statusChecks → collectStatus) and judgement/rendering (evaluateStatus,
// renderStatus) are apart: the second half is pure, unit-tested with captured command output.
import { DEFAULTS, RawConfig, parseConfig } from "../components/config";
import { HOTSTACK_USER } from "../components/host-plan";
import { STATS_PORT } from "../components/services/haproxy";
import { allContainers, containerByCatalogType, versionPackagesByImage, versionSources } from "../components/services/catalogue";
import { dashboardUrl } from "../components/services/dashboard";
import { SERVICE_NAMES } from "../components/services/index";
import { ADMIN_CLOUD } from "../providers/openstack/api";
import { sh } from "../providers/host/shell";
import { installedVersionsScript } from "../providers/image-versions";
import { userSystemctl, userSystemctlHint } from "../providers/host/units";
import { hostKeyName } from "../providers/host/hosts";
import { ExecResult, Host } from "../providers/host/transport";
import { CONNECTION_OPTIONS, ToolSpec, argsOrExit, configFromCli, hostFromCli, runMain } from "./stack";

export const QUADLET_DIR = "/etc/containers/systemd";
export const LIBVIRT_SESSION_UNIT = "hotstack-os-libvirtd-session.service";

/** One line of the table. `next`: what to run (on the host) when the row is not up. */
export interface StatusRow {
    component: string;
    state: "up" | "down" | "starting";
    detail: string;
    next?: string;
}

export interface StatusReport {
    rows: StatusRow[];
    ok: boolean;
}

/** What the host answered, command by command (absent: not asked, e.g. no keystone in this service set). */
export interface StatusInputs {
    /** Service names of the Quadlet files (`hotstack-os-<name>.container`): what the stack deployed. */
    quadlets: ExecResult;
    /** `systemctl list-units --all --plain --no-legend 'hotstack-os-*.service' hotstack-os.target` */
    units: ExecResult;
    /** `podman ps -a --format '{{.Names}}\t{{.State}}\t{{.Status}}'` */
    containers: ExecResult;
    /** `systemctl --user is-active hotstack-os-libvirtd-session.service` of user hotstack */
    libvirt: ExecResult;
    /** The stats page, `curl http://<hot-ex>:8404/stats;csv` */
    haproxy?: ExecResult;
    haproxyUrl?: string;
    /** `openstack catalog list -f json` */
    catalog?: ExecResult;
    /** One line per public URL: `<url>\t<HTTP status, 000 = no answer>` */
    endpoints?: ExecResult;
    /** `podman exec hotstack-os-ovn-northd ovn-sbctl show` */
    chassis?: ExecResult;
    /** `openstack compute service list -f json` */
    computeServices?: ExecResult;
    /** `openstack volume service list -f json` */
    volumeServices?: ExecResult;
    /** The dashboard's login page through the front door: `<url>\t<HTTP status, 000 = no answer>` */
    dashboard?: ExecResult;
}

/** The dashboard's login page: what status asks when a dashboard is deployed. */
export const DASHBOARD_LOGIN = `${dashboardUrl()}auth/login/`;

// ---- parsing (pure) -------------------------------------------------------------------------

export interface UnitState {
    unit: string;
    load: string;
    active: string;
    sub: string;
    description: string;
}

/** `systemctl list-units --plain --no-legend` lines: UNIT LOAD ACTIVE SUB DESCRIPTION (a failed unit may carry a ●). */
export function parseUnits(text: string): UnitState[] {
    const out: UnitState[] = [];
    for (const raw of text.split("\n")) {
        const m = /^[\s●○×*]*(\S+\.(?:service|target))\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(raw);
        if (m) out.push({ unit: m[1], load: m[2], active: m[3], sub: m[4], description: m[5].trim() });
    }
    return out;
}

export interface ContainerState {
    name: string;
    state: string;
    status: string;
    /** From the status text: healthy, unhealthy, starting, or none (no health check). */
    health: "healthy" | "unhealthy" | "starting" | "none";
}

/** `podman ps -a --format '{{.Names}}\t{{.State}}\t{{.Status}}'` lines. */
export function parseContainers(text: string): ContainerState[] {
    return text.split("\n").filter((l) => l.trim()).map((l) => {
        const [name, state = "", status = ""] = l.split("\t").map((s) => s.trim());
        const h = /\((healthy|unhealthy|starting)\)/.exec(status);
        return { name, state, status, health: (h ? h[1] : "none") as ContainerState["health"] };
    });
}

export interface HaproxyRow {
    proxy: string;
    server: string;
    status: string;
    checkStatus: string;
    checkCode: string;
    lastCheck: string;
}

/** HAProxy's stats CSV (`# pxname,svname,…` header, one line per frontend, server and backend). */
export function parseHaproxyCsv(text: string): HaproxyRow[] {
    const lines = text.split("\n").filter((l) => l.trim());
    const header = lines.find((l) => l.startsWith("# "));
    if (!header) throw new Error("no CSV header (# pxname,svname,…) in the stats page");
    const names = header.slice(2).split(",");
    const col = (n: string) => names.indexOf(n);
    for (const n of ["pxname", "svname", "status"]) if (col(n) < 0) throw new Error(`the stats CSV has no ${n} column`);
    return lines.filter((l) => !l.startsWith("#")).map((l) => {
        const f = l.split(",");
        const get = (n: string) => (col(n) >= 0 ? (f[col(n)] ?? "") : "");
        return { proxy: get("pxname"), server: get("svname"), status: get("status"), checkStatus: get("check_status").replace(/^\* /, ""), checkCode: get("check_code"), lastCheck: get("last_chk") };
    });
}

export interface CatalogEndpoint {
    name: string;
    type: string;
    url: string;
}

/**
 * Public endpoints of `openstack catalog list -f json`: [{Name, Type, Endpoints}], Endpoints being
 * the catalog's list ({interface, url, region_id, …}) or, from an older client, its text form
 * ("RegionOne\n  public: http://…").
 */
export function parseCatalog(json: string): CatalogEndpoint[] {
    const list = JSON.parse(json) as { Name?: string; Type?: string; Endpoints?: unknown }[];
    if (!Array.isArray(list)) throw new Error("the catalog is not a list");
    const out: CatalogEndpoint[] = [];
    for (const s of list) {
        const name = String(s.Name ?? "");
        const type = String(s.Type ?? "");
        const eps = s.Endpoints;
        if (Array.isArray(eps)) {
            for (const e of eps as { interface?: string; url?: string }[]) if (e.interface === "public" && e.url) out.push({ name, type, url: e.url });
        } else if (typeof eps === "string") {
            for (const m of eps.matchAll(/^\s*public(?:URL)?: (\S+)/gm)) out.push({ name, type, url: m[1] });
        }
    }
    return out;
}

/** A catalog URL a client can ask: the part before an unsubstituted template ("…/v3/%(project_id)s"). */
export function probeUrl(url: string): string {
    const i = url.search(/[$%]\(/);
    return i < 0 ? url : url.slice(0, i);
}

/** `<url>\t<code>` lines: the HTTP status by URL (0 = no answer). */
export function parseProbes(text: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const l of text.split("\n")) {
        const [url, code] = l.split("\t");
        if (url && code !== undefined) out.set(url.trim(), Number(code.trim()) || 0);
    }
    return out;
}

export interface Chassis {
    name: string;
    hostname: string;
    encaps: string[];
}

/** `ovn-sbctl show`: `Chassis "<name>"` blocks with `hostname:` and `Encap <type>` / `ip:` lines. */
export function parseChassis(text: string): Chassis[] {
    const out: Chassis[] = [];
    let cur: Chassis | undefined;
    let encap = "";
    for (const line of text.split("\n")) {
        const c = /^Chassis\s+"?([^"\s]+)"?/.exec(line);
        if (c) {
            cur = { name: c[1], hostname: "", encaps: [] };
            out.push(cur);
            continue;
        }
        if (!cur) continue;
        const h = /^\s+hostname:\s+"?([^"\s]*)"?/.exec(line);
        if (h) cur.hostname = h[1];
        const e = /^\s+Encap\s+(\S+)/.exec(line);
        if (e) encap = e[1];
        const ip = /^\s+ip:\s+"?([^"\s]+)"?/.exec(line);
        if (ip && encap) cur.encaps.push(`${encap} ${ip[1]}`);
    }
    return out;
}

export interface ServiceEntry {
    binary: string;
    host: string;
    status: string;
    state: string;
    updated: string;
}

/** `openstack compute|volume service list -f json`: [{Binary, Host, Status, State, "Updated At"}]. */
export function parseServiceList(json: string): ServiceEntry[] {
    const list = JSON.parse(json) as Record<string, unknown>[];
    if (!Array.isArray(list)) throw new Error("the service list is not a list");
    return list.map((s) => ({
        binary: String(s.Binary ?? ""),
        host: String(s.Host ?? ""),
        status: String(s.Status ?? ""),
        state: String(s.State ?? ""),
        updated: String(s["Updated At"] ?? ""),
    }));
}

// ---- judgement (pure) -----------------------------------------------------------------------

/** HAProxy frontend → the service behind it (keystone → keystone, nova → nova-api, …), from the service descriptors. */
export function backendServices(): Record<string, string> {
    return Object.fromEntries(allContainers().filter((c) => c.frontend).map((c) => [c.frontend!.name, c.name]));
}

/** The API service behind a catalog type, from the service descriptors. */
const BY_CATALOG_TYPE: Record<string, string> = containerByCatalogType();

/** What to run on the host for the log of a service (one of SERVICE_NAMES) or another hotstack-os unit. */
export function journalCommand(serviceOrUnit: string): string {
    const unit = serviceOrUnit.endsWith(".service") || serviceOrUnit.endsWith(".target") ? serviceOrUnit.replace(/\.service$/, "") : `hotstack-os-${serviceOrUnit}`;
    const known = (SERVICE_NAMES as readonly string[]).includes(serviceOrUnit);
    return `journalctl -u ${unit} -n 50 --no-pager${known ? `   (or here: npm run logs -- ${serviceOrUnit})` : ""}`;
}

const firstLine = (r: ExecResult) => ((r.stderr.trim() || r.stdout.trim()).split("\n").filter((l) => l.trim()).slice(-1)[0] ?? "").trim() || `exit ${r.code}`;

/** The table's rows from what the host answered. */
export function evaluateStatus(i: StatusInputs): StatusRow[] {
    const rows: StatusRow[] = [];
    const up = (component: string, detail: string) => rows.push({ component, state: "up", detail });
    const down = (component: string, detail: string, next: string, state: StatusRow["state"] = "down") => rows.push({ component, state, detail, next });

    // units and containers
    // in start order (SERVICE_NAMES), anything else after
    const order = (n: string) => ((SERVICE_NAMES as readonly string[]).indexOf(n) + SERVICE_NAMES.length + 1) % (SERVICE_NAMES.length + 1);
    const deployed = i.quadlets.code === 0 ? i.quadlets.stdout.split("\n").map((l) => l.trim()).filter(Boolean).sort((a, b) => order(a) - order(b)) : [];
    if (i.quadlets.code !== 0) down("quadlet files", `cannot list ${QUADLET_DIR}: ${firstLine(i.quadlets)}`, `ls -l ${QUADLET_DIR}`);
    const units = i.units.code === 0 ? parseUnits(i.units.stdout) : [];
    if (i.units.code !== 0) down("systemd", `systemctl list-units failed: ${firstLine(i.units)}`, "systemctl status");
    const containers = i.containers.code === 0 ? parseContainers(i.containers.stdout) : [];
    if (i.containers.code !== 0) down("podman", `podman ps failed: ${firstLine(i.containers)}`, "podman ps -a");
    const unitOf = new Map(units.map((u) => [u.unit, u]));
    const containerOf = new Map(containers.map((c) => [c.name, c]));
    for (const svc of deployed) {
        const unit = unitOf.get(`hotstack-os-${svc}.service`);
        const c = containerOf.get(`hotstack-os-${svc}`);
        const component = `service ${svc}`;
        const next = journalCommand(svc);
        const container = c ? `container ${c.status || c.state}` : "no container";
        if (!unit || unit.load === "not-found") {
            down(component, `no unit hotstack-os-${svc}.service loaded (its Quadlet file is there: systemctl daemon-reload?)`, next);
        } else if (unit.active === "active" && unit.sub === "running") {
            const detail = `${unit.active} (${unit.sub}); ${container}`;
            if (!c || c.state !== "running") down(component, detail, next);
            else if (c.health === "unhealthy") down(component, detail, next);
            else if (c.health === "starting") down(component, detail, next, "starting");
            else up(component, detail);
        } else if (unit.active === "activating" || unit.active === "reloading") {
            down(component, `${unit.active} (${unit.sub}); ${container}`, next, "starting");
        } else {
            down(component, `${unit.active} (${unit.sub}); ${container}`, next);
        }
    }
    // the other units (the fabric's, NAT, shared mounts, the target); units the host no longer has are skipped
    for (const u of units) {
        if (deployed.some((svc) => u.unit === `hotstack-os-${svc}.service`) || u.load === "not-found") continue;
        const component = `unit ${u.unit}`;
        const detail = `${u.active} (${u.sub})`;
        const next = u.unit.endsWith(".target") ? `systemctl list-dependencies ${u.unit}` : journalCommand(u.unit);
        if (u.active === "active") up(component, detail);
        else down(component, detail, next, u.active === "activating" ? "starting" : "down");
    }
    if (i.quadlets.code === 0 && i.units.code === 0 && deployed.length === 0 && units.length === 0) {
        down("hotstack-os", "no hotstack-os unit on this host: is this the stack's host, and has pulumi up run?", "pulumi up   (where you run Pulumi)");
    }

    // the hotstack user's libvirt session
    const libvirtState = i.libvirt.stdout.trim().split("\n").pop() ?? "";
    const libvirtComponent = `libvirt session (user ${HOTSTACK_USER})`;
    if (i.libvirt.code === 0 && libvirtState === "active") up(libvirtComponent, `${LIBVIRT_SESSION_UNIT} active`);
    else down(libvirtComponent, `${LIBVIRT_SESSION_UNIT} ${libvirtState || firstLine(i.libvirt)}`, `${userSystemctlHint(HOTSTACK_USER)} status ${LIBVIRT_SESSION_UNIT}; journalctl _SYSTEMD_USER_UNIT=${LIBVIRT_SESSION_UNIT} -n 50 --no-pager`);

    // HAProxy's backends
    if (i.haproxy) {
        const services = backendServices();
        if (i.haproxy.code !== 0) {
            down("haproxy stats", `no answer from ${i.haproxyUrl ?? "the stats page"}: ${firstLine(i.haproxy)}`, journalCommand("haproxy"));
        } else {
            let servers: HaproxyRow[] = [];
            try {
                servers = parseHaproxyCsv(i.haproxy.stdout).filter((r) => r.proxy !== "stats" && r.server !== "FRONTEND" && r.server !== "BACKEND");
                if (!servers.length) down("haproxy stats", `no backend server on ${i.haproxyUrl ?? "the stats page"}`, journalCommand("haproxy"));
            } catch (e) {
                down("haproxy stats", `${i.haproxyUrl ?? "the stats page"}: ${(e as Error).message}`, journalCommand("haproxy"));
            }
            for (const s of servers) {
                const check = [s.checkStatus, s.checkCode].filter(Boolean).join(" ");
                const detail = [s.status, check && `check ${check}`, s.lastCheck].filter(Boolean).join(", ");
                if (/^UP\b/.test(s.status)) up(`haproxy ${s.proxy}`, detail);
                else down(`haproxy ${s.proxy}`, detail, journalCommand(services[s.proxy] ?? "haproxy"));
            }
        }
    }

    // the catalog's endpoints
    if (i.catalog) {
        let eps: CatalogEndpoint[] | undefined;
        if (i.catalog.code !== 0) down("keystone catalog", `openstack catalog list failed: ${firstLine(i.catalog)}`, journalCommand("keystone"));
        else {
            try {
                eps = parseCatalog(i.catalog.stdout);
                if (!eps.length) down("keystone catalog", "no public endpoint in the catalog", journalCommand("keystone"));
            } catch (e) {
                down("keystone catalog", `unexpected answer from openstack catalog list: ${(e as Error).message}`, journalCommand("keystone"));
            }
        }
        const codes = i.endpoints && i.endpoints.code === 0 ? parseProbes(i.endpoints.stdout) : new Map<string, number>();
        for (const ep of eps ?? []) {
            const url = probeUrl(ep.url);
            const code = codes.get(url) ?? 0;
            const component = `endpoint ${ep.type} (${ep.name})`;
            const next = journalCommand(BY_CATALOG_TYPE[ep.type] ?? "haproxy");
            if (code > 0 && code < 500) up(component, `HTTP ${code} ${url}`);
            else down(component, `${code ? `HTTP ${code}` : "no answer"} ${url}`, next);
        }
    }

    // the dashboard: its login page as a browser gets it, through the front door
    if (i.dashboard) {
        const [url = DASHBOARD_LOGIN, code = "000"] = i.dashboard.stdout.trim().split("\t");
        if (i.dashboard.code === 0 && code === "200") up("dashboard", `HTTP 200 ${url}`);
        else down("dashboard", `${code !== "000" ? `HTTP ${code}` : "no answer"} ${url}`, journalCommand("dashboard"));
    }

    // OVN: the chassis in the southbound database
    if (i.chassis) {
        if (i.chassis.code !== 0) down("ovn chassis", `ovn-sbctl show failed: ${firstLine(i.chassis)}`, journalCommand("ovn-northd"));
        else {
            const all = parseChassis(i.chassis.stdout);
            if (!all.length) down("ovn chassis", "no chassis in the southbound database (ovn-controller has not registered)", journalCommand("ovn-controller"));
            for (const c of all) up(`ovn chassis ${c.hostname || c.name}`, [`chassis ${c.name}`, ...c.encaps.map((e) => `encap ${e}`)].join(", "));
        }
    }

    // nova's and cinder's services
    const services = (what: "compute" | "volume", r: ExecResult | undefined, required: string) => {
        if (!r) return;
        const listing = `openstack ${what} service list`;
        if (r.code !== 0) return down(`${what} services`, `${listing} failed: ${firstLine(r)}`, journalCommand(what === "compute" ? "nova-api" : "cinder-api"));
        let list: ServiceEntry[];
        try {
            list = parseServiceList(r.stdout);
        } catch (e) {
            return down(`${what} services`, `unexpected answer from ${listing}: ${(e as Error).message}`, journalCommand(what === "compute" ? "nova-api" : "cinder-api"));
        }
        for (const s of list) {
            const component = `${what} service ${s.binary} (${s.host})`;
            const detail = `${s.status}, ${s.state}${s.updated ? `, updated ${s.updated}` : ""}`;
            const svc = (SERVICE_NAMES as readonly string[]).includes(s.binary) ? s.binary : what === "compute" ? "nova-api" : "cinder-api";
            if (s.state === "up" && s.status === "enabled") up(component, detail);
            else down(component, detail, journalCommand(svc));
        }
        if (!list.some((s) => s.binary === required)) down(`${what} service ${required}`, `not registered in ${listing}`, journalCommand(required));
    };
    services("compute", i.computeServices, "nova-compute");
    services("volume", i.volumeServices, "cinder-volume");
    return rows;
}

// ---- rendering (pure) -----------------------------------------------------------------------

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The table, a summary line, and for each row that is not up the command to run next. */
export function renderStatus(rows: StatusRow[]): string {
    const table = rows.map((r) => [r.component, r.state, clip(r.detail.replace(/\s+/g, " "), 160)]);
    const head = ["COMPONENT", "STATE", "DETAIL"];
    const w = [0, 1].map((c) => Math.max(head[c].length, ...table.map((t) => t[c].length)));
    const line = (t: string[]) => `${t[0].padEnd(w[0])}  ${t[1].padEnd(w[1])}  ${t[2]}`.trimEnd();
    const out = [line(head), ...table.map(line), ""];
    const bad = rows.filter((r) => r.state !== "up");
    if (!bad.length) out.push(`all ${rows.length} checks up`);
    else {
        out.push(`${bad.length} of ${rows.length} checks not up: ${bad.map((r) => r.component).join(", ")}`, "", "what to run next (on the stack's host):");
        for (const r of bad) out.push(`  ${r.component}: ${r.next ?? journalCommand("haproxy")}`);
    }
    return out.join("\n") + "\n";
}

// ---- collection -----------------------------------------------------------------------------

export interface StatusOptions {
    /** The hot-ex address (HAProxy's stats page); default: the stack's default 172.31.0.129. */
    hotExIp?: string;
    /** The clouds.yaml entry the openstack client uses on the host. */
    cloud?: string;
    /** Per command. */
    timeoutMs?: number;
}

/** Runs one command on the host; a failure to run it at all is an answer too (exit -1). */
async function ask(host: Host, script: string, timeoutMs: number): Promise<ExecResult> {
    try {
        return await host.run(script, { check: false, timeoutMs });
    } catch (e) {
        return { code: -1, stdout: "", stderr: (e as Error).message };
    }
}

/** The services whose Quadlet files (`hotstack-os-<name>.container`) are on the host: what the stack deployed. */
async function deployedServices(host: Host, timeoutMs: number): Promise<{ quadlets: ExecResult; deployed: Set<string> }> {
    const quadlets = await ask(host, `ls -1 ${QUADLET_DIR} 2>/dev/null | sed -n 's/^hotstack-os-\\(.*\\)\\.container$/\\1/p'`, timeoutMs);
    return { quadlets, deployed: new Set(quadlets.code === 0 ? quadlets.stdout.split("\n").map((l) => l.trim()).filter(Boolean) : []) };
}

/** Everything the table needs, read on the host (commands in parallel, endpoint probes after the catalog). */
export async function collectStatus(host: Host, o: StatusOptions = {}): Promise<StatusInputs> {
    const t = o.timeoutMs ?? 90_000;
    const hotExIp = o.hotExIp ?? DEFAULTS.hotExIp;
    const cloud = o.cloud ?? ADMIN_CLOUD;
    const os = (args: string) => `cd / && openstack --os-cloud ${sh(cloud)} ${args}`;
    const { quadlets, deployed } = await deployedServices(host, t);
    const haproxyUrl = `http://${hotExIp}:${STATS_PORT}/stats;csv`;
    const [units, containers, libvirt, haproxy, catalog, chassis, computeServices, volumeServices, dashboard] = await Promise.all([
        ask(host, "systemctl list-units --all --plain --no-legend --no-pager 'hotstack-os-*.service' hotstack-os.target", t),
        ask(host, "podman ps -a --filter name=hotstack-os- --format '{{.Names}}\\t{{.State}}\\t{{.Status}}'", t),
        ask(host, `${userSystemctl(sh(HOTSTACK_USER), `$(id -u ${sh(HOTSTACK_USER)})`)} is-active ${LIBVIRT_SESSION_UNIT}`, t),
        deployed.has("haproxy") ? ask(host, `curl -sS --fail --max-time 10 ${sh(haproxyUrl)}`, t) : undefined,
        deployed.has("keystone") ? ask(host, os("catalog list -f json"), t) : undefined,
        deployed.has("ovn-northd") ? ask(host, "podman exec hotstack-os-ovn-northd ovn-sbctl --timeout=20 show", t) : undefined,
        deployed.has("nova-compute") ? ask(host, os("compute service list -f json"), t) : undefined,
        deployed.has("cinder-volume") ? ask(host, os("volume service list -f json"), t) : undefined,
        deployed.has("dashboard") ? ask(host, `printf '%s\\t%s\\n' ${sh(DASHBOARD_LOGIN)} "$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 ${sh(DASHBOARD_LOGIN)} || true)"`, t) : undefined,
    ]);
    let endpoints: ExecResult | undefined;
    if (catalog && catalog.code === 0) {
        let urls: string[] = [];
        try {
            urls = [...new Set(parseCatalog(catalog.stdout).map((e) => probeUrl(e.url)))];
        } catch {
            // evaluateStatus reports the unreadable catalog
        }
        // Every URL at once; curl prints 000 when nothing answers.
        const probe = (u: string) => `( printf '%s\\t%s\\n' ${sh(u)} "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 ${sh(u)} || true)" ) &`;
        if (urls.length) endpoints = await ask(host, [...urls.map(probe), "wait"].join("\n"), t);
    }
    return { quadlets, units, containers, libvirt, haproxy, haproxyUrl, catalog, endpoints, chassis, computeServices, volumeServices, dashboard };
}

/** The status of the stack on one host: what `npm run status` prints, for tools and e2e tests. */
export async function statusChecks(host: Host, o: StatusOptions = {}): Promise<StatusReport> {
    const rows = evaluateStatus(await collectStatus(host, o));
    return { rows, ok: rows.length > 0 && rows.every((r) => r.state === "up") };
}

// ---- versions (--versions) -------------------------------------------------------------------

export interface VersionRow {
    service: string;
    package: string;
    /** The installed version, or why there is none ("no image …"). */
    version: string;
}

/**
 * The script that reads each deployed service's package version in the image its container runs
 * (the tag's image when the container is gone), from the image's dpkg database (no container
 * runs). Lines `<image>\t<package>\t<version>`, or `<image>\tnone` when there is no image.
 */
export function versionsScript(deployed: string[]): string {
    return Object.entries(versionPackagesByImage(deployed)).map(([image, pkgs]) => {
        const container = allContainers().find((c) => c.image === image && deployed.includes(c.name))!.name;
        return [
            `img=$(podman container inspect --format '{{.Image}}' ${sh(`hotstack-os-${container}`)} 2>/dev/null || podman image inspect --format '{{.Id}}' ${sh(`localhost/hotstack-os-${image}:latest`)} 2>/dev/null)`,
            `if [ -n "$img" ]; then ( ${installedVersionsScript('"$img"', pkgs).split("\n").join("; ")} ) | sed 's/^/${image}\\t/'; else printf '%s\\tnone\\n' ${sh(image)}; fi`,
        ].join("\n");
    }).join("\n");
}

/** One row per deployed service, from the script's answer. */
export function versionRows(deployed: string[], answer: string): VersionRow[] {
    const seen = new Map<string, string>();
    const noImage = new Set<string>();
    for (const l of answer.split("\n")) {
        const [image, pkg, version] = l.split("\t");
        if (pkg === "none" && version === undefined) noImage.add(image);
        else if (version) seen.set(`${image}\t${pkg}`, version);
    }
    return Object.entries(versionSources(deployed)).map(([service, src]) => ({
        service,
        package: src.package,
        version: seen.get(`${src.image}\t${src.package}`) ?? (noImage.has(src.image) ? `no image localhost/hotstack-os-${src.image}:latest` : "not installed"),
    }));
}

export function renderVersions(rows: VersionRow[]): string {
    const w = (k: keyof VersionRow, title: string) => Math.max(title.length, ...rows.map((r) => r[k].length));
    const [ws, wp] = [w("service", "SERVICE"), w("package", "PACKAGE")];
    return [`${"SERVICE".padEnd(ws)}  ${"PACKAGE".padEnd(wp)}  VERSION`, ...rows.map((r) => `${r.service.padEnd(ws)}  ${r.package.padEnd(wp)}  ${r.version}`)].join("\n") + "\n";
}

/** The versions of what is deployed on the host (its Quadlet files say which services). */
export async function collectVersions(host: Host, timeoutMs = 120_000): Promise<VersionRow[]> {
    const deployed = [...(await deployedServices(host, timeoutMs)).deployed];
    if (!deployed.length) return [];
    const answer = await ask(host, versionsScript(deployed), timeoutMs);
    return versionRows(deployed, answer.stdout);
}

export const STATUS_SPEC: ToolSpec = {
    usage: "npm run status -- [options]",
    about: "Everything of the stack on its host in one table: units and container health, the libvirt session, HAProxy's backends, the catalog's endpoints, OVN chassis, nova-compute, cinder-volume, the dashboard's login page; then each compute host of the stack's config in a table of its own (its units, its libvirt session). Exit 1 when anything is not up, with the command to run next. With --versions: each deployed service's package version instead.",
    options: [
        { name: "hot-ex-ip", value: "ADDRESS", help: "HAProxy's address (default: the stack's hotExIp)" },
        { name: "cloud", value: "NAME", help: "clouds.yaml entry on the host (default hotstack-os-admin)" },
        { name: "versions", help: "instead: each deployed service's package and the version installed in its image" },
        ...CONNECTION_OPTIONS,
    ],
};

/** The stack config as the CLI shows it (objects for object keys) in parseConfig's form (strings, JSON for objects). */
export function rawConfig(config: Record<string, unknown>): RawConfig {
    const raw: RawConfig = {};
    for (const [k, v] of Object.entries(config)) if (v !== undefined && v !== null) raw[k] = typeof v === "string" ? v : JSON.stringify(v);
    return raw;
}

async function main(): Promise<void> {
    const args = argsOrExit(process.argv.slice(2), STATUS_SPEC);
    const config = configFromCli(args);
    const host = await hostFromCli(args, config);
    // The deployed stack's config: its front door (with --host, the defaults).
    const parsed = parseConfig(rawConfig(config));
    if (args.flag("versions")) {
        const rows = await collectVersions(host);
        process.stdout.write(`hotstack-os on ${host.label}\n\n${rows.length ? renderVersions(rows) : "nothing of hotstack-os is deployed here\n"}`);
        process.exitCode = rows.length && rows.every((r) => /^\d/.test(r.version)) ? 0 : 1;
        return;
    }
    const hotExIp = args.get("hot-ex-ip") ?? process.env.HOTSTACK_HOT_EX_IP ?? parsed.hotExIp;
    const report = await statusChecks(host, { hotExIp, cloud: args.get("cloud") });
    process.stdout.write(`hotstack-os on ${host.label}\n\n${renderStatus(report.rows)}`);
    // Then every compute host of the stack config, each with its own table.
    const others = await computeHostsStatus(parsed.computeHosts.map((h) => h.name), (name) => hostFromCli(args, config, name));
    process.stdout.write(others.text);
    process.exitCode = report.ok && others.ok ? 0 : 1;
}

/**
 * The status of each compute host (its units, its libvirt session; containers once it runs
 * them), one table per host; a host that cannot be reached is a row of its own.
 */
export async function computeHostsStatus(names: string[], connectTo: (name: string) => Promise<Host>): Promise<{ text: string; ok: boolean }> {
    let text = "";
    let ok = true;
    for (const name of names) {
        let rows: StatusRow[];
        let label = name;
        try {
            const host = await connectTo(name);
            label = `${name} (${host.label})`;
            rows = (await statusChecks(host)).rows;
        } catch (e) {
            rows = [{ component: "connection", state: "down", detail: (e as Error).message.split("\n")[0], next: `check that ${name} runs and answers SSH (its keys: ${hostKeyName(name)})` }];
        }
        ok = ok && rows.length > 0 && rows.every((r) => r.state === "up");
        text += `\nhotstack-os on compute host ${label}\n\n${renderStatus(rows)}`;
    }
    return { text, ok };
}

if (require.main === module) runMain(main);
