// Preflight: is this host fit for the cloud, before anything touches it? Runs in check(), so a
// refusal shows in `pulumi preview` as well as stopping `pulumi up` before the first change
// (every host resource depends on it). Every finding is reported at once, each with what was
// found and what to do; below-recommended memory or disk is a warning, below the minimum a
// refusal. Read never refuses (a refresh or destroy of an unfit host must work).
import * as pulumi from "@pulumi/pulumi";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { checker, defined, diffFields, hostProvider, isUnknown } from "./kit";
import { hostNamed } from "./host/hosts";
import { HostArgs, HostResource } from "./resource";

export interface Requirements {
    /** Where the data lives: free space is measured there (or at its nearest existing parent). */
    dataDir: string;
    minMemoryMb: number;
    recommendedMemoryMb: number;
    minDiskMb: number;
    recommendedDiskMb: number;
    /** "kvm": /dev/kvm must work; "qemu": emulation chosen; "auto": either. */
    virtType: string;
    /** Networks this program will use: no address or route of the host may be in them, but ours. */
    networks: string[];
    /** Interfaces that are ours (their addresses and routes in those networks are expected). */
    ownInterfaces: string[];
    /** The gateway address and the TCP/UDP ports the front door will use on it. */
    frontAddress: string;
    tcpPorts: number[];
    udpPorts: number[];
}

export interface HostFindings {
    os: string;
    osVersion: string;
    podman: string;
    podmanCandidate: string;
    memoryMb: number;
    diskMb: number;
    diskPath: string;
    kvm: boolean;
    addresses: string[];
    routes: string[];
    listeners: string[];
}

export interface Verdict {
    refusals: string[];
    warnings: string[];
}

const SUPPORTED: Record<string, (v: string) => boolean> = {
    debian: (v) => Number(v.split(".")[0]) >= 13,
    ubuntu: (v) => Number(v.split(".")[0]) >= 24,
    fedora: (v) => Number(v) >= 40,
    centos: (v) => Number(v.split(".")[0]) >= 9,
    rhel: (v) => Number(v.split(".")[0]) >= 9,
};

function ipInt(ip: string): number {
    return ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
}

/** Whether two IPv4 CIDRs (or a CIDR and an address "a.b.c.d/32") overlap. */
export function overlaps(a: string, b: string): boolean {
    const range = (c: string) => {
        const [ip, bits] = c.split("/");
        const size = 2 ** (32 - Number(bits ?? 32));
        const start = Math.floor(ipInt(ip) / size) * size;
        return [start, start + size - 1];
    };
    const [a0, a1] = range(a);
    const [b0, b1] = range(b);
    return a0 <= b1 && b0 <= a1;
}

/** "4.9.3" >= "4.4"? */
function atLeast(version: string, min: string): boolean {
    const v = version.split(/[.~+-]/).map(Number);
    const m = min.split(".").map(Number);
    for (let i = 0; i < m.length; i++) {
        if ((v[i] ?? 0) !== m[i]) return (v[i] ?? 0) > m[i];
    }
    return true;
}

