// HostPackages: what the host must have, by its distribution (/etc/os-release): repositories to
// enable (EPEL and the NFV SIG on CentOS; RHEL's Fast Datapath only the user can enable), the
// packages (apt on Debian/Ubuntu, dnf on Fedora/CentOS/RHEL; SELinux tooling where SELinux is
// on), and the services they ship, enabled and running. Missing ones are installed; nothing is
// ever uninstalled or disabled, because other software on the host may need it too.
import * as pulumi from "@pulumi/pulumi";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { checker, defined, diffFields, hostProvider, isUnknown } from "./kit";
import { HostArgs, HostResource } from "./resource";

export const DISTROS = ["debian", "ubuntu", "fedora", "centos", "rhel"] as const;
export type Distro = (typeof DISTROS)[number];

/** A package repository a distribution's plan needs. */
export interface Repository {
    /** What it is, for messages. */
    name: string;
    /** Shell whose success means the repository is enabled. */
    enabled: string;
    /** Shell that enables it; absent when only the user can (a subscription). */
    enable?: string;
    /** What to do when it cannot be enabled here. */
    advice: string;
}

/** What one distribution needs (components/distro-plan.ts has the data). */
export interface DistroPlan {
    family: "debian" | "fedora";
    repositories: Repository[];
    packages: string[];
    /** Only where SELinux is enforcing or permissive: its file-context tooling (semanage). */
    selinuxPackages: string[];
    /** Units the packages ship that must be enabled and running. */
    services: string[];
    /** Where the guests' UEFI firmware is (nova-compute mounts it). */
    ovmfDir: string;
}

export interface HostPackagesArgs extends HostArgs {
    /** A plan per distribution; the host's /etc/os-release picks one. */
    plans: pulumi.Input<Partial<Record<Distro, DistroPlan>>>;
}

interface Detected {
    distro: Distro;
    version: string;
    family: DistroPlan["family"];
    /** SELinux mode: "enforcing", "permissive", or "" (disabled or absent). */
    selinux: string;
}

const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._:-]*$/;

/** The distribution an /etc/os-release describes (ID first, then ID_LIKE), or undefined. */
export function distroOf(osRelease: string): { distro?: Distro; id: string; version: string } {
    const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, "m").exec(osRelease)?.[1] ?? "";
    const id = get("ID");
    const ids = [id, ...get("ID_LIKE").split(/\s+/)].filter(Boolean);
    // A derivative (e.g. AlmaLinux: ID_LIKE="rhel centos fedora") follows the first distribution it names.
    const distro = ids.find((i): i is Distro => (DISTROS as readonly string[]).includes(i));
    return { distro, id, version: get("VERSION_ID") };
}

/** The packages a plan asks for on a host with this SELinux mode. */
export function packagesFor(plan: DistroPlan, selinux: string): string[] {
    return [...plan.packages, ...(selinux === "enforcing" || selinux === "permissive" ? plan.selinuxPackages : [])];
}

async function detect(host: Host, plans: Partial<Record<Distro, DistroPlan>>): Promise<Detected & { plan: DistroPlan }> {
    const r = await host.run("cat /etc/os-release; echo \"selinux=$(getenforce 2>/dev/null | tr A-Z a-z)\"", { what: "read /etc/os-release" });
    const { distro, id, version } = distroOf(r.stdout);
    const plan = distro && plans[distro];
    if (!distro || !plan) throw new Error(`${host.label} runs ${id || "an unknown system"} ${version}: there is no plan for it (supported: ${Object.keys(plans).join(", ")})`);
    const selinux = /^selinux=(\w*)/m.exec(r.stdout)?.[1] ?? "";
    return { distro, version, family: plan.family, selinux: selinux === "disabled" ? "" : selinux, plan };
}

async function missingPackages(host: Host, family: DistroPlan["family"], wanted: string[]): Promise<string[]> {
    if (wanted.length === 0) return [];
    const names = wanted.map(sh).join(" ");
    const script = family === "debian"
        ? `for p in ${names}; do dpkg-query -W -f='\${db:Status-Status}\\n' "$p" 2>/dev/null | grep -qx installed || echo "$p"; done`
        : `for p in ${names}; do rpm -q --whatprovides "$p" >/dev/null 2>&1 || echo "$p"; done`;
    return (await host.run(script, { what: "query installed packages" })).stdout.split("\n").filter(Boolean);
}

async function install(host: Host, family: DistroPlan["family"], pkgs: string[]): Promise<void> {
    if (pkgs.length === 0) return;
    const names = pkgs.map(sh).join(" ");
    const script = family === "debian"
        ? `export DEBIAN_FRONTEND=noninteractive\napt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null\napt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends ${names}`
        : `dnf install -y -q ${names}`;
    await host.run(script, { what: `install ${pkgs.join(" ")}` });
}

/** Enables the repositories a plan needs (never disables any); one only the user can enable is an error saying how. */
async function enableRepositories(host: Host, d: Detected, repos: Repository[]): Promise<string[]> {
    const enabled: string[] = [];
    for (const repo of repos) {
        const on = (await host.run(`if ${repo.enabled}; then echo on; fi`, { what: `look for the repository ${repo.name}` })).stdout.trim() === "on";
        if (on) continue;
        if (!repo.enable) throw new Error(`${host.label} (${d.distro} ${d.version}) needs the repository ${repo.name}: ${repo.advice}`);
        await host.run(repo.enable, { what: `enable the repository ${repo.name}` });
        enabled.push(repo.name);
    }
    return enabled;
}

