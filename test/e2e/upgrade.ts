// npm run e2e:upgrade — a stack deployed by an earlier version of this program, then `up` with
// this one, on a fresh test host (full service set, no post-setup): what the upgrade changes,
// step by step, in one directory (as `git pull` does it). It may only update (nothing made,
// replaced or deleted; the other updates are listed, e.g. what names an image by its id), the
// units that restart are exactly those whose resource changed, every API answers afterwards and
// the next run changes nothing. UPGRADE_FROM names the earlier version (a commit; default: the
// merge base with origin/main, else HEAD~1); UPGRADE_UNCHANGED lists resources that must not
// change (comma-separated names, e.g. images-base,ovn-northd-container); UPGRADE_NEW, a regular
// expression of the resource names a new feature adds (e.g. 'dashboard|-versions$'): those may be
// created, nothing else; UPGRADE_GONE, one of the resource names a change removes (e.g.
// 'openstack-services$'): those may be deleted, nothing else. With IMAGE_SMOKE=1 the
// image tests (test/images/smoke-*.sh) then run against the upgraded images on the same host.
// Not in CI (about 25 minutes): run by hand, figures in the closing note of the change.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { changeCount } from "../harness/engine";
import { TH, loadBaseImage, onHost, onHostOk, startTestHost, stopTestHost } from "../support/testhost";
import { Checks } from "./checks";
import { converge, destroyFresh, figures, log, rmState, stateFile, testStackConfig } from "./common";
import { CATALOG_APIS, restartedUnits, unitStarts } from "./measure";

const ROOT = path.resolve(__dirname, "../..");
const git = (...args: string[]) => childProcess.execFileSync("git", ["-C", ROOT, ...args], { encoding: "utf8" }).trim();

function earlierVersion(): string {
    if (process.env.UPGRADE_FROM) return git("rev-parse", process.env.UPGRADE_FROM);
    try {
        return git("merge-base", "HEAD", "origin/main");
    } catch {
        return git("rev-parse", "HEAD~1");
    }
}

/**
 * A checkout of the earlier version in a directory of its own (a detached git worktree, with this
 * checkout's node_modules): the upgrade then happens in that same directory, as `git pull` does
 * it (the images' context directory and file modes are inputs: another directory or a tar's
 * modes would rebuild every image).
 */