/** The verdict on what a host showed: pure, so every refusal is testable from real findings. */
export function judge(f: HostFindings, r: Requirements): Verdict {
    const refusals: string[] = [];
    const warnings: string[] = [];
    const os = `${f.os} ${f.osVersion}`.trim();
    if (!SUPPORTED[f.os]?.(f.osVersion)) {
        refusals.push(`the host runs ${os || "an unknown system"} (/etc/os-release); supported are Debian 13, Ubuntu 24.04, Fedora 40+, CentOS Stream 9 and RHEL 9 or later`);
    }
    const podman = f.podman || f.podmanCandidate;
    if (!podman) refusals.push("podman is neither installed nor installable from the host's package sources: enable a repository that has podman 4.4 or later");
    else if (!atLeast(podman, "4.4")) refusals.push(`podman ${podman} is ${f.podman ? "installed" : "what the package sources offer"}; Quadlet (the services' units) needs 4.4 or later: upgrade the distribution or use a newer podman`);
    if (f.memoryMb < r.minMemoryMb) refusals.push(`the host has ${f.memoryMb} MB of memory; this host's part of the cloud needs at least ${r.minMemoryMb} MB (config preflightMinMemoryMb), ${r.recommendedMemoryMb} MB recommended`);
    else if (f.memoryMb < r.recommendedMemoryMb) warnings.push(`the host has ${f.memoryMb} MB of memory, less than the recommended ${r.recommendedMemoryMb} MB: guests will be few and small`);
    // Once the data dir exists the cloud's own data fills the disk: a repair run must not be refused for it.
    const deployed = f.diskPath === r.dataDir;
    if (f.diskMb < r.minDiskMb && deployed) warnings.push(`only ${f.diskMb} MB are free at ${f.diskPath}, below the ${r.minDiskMb} MB a first deploy needs (config preflightMinDiskMb): free space soon, images and volumes are failing to fit`);
    else if (f.diskMb < r.minDiskMb) refusals.push(`${f.diskMb} MB are free at ${f.diskPath} (the data directory ${r.dataDir}); at least ${r.minDiskMb} MB are needed (config preflightMinDiskMb), ${r.recommendedDiskMb} MB recommended: free space or choose another dataDir`);
    else if (f.diskMb < r.recommendedDiskMb) warnings.push(`${f.diskMb} MB are free at ${f.diskPath}, less than the recommended ${r.recommendedDiskMb} MB: images and volumes will not fit for long`);
    if (r.virtType === "kvm" && !f.kvm) refusals.push("virtType is kvm but /dev/kvm is missing: enable virtualization (BIOS, nested virtualization) or set virtType qemu (emulated, slow)");
    for (const net of r.networks) {
        const taken = [...f.addresses, ...f.routes].filter((line) => {
            const [dev, cidr] = line.split(" ");
            return cidr && !r.ownInterfaces.includes(dev) && overlaps(net, cidr.includes("/") ? cidr : `${cidr}/32`);
        });
        for (const t of taken) refusals.push(`${net} is used on this host already (${t.split(" ")[0]}: ${t.split(" ")[1]}): choose another containerNetwork/providerNetwork, or remove that address or route`);
    }
    for (const l of f.listeners) {
        const [proto, addr, port, who, owner] = l.split(" ");
        const ports = proto === "udp" ? r.udpPorts : r.tcpPorts;
        // A listener in one of our units is our front door (a re-run), whatever state the rest is in.
        if (owner !== "ours" && ports.includes(Number(port)) && (addr === r.frontAddress || addr === "0.0.0.0" || addr === "*" || addr === "::")) {
            refusals.push(`${proto} port ${port} on ${addr} is taken by ${who && who !== "-" ? who : "another process"}; the cloud's front door needs it on ${r.frontAddress}: stop that service or change hotExIp`);
        }
    }
    return { refusals, warnings };
}

/** What the host shows: one script, every probe, each section after a "== name ==" line; parsed here. */
export async function probe(host: Host, r: Requirements): Promise<HostFindings> {
    const out = await host.run([
        "echo '== os'; cat /etc/os-release 2>/dev/null",
        "echo '== podman'; podman --version 2>/dev/null",
        // What the package sources would install, when podman is missing.
        "echo '== candidate'; if ! command -v podman >/dev/null; then if command -v apt-cache >/dev/null; then apt-cache policy podman 2>/dev/null; elif command -v dnf >/dev/null; then dnf -q info podman 2>/dev/null; fi; fi",
        "echo '== memory'; grep '^MemTotal:' /proc/meminfo",
        `echo '== disk'; d=${sh(r.dataDir)}; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; echo "$d"; df -Pm "$d"`,
        "echo '== kvm'; [ -c /dev/kvm ] && echo yes || echo no",
        "echo '== addr'; ip -4 -o addr show 2>/dev/null",
        "echo '== route'; ip -4 route show 2>/dev/null",
        // Each listener with whether its process runs in a unit of ours (a re-run: our front door holds them).
        "echo '== listen'; ss -H -ltnup 2>/dev/null | while IFS= read -r l; do pid=$(printf '%s' \"$l\" | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p'); own=no; [ -n \"$pid\" ] && grep -qE '/hotstack-os-[^/]*\\.service' /proc/$pid/cgroup 2>/dev/null && own=yes; printf '%s own=%s\\n' \"$l\" \"$own\"; done",
    ].join("\n"), { what: "preflight probes" });
    return parseFindings(out.stdout, r);
}

