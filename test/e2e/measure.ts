// Measurements of a first deploy for e2e:cloud's figures: the physical-limit yardstick (every
// package all images install, fetched and installed by one apt-get in one throwaway container),
// the moment every API answers through HAProxy (polled on the host, in a process of its own),
// and the resident memory of everything on the host.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../../components/config";
import { ASSETS } from "../../components/images";
import { openstackLayer } from "../../components/services/catalogue";
import { serviceContext } from "../../components/services/context";
import { serviceSpecs } from "../../components/services/index";
import { TH, onHost } from "../support/testhost";

/** Every package the images install with apt-get: their Containerfiles' and the whole cloud's OpenStack layer's (the union, sorted). */
export function imagePackages(): string[] {
    const packages = new Set<string>(openstackLayer(serviceSpecs(serviceContext(parseConfig({}))).map((s) => s.name)).packages);
    for (const dir of fs.readdirSync(ASSETS)) {
        const file = path.join(ASSETS, dir, "Containerfile");
        if (!fs.existsSync(file)) continue;
        // Comment lines do not count (a comment may well mention apt-get install).
        const text = fs.readFileSync(file, "utf8").replace(/^\s*#.*\n/gm, "").replace(/\\\n/g, " ");
        for (const m of text.matchAll(/apt-get install[^;&|]*/g)) {
            for (const word of m[0].split(/\s+/).slice(2)) if (/^[a-z0-9][a-z0-9+.-]+$/.test(word)) packages.add(word);
        }
    }
    return [...packages].sort();
}

/**
 * The yardstick: those packages fetched (empty cache, the same mirror) and installed by a single
 * `apt-get install` in one container of the base image on the test host. No image build can take
 * less, whatever its layout. Seconds, and the number of packages apt installed.
 */
export function aptLimit(baseImage: string): { seconds: number; packages: number; requested: number } {
    const wanted = imagePackages();
    const out = onHost(`podman run --rm --network host ${baseImage} sh -c 'export DEBIAN_FRONTEND=noninteractive; start=$(date +%s.%N); apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends ${wanted.join(" ")} > /tmp/out 2>&1; rc=$?; end=$(date +%s.%N); grep -c "^Setting up" /tmp/out; echo "rc=$rc seconds=$(echo "$end - $start" | bc 2>/dev/null || awk "BEGIN {print $end - $start}")"'`, { allowFailure: true });
    const seconds = Number(/seconds=([\d.]+)/.exec(out)?.[1] ?? NaN);
    const rc = Number(/rc=(\d+)/.exec(out)?.[1] ?? -1);
    if (rc !== 0 || Number.isNaN(seconds)) throw new Error(`the apt yardstick failed (exit ${rc}): ${out.slice(-400)}`);
    return { seconds, packages: Number(out.trim().split("\n")[0]), requested: wanted.length };
}

/**
 * Polls, on the host, every public API port through HAProxy until all answer with an HTTP
 * status below 500; stop() gives the epoch ms when they all first did (or undefined).
 */
export function pollApis(urls: string[]): { stop: () => number | undefined } {
    const file = path.join(TH, `apis-${process.pid}.log`);
    fs.writeFileSync(file, "");
    // Gives up after 90 minutes, so a killed test leaves nothing polling for long.
    const script = `while [ $SECONDS -lt 5400 ]; do ok=1; for u in ${urls.join(" ")}; do c=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$u"); [ "$c" -gt 0 ] 2>/dev/null && [ "$c" -lt 500 ] || { ok=0; break; }; done; [ $ok = 1 ] && { date +%s%3N; exit 0; }; sleep 2; done`;
    const child = childProcess.spawn("bash", [path.join(__dirname, "../testhost/ssh.sh"), script], { env: { ...process.env, TH }, stdio: ["ignore", fs.openSync(file, "a"), "ignore"], detached: true });
    child.unref();
    return {
        stop() {
            try {
                process.kill(-child.pid!, "SIGTERM");
            } catch {
                // it ended
            }
            const at = Number(fs.readFileSync(file, "utf8").trim().split("\n")[0]);
            fs.rmSync(file, { force: true });
            return at > 0 ? at : undefined;
        },
    };
}

/** Resident memory (MB) of every process on the host: containers, services and guests (not the page cache). */
export function residentMb(): number {
    return Math.round(Number(onHost("ps -e -o rss= | awk '{s += $1} END {print s}'").trim()) / 1024);
}

/** The seven catalog APIs (hotstack.ts endpoints), by the names the catalog gives them, through HAProxy. */
export const CATALOG_APIS = [
    "http://keystone.hotstack-os.local:5000/v3/",
    "http://glance.hotstack-os.local:9292/",
    "http://placement.hotstack-os.local:8778/",
    "http://nova.hotstack-os.local:8774/v2.1",
    "http://neutron.hotstack-os.local:9696/",
    "http://cinder.hotstack-os.local:8776/v3/",
    "http://heat.hotstack-os.local:8004/",
];

interface TimedStep { urn: string; type: string; op: string; startedAt?: number; endedAt?: number }

/** Seconds from the first start to the last end of the given steps (undefined when none ran). */
export function span(steps: TimedStep[]): number | undefined {
    const timed = steps.filter((s) => s.startedAt && s.endedAt);
    if (!timed.length) return undefined;
    return (Math.max(...timed.map((s) => s.endedAt!)) - Math.min(...timed.map((s) => s.startedAt!))) / 1000;
}

/**
 * The critical path of a first deploy as a timeline: every image build and container start,
 * seconds since the run began, ordered by when it finished, so a reader sees what each start
 * waited for.
 */
export function timeline(steps: TimedStep[], runStart: number): string[] {
    const wanted = steps.filter((s) => /:(ContainerImage|ContainerService)$/.test(s.type) && s.op === "create" && s.startedAt && s.endedAt);
    return wanted.sort((a, b) => a.endedAt! - b.endedAt!).map((s) => {
        const kind = s.type.endsWith(":ContainerImage") ? "image  " : "service";
        const at = (t: number) => ((t - runStart) / 1000).toFixed(0).padStart(4);
        return `${kind} ${at(s.startedAt!)}s ..${at(s.endedAt!)}s  ${s.urn.split("::").pop()}`;
    });
}

/** When each of the program's systemd units last became active (monotonic µs), by unit name. */
export function unitStarts(): Record<string, string> {
    const out = onHost("systemctl show --property Id,ActiveEnterTimestampMonotonic 'hotstack-os*.service'", { allowFailure: true });
    const starts: Record<string, string> = {};
    for (const block of out.split("\n\n")) {
        const id = /^Id=(\S+)/m.exec(block)?.[1];
        const at = /^ActiveEnterTimestampMonotonic=(\d+)/m.exec(block)?.[1];
        if (id && at) starts[id] = at;
    }
    return starts;
}

/**
 * Units whose activation time moved between two unitStarts() snapshots (restarted, or started);
 * a snapshot that could not be read (empty) throws rather than reading as "none restarted".
 */
export function restartedUnits(before: Record<string, string>, after: Record<string, string>): string[] {
    if (!Object.keys(before).length || !Object.keys(after).length) throw new Error("could not read the units' start times (systemctl show gave nothing)");
    return Object.keys(after).filter((u) => before[u] !== after[u]).map((u) => u.replace(/^hotstack-os-/, "").replace(/\.service$/, "")).sort();
}

/**
 * The restart path of some units: for each, when its start began and when it became active,
 * in seconds since the first of them began ("nova-api:0..14,nova-conductor:14..41"), so a
 * figure line shows which unit waited on which.
 */
export function unitStartPath(units: string[]): string {
    if (!units.length) return "none";
    const names = units.map((u) => `hotstack-os-${u}.service`);
    const out = onHost(`systemctl show --property Id,InactiveExitTimestampMonotonic,ActiveEnterTimestampMonotonic ${names.join(" ")}`, { allowFailure: true });
    const spans: { unit: string; from: number; to: number }[] = [];
    for (const block of out.split("\n\n")) {
        const id = /^Id=hotstack-os-(\S+)\.service/m.exec(block)?.[1];
        const from = Number(/^InactiveExitTimestampMonotonic=(\d+)/m.exec(block)?.[1]);
        const to = Number(/^ActiveEnterTimestampMonotonic=(\d+)/m.exec(block)?.[1]);
        if (id && from > 0 && to > 0) spans.push({ unit: id, from, to });
    }
    if (!spans.length) return "unreadable";
    const t0 = Math.min(...spans.map((s) => s.from));
    const s = (us: number) => ((us - t0) / 1e6).toFixed(0);
    return spans.sort((a, b) => a.from - b.from || a.to - b.to).map((x) => `${x.unit}:${s(x.from)}..${s(x.to)}`).join(",");
}