function checkout(commit: string): string {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-upgrade-")), "hotstack-os");
    git("worktree", "add", "--detach", dir, commit);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

/** The program in `dir` as it is now on disk (its modules loaded anew). */
function programIn(dir: string): () => Promise<Record<string, unknown>> {
    return () => {
        for (const k of Object.keys(require.cache)) if (k.startsWith(`${dir}/`) && !k.includes("/node_modules/")) delete require.cache[k];
        return require(path.join(dir, "index.ts"))();
    };
}

/** The image tests against the deployed images, on the test host, with the cloud's units stopped. */
function imageSmoke(checks: Checks): void {
    onHost("systemctl stop hotstack-os.target; rm -rf /var/tmp/hsimg && mkdir -p /var/tmp/hsimg");
    const tar = childProcess.execFileSync("tar", ["-C", path.join(ROOT, "test"), "-c", "images"]);
    childProcess.execFileSync("bash", [path.join(__dirname, "../testhost/ssh.sh"), "tar -x -C /var/tmp/hsimg"], { input: tar, env: { ...process.env, TH } });
    for (const script of ["smoke-keystone.sh", "smoke-services.sh"]) {
        // The whole output: a [FAIL] line may come first (the contract checks run before the services).
        const r = childProcess.spawnSync("bash", [path.join(__dirname, "../testhost/ssh.sh"), `HSIMG_TAG_PREFIX=localhost/hotstack-os- bash /var/tmp/hsimg/images/${script} 2>&1`], { env: { ...process.env, TH }, encoding: "utf8", maxBuffer: 1 << 26 });
        const out = `${r.stdout}${r.stderr}`;
        const failed = out.split("\n").filter((l) => l.includes("[FAIL]"));
        const passed = out.split("\n").filter((l) => l.includes("[OK]")).length;
        log(`${script} (last 40 lines):\n${out.split("\n").slice(-40).join("\n")}${failed.length ? `\n  failed:\n${failed.join("\n")}` : ""}`);
        checks.expect(r.status === 0 && failed.length === 0 && passed > 0, `image test ${script} passes against the upgraded images`, `exit ${r.status}, ${passed} ok, ${failed.length} failed: ${failed.slice(0, 5).join(" | ")}`);
    }
}

async function main(): Promise<void> {
    const checks = new Checks();
    const fig: Record<string, string | number> = {};
    const state = stateFile("e2e-upgrade");
    const from = earlierVersion();
    if (from === git("rev-parse", "HEAD")) throw new Error(`UPGRADE_FROM is this version (${from.slice(0, 7)}): name an earlier commit`);
    const dir = checkout(from);
    let deployed = false;
    try {
        const conn = startTestHost(true);
        loadBaseImage();
        rmState(state);
        const opts = () => ({ stateFile: state, ...testStackConfig(conn, { serviceSet: "full", postSetup: "false" }) });
        log(`the earlier version: ${from} (${git("log", "-1", "--format=%s", from).slice(0, 100)})`);
        deployed = true;
        await converge(`deployed by ${from.slice(0, 7)}`, opts(), programIn(dir));
        const before = unitStarts();
        const to = git("rev-parse", "HEAD");
        childProcess.execFileSync("git", ["-C", dir, "checkout", "--quiet", "--detach", to]);
        const r = await converge(`up with this version (${to.slice(0, 7)}), in the same directory`, opts(), programIn(dir));
        const changed = r.steps.filter((s) => s.op !== "same" && !s.type.startsWith("pulumi:providers:"));
        const name = (urn: string) => urn.split("::").pop()!;
        const images = changed.filter((s) => s.type.endsWith(":ContainerImage")).map((s) => name(s.urn).replace(/^images-/, "")).sort();
        const units = changed.filter((s) => s.type.endsWith(":ContainerService")).map((s) => name(s.urn).replace(/-container$/, "")).sort();
        const added = process.env.UPGRADE_NEW ? new RegExp(process.env.UPGRADE_NEW) : undefined;
        const isNew = (s: (typeof changed)[number]) => s.op === "create" && !!added?.test(name(s.urn));
        const removed = process.env.UPGRADE_GONE ? new RegExp(process.env.UPGRADE_GONE) : undefined;
        const isGone = (s: (typeof changed)[number]) => s.op === "delete" && !!removed?.test(name(s.urn));
        const made = changed.filter((s) => s.op !== "update" && !isNew(s) && !isGone(s)).map((s) => `${s.op} ${name(s.urn)}`);
        fig.resources_added = changed.filter(isNew).length;
        const other = changed.filter((s) => s.op === "update" && !/:(ContainerImage|ContainerService)$/.test(s.type)).map((s) => `${s.op} ${name(s.urn)}`);
        const restarted = restartedUnits(before, unitStarts());
        fig.images_rebuilt = images.length;
        fig.units_updated = units.length;
        fig.units_restarted = restarted.length;
        fig.other_changes = other.length;
        log(`  images rebuilt: ${images.join(" ")}\n  units updated: ${units.join(" ")}\n  units restarted: ${restarted.join(" ")}\n  other changes: ${other.join(", ") || "none"}`);
        checks.expect(made.length === 0, `the upgrade only updates${added ? ` and adds what matches ${added.source}` : ""}${removed ? ` and deletes what matches ${removed.source}` : ""} (nothing else made, replaced or deleted)`, made.join(", "));
        checks.expect(JSON.stringify(restarted) === JSON.stringify(units), "exactly the units whose resource changed restarted", `restarted: ${restarted.join(",")}; updated: ${units.join(",")}`);
        const unchanged = (process.env.UPGRADE_UNCHANGED ?? "").split(",").filter(Boolean);
        const moved = unchanged.filter((u) => changed.some((s) => name(s.urn) === u));
        checks.expect(moved.length === 0, `unchanged as the change says: ${unchanged.join(", ") || "(none named)"}`, moved.join(", "));
        await checks.waitFor("every catalog API answers through HAProxy after the upgrade", 300, () => onHostOk(`for u in ${CATALOG_APIS.join(" ")}; do c=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$u"); [ "$c" -gt 0 ] && [ "$c" -lt 500 ] || exit 1; done`), 5);
        checks.expect(onHostOk("openstack --os-cloud hotstack-os-admin catalog list -f value -c Name | grep -q heat"), "the admin's token and catalog work after the upgrade");
        const next = await converge("the run after the upgrade", opts(), programIn(dir));
        fig.run2_changes = changeCount(next);
        checks.expect(changeCount(next) === 0, "the run after the upgrade changes nothing");
        if (process.env.IMAGE_SMOKE === "1") imageSmoke(checks);
    } catch (e) {
        // The whole message: a failed build tells its failing step and log tail at the end.
        log(`e2e:upgrade stopped: ${(e as Error).message}`);
        checks.expect(false, "e2e:upgrade ran to its end", (e as Error).stack?.split("\n").slice(0, 6).join(" | "));
    } finally {
        if (deployed) {
            try {
                destroyFresh(state);
            } catch (e) {
                checks.expect(false, "cleanup destroy", (e as Error).message.split("\n")[0]);
            }
        }
        if (!process.env.KEEP_TESTHOST) stopTestHost();
        rmState(state);
        try {
            git("worktree", "remove", "--force", dir);
        } catch {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    console.log(`\n${checks.summary()}`);
    console.log(figures(fig));
    if (checks.failed.length) process.exitCode = 1;
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