/** The probes' output as findings (pure: the tests feed it what real probes printed). */
export function parseFindings(text: string, r: Requirements): HostFindings {
    const sections: Record<string, string[]> = {};
    let current = "";
    for (const line of text.split("\n")) {
        const m = /^== (\w+)$/.exec(line);
        if (m) sections[(current = m[1])] = [];
        else if (current && line.trim()) sections[current].push(line);
    }
    const part = (k: string) => sections[k] ?? [];
    const osVar = (k: string) => part("os").find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1).replace(/^"|"$/g, "") ?? "";
    const podman = /version (\d+[\d.]*)/.exec(part("podman").join(" "))?.[1] ?? "";
    const candidate = /Candidate:\s*(?:\d+:)?([\d.]+)/.exec(part("candidate").join("\n"))?.[1] ?? /^Version\s*:\s*([\d.]+)/m.exec(part("candidate").join("\n"))?.[1] ?? "";
    const disk = part("disk");
    // "1024-blocks Used Available Capacity Mounted" then the values: Available is the 4th field.
    const avail = Number(disk[2]?.trim().split(/\s+/)[3] ?? 0);
    return {
        os: osVar("ID"),
        osVersion: osVar("VERSION_ID"),
        podman,
        podmanCandidate: candidate,
        memoryMb: Math.floor(Number(/(\d+)/.exec(part("memory").join(" "))?.[1] ?? 0) / 1024),
        diskMb: avail,
        diskPath: disk[0] ?? r.dataDir,
        kvm: part("kvm")[0] === "yes",
        // "2: eth0    inet 10.0.0.2/24 brd …" → "eth0 10.0.0.2/24"
        addresses: part("addr").map((l) => l.trim().split(/\s+/)).map((f) => `${f[1]} ${f[3]}`),
        // "10.1.0.0/16 via 10.0.0.1 dev eth0 …" → "eth0 10.1.0.0/16" (the default route covers all, and is no conflict)
        routes: part("route").map((l) => l.trim().split(/\s+/)).filter((f) => f[0] !== "default").map((f) => `${f[f.indexOf("dev") + 1] ?? "?"} ${f[0]}`),
        // "tcp LISTEN 0 4096 172.31.0.129:5000 0.0.0.0:* users:(("haproxy",pid=1,fd=3))" → "tcp 172.31.0.129 5000 haproxy"
        listeners: part("listen").map((l) => l.trim().split(/\s+/)).map((f) => {
            const local = f[4] ?? "";
            const at = local.lastIndexOf(":");
            const addr = local.slice(0, at).replace(/^\[|\]$/g, "").replace(/%.*$/, "");
            const who = /\(\("([^"]+)"/.exec(f.slice(6).join(" "))?.[1] ?? "";
            return `${f[0]} ${addr} ${local.slice(at + 1)} ${who || "-"} ${f[f.length - 1] === "own=yes" ? "ours" : "theirs"}`;
        }),
    };
}

/** What a refresh records: the stored findings while the host's fitness is the same (free space
 *  moving by a megabyte is no drift), the fresh ones when a refusal or warning came or went. */
export function refreshedFindings(stored: HostFindings | undefined, fresh: HostFindings, r: Requirements): HostFindings {
    if (!stored) return fresh;
    // only the megabyte figures move between runs: a port or an address in a finding does not
    const gist = (f: HostFindings) => JSON.stringify(judge(f, r)).replace(/\b\d+ MB\b/g, "# MB");
    return gist(stored) === gist(fresh) ? stored : fresh;
}

function requirementsProblems(r: Record<string, any>): string | undefined {
    if (!r || typeof r !== "object") return "must be the host requirements";
    if (typeof r.dataDir !== "string" || !r.dataDir.startsWith("/")) return "needs an absolute dataDir";
    for (const k of ["minMemoryMb", "recommendedMemoryMb", "minDiskMb", "recommendedDiskMb"]) if (!Number.isInteger(r[k]) || r[k] < 0) return `needs ${k} as a non-negative integer`;
    return undefined;
}

export const preflightProvider = hostProvider({
    async check(_olds, news) {
        const c = checker({ ...news }).check("requirements", (v) => requirementsProblems(v));
        const result = c.result();
        if (result.failures?.length || isUnknown(news.requirements)) return result;
        // The probes: before anything is changed, in preview and up alike.
        const r = news.requirements as Requirements;
        const verdict = judge(await probe(await hostNamed(news.host), r), r);
        for (const w of verdict.warnings) console.log(`hotstack-os preflight: warning: ${w}`);
        return { inputs: result.inputs, failures: verdict.refusals.map((reason) => ({ property: "host", reason: `preflight: ${reason}` })) };
    },

    async diff(olds, news) {
        return diffFields(olds, news, { requirements: "update" });
    },

    async create(host, inputs) {
        return { id: "preflight", outs: defined({ requirements: inputs.requirements, findings: await probe(host, inputs.requirements) }) };
    },

    async read(host, id, props) {
        return { id, props: { ...props, findings: refreshedFindings(props.findings, await probe(host, props.requirements), props.requirements) } };
    },

    async update(host, _id, _olds, news) {
        return { outs: defined({ requirements: news.requirements, findings: await probe(host, news.requirements) }) };
    },

    async delete() {
        // nothing was made
    },
});

export class Preflight extends HostResource {
    declare readonly findings: pulumi.Output<HostFindings>;

    constructor(name: string, args: HostArgs & { requirements: pulumi.Input<Requirements> }, opts?: pulumi.CustomResourceOptions) {
        super(preflightProvider, "Preflight", name, { findings: undefined, ...args }, opts);
    }
}
