// What the next single `up` repairs:
// - first deploys interrupted while images build — the run's whole process group killed twice,
//   then its SSH connection dropped from the host's side — leave no build behind, and a later
//   run converges (called by resilience.ts, identity set: the builds interrupted are base's, the
//   first of any set);
// - on the full service set (called by cloud.ts): units stopped by hand (an API and an infra
//   service) and a rendered config file edited by hand: one run succeeds (the refresh keeps the
//   cloud objects it cannot read through the stopped API), restarts exactly the stopped units,
//   puts the file back, and every post-setup object keeps its id; the run after it changes nothing.
import * as path from "node:path";
import { HarnessOptions, changeCount, loadState } from "../harness/engine";
import { onHost } from "../support/testhost";
import { Checks } from "./checks";
import { converge, killGroup, killedRun, log } from "./common";
import { restartedUnits, unitStarts } from "./measure";

const PROGRAM = path.resolve(__dirname, "../../index.ts");
type Figures = Record<string, string | number>;

/** Image builds alive on the test host: podman build processes, RUN steps (processes in a buildah
 *  cgroup), and build slots still held (by whatever inherited a build's lock). */
export function buildsOnHost(): string[] {
    const out = onHost([
        "for f in /run/lock/hotstack-os-build.[0-9]*; do [ -e \"$f\" ] && ! flock -n \"$f\" true && echo \"build slot held: $f ($(cat \"$f\"))\"; done",
        "for p in $(pgrep -x podman); do c=$(tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null); case \"$c\" in *' build '*) echo \"podman build $p: $(echo \"$c\" | grep -o -- '-t [^ ]*')\";; esac; done",
        "for f in $(grep -ls buildah-buildah /proc/[0-9]*/cgroup); do p=${f#/proc/}; p=${p%/cgroup}; echo \"build step $p ($(awk '{print \"state \" $3 \", parent \" $4}' /proc/$p/stat 2>/dev/null)): $(tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | cut -c1-80)\"; done",
        "true",
    ].join("\n"), { allowFailure: true });
    return out.split("\n").filter(Boolean);
}

/** Drops the SSH connection that runs a build, from the host's side: kills the sshd session processes
 *  above it. Undefined when there was no build, or no session above it, to drop. */
