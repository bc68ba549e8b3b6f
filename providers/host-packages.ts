// HostPackages: packages the host must have, per package family (apt on Debian/Ubuntu, dnf on
// Fedora/CentOS/RHEL). Missing ones are installed; nothing is ever uninstalled, because other
// software on the host may need them too.
import * as pulumi from "@pulumi/pulumi";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { checker, defined, diffFields, hostProvider, isUnknown } from "./kit";
import { HostArgs, HostResource } from "./resource";

export const PACKAGE_FAMILIES = ["debian", "fedora"] as const;
export type PackageFamily = (typeof PACKAGE_FAMILIES)[number];

export interface HostPackagesArgs extends HostArgs {
    /** Package names per family; the host's family picks the list. */
    packages: pulumi.Input<Partial<Record<PackageFamily, pulumi.Input<string>[]>>>;
    /** Units those packages ship that must be enabled and running, per family. */
    services?: pulumi.Input<Partial<Record<PackageFamily, pulumi.Input<string>[]>>>;
}

interface PackagesProps {
    packages: Partial<Record<PackageFamily, string[]>>;
    services: Partial<Record<PackageFamily, string[]>>;
    family?: PackageFamily;
    /** Packages of the host's family that are not installed (empty once converged). */
    missing?: string[];
    /** What this resource installed (for the record; never removed). */
    installed?: string[];
    /** Services of the host's family that are not enabled and active (empty once converged). */
    inactive?: string[];
}

const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._:-]*$/;

/** The host's family from /etc/os-release (ID and ID_LIKE). */
async function detectFamily(host: Host): Promise<PackageFamily> {
    const r = await host.run(". /etc/os-release; echo \"$ID $ID_LIKE\"", { what: "read /etc/os-release" });
    const ids = r.stdout.trim().split(/\s+/);
    if (ids.some((i) => ["debian", "ubuntu"].includes(i))) return "debian";
    if (ids.some((i) => ["fedora", "rhel", "centos"].includes(i))) return "fedora";
    throw new Error(`${host.label} is neither Debian/Ubuntu nor Fedora/CentOS/RHEL (os-release says: ${r.stdout.trim()})`);
}

async function missingPackages(host: Host, family: PackageFamily, wanted: string[]): Promise<string[]> {
    if (wanted.length === 0) return [];
    const names = wanted.map(sh).join(" ");
    const script = family === "debian"
        ? `for p in ${names}; do dpkg-query -W -f='\${db:Status-Status}\\n' "$p" 2>/dev/null | grep -qx installed || echo "$p"; done`
        : `for p in ${names}; do rpm -q --whatprovides "$p" >/dev/null 2>&1 || echo "$p"; done`;
    return (await host.run(script, { what: "query installed packages" })).stdout.split("\n").filter(Boolean);
}

async function install(host: Host, family: PackageFamily, pkgs: string[]): Promise<void> {
    if (pkgs.length === 0) return;
    const names = pkgs.map(sh).join(" ");
    const script = family === "debian"
        ? `export DEBIAN_FRONTEND=noninteractive\napt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null\napt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends ${names}`
        : `dnf install -y -q ${names}`;
    await host.run(script, { what: `install ${pkgs.join(" ")}` });
}

async function inactiveServices(host: Host, units: string[]): Promise<string[]> {
    if (units.length === 0) return [];
    const script = `for u in ${units.map(sh).join(" ")}; do { systemctl is-enabled --quiet "$u" && systemctl is-active --quiet "$u"; } || echo "$u"; done`;
    return (await host.run(script, { what: "query services" })).stdout.split("\n").filter(Boolean);
}

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): PackagesProps {
    return defined({ packages: p.packages, services: p.services });
}

async function converge(host: Host, p: PackagesProps, previouslyInstalled: string[]): Promise<PackagesProps> {
    const family = await detectFamily(host);
    const missing = await missingPackages(host, family, p.packages[family] ?? []);
    await install(host, family, missing);
    const still = await missingPackages(host, family, missing);
    if (still.length) throw new Error(`packages still missing on ${host.label} after install: ${still.join(" ")}`);
    const units = p.services?.[family] ?? [];
    if (units.length) await host.run(`systemctl enable --now ${units.map(sh).join(" ")}`, { what: `enable and start ${units.join(" ")}` });
    const inactive = await inactiveServices(host, units);
    if (inactive.length) throw new Error(`services not running on ${host.label} after start: ${inactive.join(" ")}`);
    return { ...p, family, missing: [], inactive: [], installed: [...new Set([...previouslyInstalled, ...missing])] };
}

export const hostPackagesProvider = hostProvider({
    async check(_olds, news) {
        return checker({ ...news, services: news.services ?? {} })
            .check("services", (v) => (typeof v === "object" && !Array.isArray(v) && Object.keys(v).every((f) => (PACKAGE_FAMILIES as readonly string[]).includes(f)) ? undefined : "must map a package family (debian, fedora) to unit names"))
            .check("packages", (v) => {
                if (typeof v !== "object" || Array.isArray(v)) return "must map a package family (debian, fedora) to package names";
                for (const [family, list] of Object.entries(v)) {
                    if (!(PACKAGE_FAMILIES as readonly string[]).includes(family)) return `has unknown package family "${family}" (known: ${PACKAGE_FAMILIES.join(", ")})`;
                    if (isUnknown(list)) continue;
                    if (!Array.isArray(list) || !list.every((n) => isUnknown(n) || (typeof n === "string" && PACKAGE_NAME.test(n)))) return `has a ${family} list that is not package names`;
                }
                return undefined;
            })
            .result();
    },

    async diff(olds, news) {
        const d = diffFields(olds, news, { packages: "update", services: "update" });
        // Drift: something was uninstalled or stopped by hand since the last run.
        const drift = [...((olds.missing ?? []).length ? ["missing"] : []), ...((olds.inactive ?? []).length ? ["inactive"] : [])];
        if (!d.changes && drift.length) return { ...d, changes: true, fields: drift };
        return d;
    },

    async create(host, inputs) {
        return { id: "host-packages", outs: await converge(host, own(inputs), []) };
    },

    async read(host, id, props) {
        const p = own(props);
        const family: PackageFamily = props.family ?? (await detectFamily(host));
        return {
            id,
            props: defined({
                ...p, family, installed: props.installed,
                missing: await missingPackages(host, family, p.packages?.[family] ?? []), inactive: await inactiveServices(host, p.services?.[family] ?? []),
            }),
        };
    },

    async update(host, _id, olds, news) {
        return { outs: await converge(host, own(news), olds.installed ?? []) };
    },

    async delete() {
        // Never uninstall: the host's other software may depend on these packages.
    },
});

export class HostPackages extends HostResource {
    declare readonly family: pulumi.Output<PackageFamily>;
    declare readonly installed: pulumi.Output<string[]>;

    constructor(name: string, args: HostPackagesArgs, opts?: pulumi.CustomResourceOptions) {
        super(hostPackagesProvider, "HostPackages", name, { family: undefined, installed: undefined, inactive: undefined, missing: undefined, ...args }, opts);
    }
}
