// Which of the stack's images a Debian update reaches (issue "images … never stale", part 2):
// each image's installed packages (its dpkg database) against the newest versions the suites
// publish (their Packages indexes, fetched once per run). Pure: whoever reads the host passes
// what it read. Versions compare as dpkg compares them (Debian Policy §5.6.12,
// https://www.debian.org/doc/debian-policy/ch-controlfields.html#version).

export interface PackageUpdate {
    package: string;
    from: string;
    to: string;
}

/** A character's weight in the non-digit parts: "~" before everything (even the end), letters before other characters. */
function weight(c: string | undefined): number {
    if (c === undefined || isDigit(c)) return 0;
    if (c === "~") return -1;
    return /[A-Za-z]/.test(c) ? c.charCodeAt(0) : c.charCodeAt(0) + 256;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** Compares an upstream version or a revision: alternating non-digit parts (by weight) and numbers. */
function comparePart(a: string, b: string): number {
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
        while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
            const d = weight(a[i]) - weight(b[j]);
            if (d !== 0) return d;
            i++;
            j++;
        }
        while (a[i] === "0") i++;
        while (b[j] === "0") j++;
        let first = 0;
        while (isDigit(a[i]) && isDigit(b[j])) {
            if (!first) first = a.charCodeAt(i) - b.charCodeAt(j);
            i++;
            j++;
        }
        if (isDigit(a[i])) return 1;
        if (isDigit(b[j])) return -1;
        if (first) return first;
    }
    return 0;
}

function split(v: string): [number, string, string] {
    const colon = v.indexOf(":");
    const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
    const rest = colon > 0 ? v.slice(colon + 1) : v;
    const dash = rest.lastIndexOf("-");
    return dash >= 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ""];
}

/** Negative, zero or positive as Debian version a sorts before, with or after b. */
export function compareVersions(a: string, b: string): number {
    const [ea, ua, ra] = split(a);
    const [eb, ub, rb] = split(b);
    if (ea !== eb) return ea - eb;
    return comparePart(ua, ub) || comparePart(ra, rb);
}

/**
 * The newest version of each package in Packages indexes (any number, e.g. trixie,
 * trixie-updates, trixie-security), for the given architectures ("all" included by default).
 */
export function newestVersions(indexes: string[], architectures = ["amd64"]): Map<string, string> {
    const archs = new Set([...architectures, "all"]);
    const newest = new Map<string, string>();
    const take = (pkg?: string, version?: string, arch?: string) => {
        if (!pkg || !version || !archs.has(arch ?? "")) return;
        const known = newest.get(pkg);
        if (!known || compareVersions(version, known) > 0) newest.set(pkg, version);
    };
    for (const index of indexes) {
        let pkg: string | undefined, version: string | undefined, arch: string | undefined;
        for (const line of index.split("\n")) {
            if (line.trim() === "") {
                take(pkg, version, arch);
                pkg = version = arch = undefined;
            } else if (line.startsWith("Package:")) pkg = line.slice(8).trim();
            else if (line.startsWith("Version:")) version = line.slice(8).trim();
            else if (line.startsWith("Architecture:")) arch = line.slice(13).trim();
        }
        take(pkg, version, arch);
    }
    return newest;
}

/** The installed packages a newer version is published for, by name. */
export function updatesFor(installed: Record<string, string>, newest: Map<string, string>): PackageUpdate[] {
    return Object.keys(installed).sort()
        .filter((p) => newest.has(p) && compareVersions(newest.get(p)!, installed[p]) > 0)
        .map((p) => ({ package: p, from: installed[p], to: newest.get(p)! }));
}

/**
 * Each image's updates, counted where the package was installed: an image holds its parent's
 * packages too, but only the image whose own layer installed a package rebuilds for it (its
 * children follow, as they do for any change of their parent). `parents`: image -> parent image.
 */
export function updatesByImage(installed: Record<string, Record<string, string>>, parents: Record<string, string | undefined>, newest: Map<string, string>): Record<string, PackageUpdate[]> {
    const out: Record<string, PackageUpdate[]> = {};
    for (const [image, packages] of Object.entries(installed)) {
        const parent = parents[image];
        const inherited = parent ? installed[parent] ?? {} : {};
        // A package the parent has at the same version came with the parent's layer.
        const own = Object.fromEntries(Object.entries(packages).filter(([p, v]) => inherited[p] !== v));
        out[image] = updatesFor(own, newest);
    }
    return out;
}

/** "nova-common 2:31.0.0-6+deb13u3 → 2:31.0.0-6+deb13u4, …" (at most `max` named, then a count). */
export function describeUpdates(updates: PackageUpdate[], max = 5): string {
    const named = updates.slice(0, max).map((u) => `${u.package} ${u.from} → ${u.to}`);
    return updates.length > max ? `${named.join(", ")} and ${updates.length - max} more` : named.join(", ");
}