async function inactiveServices(host: Host, units: string[]): Promise<string[]> {
    if (units.length === 0) return [];
    const script = `for u in ${units.map(sh).join(" ")}; do { systemctl is-enabled --quiet "$u" && systemctl is-active --quiet "$u"; } || echo "$u"; done`;
    return (await host.run(script, { what: "query services" })).stdout.split("\n").filter(Boolean);
}

interface PackagesProps {
    plans: Partial<Record<Distro, DistroPlan>>;
    distro?: Distro;
    family?: DistroPlan["family"];
    selinux?: string;
    /** Packages of the host's plan that are not installed (empty once converged). */
    missing?: string[];
    /** What this resource installed and enabled (for the record; never removed). */
    installed?: string[];
    repositoriesEnabled?: string[];
    /** Services of the host's plan that are not enabled and active (empty once converged). */
    inactive?: string[];
}

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): PackagesProps {
    return defined({ plans: p.plans });
}

async function converge(host: Host, p: PackagesProps, before: { installed?: string[]; repositoriesEnabled?: string[] }): Promise<PackagesProps> {
    const d = await detect(host, p.plans);
    const repos = await enableRepositories(host, d, d.plan.repositories);
    const wanted = packagesFor(d.plan, d.selinux);
    const missing = await missingPackages(host, d.family, wanted);
    await install(host, d.family, missing);
    const still = await missingPackages(host, d.family, missing);
    if (still.length) throw new Error(`packages still missing on ${host.label} after install: ${still.join(" ")}`);
    const units = d.plan.services;
    if (units.length) await host.run(`systemctl enable --now ${units.map(sh).join(" ")}`, { what: `enable and start ${units.join(" ")}` });
    const inactive = await inactiveServices(host, units);
    if (inactive.length) throw new Error(`services not running on ${host.label} after start: ${inactive.join(" ")}`);
    return {
        ...p, distro: d.distro, family: d.family, selinux: d.selinux, missing: [], inactive: [],
        installed: [...new Set([...(before.installed ?? []), ...missing])],
        repositoriesEnabled: [...new Set([...(before.repositoriesEnabled ?? []), ...repos])],
    };
}

export const hostPackagesProvider = hostProvider({
    async check(_olds, news) {
        return checker({ ...news })
            .check("plans", (v) => {
                if (typeof v !== "object" || Array.isArray(v)) return `must map a distribution (${DISTROS.join(", ")}) to its plan`;
                for (const [distro, plan] of Object.entries(v as Record<string, any>)) {
                    if (!(DISTROS as readonly string[]).includes(distro)) return `has unknown distribution "${distro}" (known: ${DISTROS.join(", ")})`;
                    if (isUnknown(plan)) continue;
                    const names = [...(plan?.packages ?? []), ...(plan?.selinuxPackages ?? [])];
                    if (!names.every((n: unknown) => isUnknown(n) || (typeof n === "string" && PACKAGE_NAME.test(n)))) return `has a ${distro} plan whose packages are not package names`;
                    if (!["debian", "fedora"].includes(plan?.family)) return `has a ${distro} plan without a package family (debian or fedora)`;
                }
                return undefined;
            })
            .result();
    },

    async diff(olds, news) {
        const d = diffFields(olds, news, { plans: "update" });
        // Drift: something was uninstalled or stopped by hand since the last run.
        const drift = [...((olds.missing ?? []).length ? ["missing"] : []), ...((olds.inactive ?? []).length ? ["inactive"] : [])];
        if (!d.changes && drift.length) return { ...d, changes: true, fields: drift };
        return d;
    },

    async create(host, inputs) {
        return { id: "host-packages", outs: defined({ ...(await converge(host, own(inputs), {})) }) };
    },

    async read(host, id, props) {
        const p = own(props);
        const d = await detect(host, p.plans);
        return {
            id,
            props: defined({
                ...p, distro: d.distro, family: d.family, selinux: d.selinux, installed: props.installed, repositoriesEnabled: props.repositoriesEnabled,
                missing: await missingPackages(host, d.family, packagesFor(d.plan, d.selinux)), inactive: await inactiveServices(host, d.plan.services),
            }),
        };
    },

    async update(host, _id, olds, news) {
        return { outs: defined({ ...(await converge(host, own(news), olds)) }) };
    },

    async delete() {
        // Never uninstall, never disable a repository: the host's other software may depend on them.
    },
});

export class HostPackages extends HostResource {
    declare readonly distro: pulumi.Output<Distro>;
    declare readonly family: pulumi.Output<DistroPlan["family"]>;
    declare readonly installed: pulumi.Output<string[]>;

    constructor(name: string, args: HostPackagesArgs, opts?: pulumi.CustomResourceOptions) {
        super(hostPackagesProvider, "HostPackages", name, { distro: undefined, family: undefined, selinux: undefined, installed: undefined, repositoriesEnabled: undefined, inactive: undefined, missing: undefined, ...args }, opts);
    }
}