function dropBuildConnection(): string | undefined {
    const said = onHost([
        "for p in $(pgrep -x podman); do tr '\\0' ' ' < /proc/$p/cmdline | grep -q ' build ' && break; p=; done",
        "[ -n \"$p\" ] || exit 0",
        "killed=",
        "while [ \"$p\" -gt 1 ]; do",
        "  pp=$(awk '{print $4}' /proc/$p/stat); c=$(cat /proc/$p/comm)",
        // sshd-session (OpenSSH >= 9.8) or sshd, but never the listener (whose parent is init)
        "  case \"$c\" in sshd*) [ \"$pp\" -gt 1 ] && { kill -KILL \"$p\"; killed=\"$killed $c:$p\"; };; esac",
        "  p=$pp",
        "done",
        "[ -z \"$killed\" ] || echo \"connection of a build dropped on the host (killed$killed)\"",
    ].join("\n"), { allowFailure: true }).trim();
    return said || undefined;
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * `interrupt`, applied once a build on the host runs a RUN step (waited for up to 90 s), 5 s into
 * it; says which image was building. Undefined when no build ran or `interrupt` found nothing.
 */
function duringBuild(interrupt: (pid: number) => string | undefined): (pid: number) => string | undefined {
    return (pid) => {
        const deadline = Date.now() + 90000;
        while (!buildsOnHost().some((b) => b.startsWith("build step")) && Date.now() < deadline) sleepSync(1000);
        if (!buildsOnHost().some((b) => b.startsWith("build step"))) return undefined;
        sleepSync(5000);
        const building = buildsOnHost().filter((b) => b.startsWith("podman build")).map((b) => b.replace(/^.*-t /, "")).join(", ");
        const did = interrupt(pid);
        return did && `${did}, while building ${building || "(the build had just ended)"}`;
    };
}

/**
 * Three first deploys, each interrupted during image builds of the full set: killed (SIGKILL of
 * the run's process group) twice, then its connection dropped from the host's side; each time
 * while a build runs a RUN step and others wait for the build slot. After each,
 * no build may be left running on the host. The caller's next run must converge. Figures:
 * interrupted_runs, builds_left_after_interruptions, dropped_connection_ok.
 */
export async function interruptedFirstDeploys(checks: Checks, fig: Figures, opts: () => HarnessOptions, program = PROGRAM): Promise<void> {
    const interruptions = [
        // Each at the first moment a build runs a RUN step (duringBuild), while later builds wait
        // for the slot: an interrupted run costs well under a minute (the images are built once, by run 1).
        { what: "killed during an image build", how: duringBuild(killGroup) },
        { what: "killed again during an image build", how: duringBuild(killGroup) },
        { what: "its connection dropped on the host during an image build", how: duringBuild(dropBuildConnection) },
    ];
    let interrupted = 0;
    let clean = 0;
    let droppedClean = false;
    for (const i of interruptions) {
        const r = await killedRun({ ...opts(), refresh: true }, program, /create\s+images-/, 2000, () => undefined, i.how);
        if (checks.expect(r.killed, `a first deploy ${i.what}`, r.killed ? r.line?.trim() : "the run ended before that moment (see its last lines above)")) interrupted++;
        const left = await checks.waitFor(`no build left on the host after the run was ${i.what.split(" during")[0]}`, 30, () => buildsOnHost().length === 0, 1);
        if (left !== undefined) clean++;
        else log(`  still running: ${buildsOnHost().join(" | ")}`);
        if (i.what.includes("dropped")) droppedClean = r.killed && left !== undefined;
        const pending = loadState(opts().stateFile).pendingOperations ?? [];
        log(`  pending operations after it: ${pending.map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`).join(", ") || "none"}`);
    }
    fig.interrupted_runs = `${interrupted}/${interruptions.length}`;
    fig.builds_left_after_interruptions = interruptions.length - clean;
    fig.dropped_connection_ok = droppedClean ? 1 : 0;
}

/** The rendered heat.conf on the host (a config file whose service reads it only at start). */
function heatConf(): string {
    return onHost("ls -d /var/lib/hotstack-os/config/heat-api/*heat.conf | head -1").trim();
}

const objectIds = (stateFile: string) => Object.fromEntries(loadState(stateFile).resources.filter((r) => r.type.endsWith(":CloudObject")).map((r) => [r.urn.split("::").pop(), r.id]));

/**
 * Stops an API (glance) and an infra service (memcached) by hand and edits one rendered config
 * file; one run must succeed and repair exactly that. Figures: stopped_services_repaired,
 * drift_file_restored, repair_run_s, repair_restarts_exact.
 */
export async function repairStoppedAndEdited(checks: Checks, fig: Figures, opts: () => HarnessOptions): Promise<void> {
    const stateFile = opts().stateFile;
    const conf = heatConf();
    const original = onHost(`sha256sum < ${conf}`).trim();
    const idsBefore = objectIds(stateFile);
    const before = unitStarts();
    onHost(`echo '# edited by hand' >> ${conf}`);
    onHost("systemctl stop hotstack-os-glance.service hotstack-os-memcached.service");
    const stopped = onHost("systemctl list-units 'hotstack-os-*.service' --all --no-legend --plain --state=inactive,failed | awk '{print $1}'", { allowFailure: true })
        .split("\n").filter(Boolean).map((u) => u.replace(/^hotstack-os-/, "").replace(/\.service$/, "")).sort();
    log(`  stopped by hand: glance, memcached; inactive now: ${stopped.join(", ")}`);
    const said: string[] = [];
    const run = await checks.step("one run after glance and memcached were stopped and heat.conf edited by hand", () =>
        converge("the repair run", { ...opts(), log: (l: string) => (said.push(l), log(`    ${l}`)) }));
    fig.repair_run_s = run ? run.seconds.toFixed(0) : "failed";
    const kept = said.filter((l) => /kept as last seen: the \w+ API/.test(l));
    checks.expect(!run || kept.length > 0, "the refresh said which cloud objects it kept unread (the stopped API)", kept.slice(0, 2).map((l) => l.trim()).join(" | ") || "no such line");
    const reread = run ? run.steps.filter((s) => s.type.endsWith(":CloudObject") && s.op === "update").length : -1;
    checks.expect(reread === kept.length, "the same run read each kept object for real once its service was back (an update each)", `${reread} updates, ${kept.length} kept`);
    const inactive = onHost("systemctl list-units 'hotstack-os-*.service' --all --no-legend --plain --state=inactive,failed | awk '{print $1}'", { allowFailure: true }).split("\n").filter(Boolean);
    const repaired = stopped.filter((u) => !inactive.includes(`hotstack-os-${u}.service`));
    fig.stopped_services_repaired = `${repaired.length}/${stopped.length}`;
    checks.expect(stopped.length >= 2 && repaired.length === stopped.length, "every stopped unit runs again", `inactive: ${inactive.join(", ") || "none"}`);
    const restarted = restartedUnits(before, unitStarts());
    fig.repair_restarts_exact = JSON.stringify(restarted) === JSON.stringify(stopped) ? 1 : 0;
    // heat-api reads heat.conf at start only: putting the file back before it restarts changes nothing it runs.
    checks.expect(fig.repair_restarts_exact === 1, "exactly the stopped units restarted (a file put back does not restart its service)", `restarted: ${restarted.join(", ")}; stopped: ${stopped.join(", ")}`);
    fig.drift_file_restored = onHost(`sha256sum < ${conf}`).trim() === original ? 1 : 0;
    checks.expect(fig.drift_file_restored === 1, "the edited config file is put back", conf);
    const idsAfter = objectIds(stateFile);
    const moved = Object.keys(idsBefore).filter((k) => idsAfter[k] !== idsBefore[k]);
    checks.expect(Object.keys(idsBefore).length > 0 && moved.length === 0, "every post-setup object keeps its id", moved.join(", ") || `${Object.keys(idsBefore).length} objects`);
    const next = await checks.step("the run after the repair (the kept objects read for real)", () => converge("the run after the repair", opts()));
    checks.expect(!!next && changeCount(next) === 0, "the run after the repair changes nothing", next ? next.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`).join(", ") : "failed");
}
