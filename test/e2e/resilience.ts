// npm run e2e:resilience — a stack that always converges again (identity set, fresh test host):
// first deploys interrupted while the first image builds (repair.ts: killed twice, then the
// connection dropped on the host; no build may be left running), then a first deploy killed
// (SIGKILL of the run's whole process group, its provider processes included) at three moments
// of the service layer — during a later image build, while MariaDB starts, while Keystone
// starts — each followed by a new run; the last one converges, a token
// is issued through HAProxy, run 2 changes nothing, nothing exists twice. Then each password key
// rotated through config, one at a time: the run succeeds, a token works (with the new admin
// password when that one changed), every service stays healthy, and exactly the containers that
// use that password restarted. Between the two, on the same stack, everything e2e:keystone
// proves of a deployed identity set (identityChecks: status, one option, one image rebuilt,
// drift, reboot), and at the end its leak probes, with the rotated passwords as well, and its
// check that destroy leaves nothing. Ends with one line of figures.
import * as fs from "node:fs";
import * as path from "node:path";
import { PasswordKey } from "../../components/config";
import { changeCount, loadState } from "../harness/engine";
import { loadBaseImage, onHost, onHostOk, startTestHost, stopTestHost } from "../support/testhost";
import { Checks } from "./checks";
import { converge, destroyFresh, figures, killedRun, log, rmState, stateFile, testStackConfig, workCopy } from "./common";
import { destroyLeftovers, expectProgress, identityChecks, installDig, leaks, passwords as generatedPasswords, SERVICES, tokenWorks } from "./keystone";
import { buildsOnHost, interruptedFirstDeploys } from "./repair";
import { rotateEach } from "./rotation";

async function main(): Promise<void> {
    const checks = new Checks();
    const fig: Record<string, string | number> = {};
    const state = stateFile("e2e-resilience");
    const expect = (ok: boolean, what: string) => void checks.expect(ok, what);
    // The program runs from a copy (identityChecks edits a Containerfile): the repository stays clean.
    const work = workCopy("resilience");
    const passwords: Partial<Record<PasswordKey, string>> = {};
    let destroyable = false;
    try {
        const conn = startTestHost(true);
        loadBaseImage();
        installDig();
        rmState(state);
        destroyable = true;
        const config: Record<string, string> = { serviceSet: "identity" };
        const opts = () => ({
            stateFile: state,
            ...testStackConfig(conn, config, passwords),
        });
        const progress: string[] = [];
        const seeProgress = (l: string) => {
            if (l.includes("[provider] hotstack-os ")) progress.push(l);
        };

        // ---- first deploys interrupted during the first image build --------------------------
        await interruptedFirstDeploys(checks, fig, opts, path.join(work.dir, "index.ts"));

        // ---- a first deploy, killed at three moments of its service layer ---------------------
        const points: [string, RegExp, number][] = [
            ["during an image build", /create\s+images-infra$/, 20000],
            ["while MariaDB starts", /create\s+mariadb-container$/, 2000],
            ["while Keystone starts", /create\s+keystone-container$/, 3000],
        ];
        let killedOk = 0;
        for (const [what, at, delay] of points) {
            const r = await killedRun({ ...opts(), refresh: true }, path.join(work.dir, "index.ts"), at, delay, seeProgress);
            if (checks.expect(r.killed, `a first deploy killed ${what}`, r.line)) killedOk++;
            // A build the kill interrupted (the images build beside the services) stops, and frees
            // its slot. Once (CI, 2026-12-08) a RUN step's `crun create` outlived 30 s under load.
            if ((await checks.waitFor(`no build left on the host after the kill ${what}`, 90, () => buildsOnHost().length === 0, 1)) === undefined) log(`  still running: ${buildsOnHost().join(" | ")}`);
            const pending = loadState(state).pendingOperations ?? [];
            log(`  state after the kill: ${loadState(state).resources.length} resources, pending: ${pending.map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`).join(", ") || "none"}`);
        }
        fig.kill_points = killedOk;
        const final = await converge("the run after the last kill", { ...opts(), log: (l: string) => {
            seeProgress(l);
            log(`    ${l}`);
        } }, work.program).catch((e) => {
            checks.expect(false, "the run after the kills converges", (e as Error).message.split("\n").slice(0, 4).join(" | "));
            return undefined;
        });
        let converged = !!final;
        if (final) checks.expect(true, "the run after the kills converges");
        await checks.waitFor("a token through HAProxy (POST /v3/auth/tokens)", 60, tokenWorks, 2);
        expectProgress(progress, expect);
        const run2 = await converge("run 2", opts(), work.program);
        converged = converged && checks.expect(changeCount(run2) === 0, "run 2 changes nothing", `${changeCount(run2)} changes`);
        const names = onHost("podman ps -a --format '{{.Names}}'").trim().split("\n").filter((n) => n.startsWith("hotstack-os-"));
        checks.expect(names.length === SERVICES.length && new Set(names).size === names.length, "every container exists once", names.join(" "));
        const images = onHost("podman images --format '{{.Repository}}:{{.Tag}}' | grep hotstack-os- | sort").trim().split("\n");
        const dangling = onHost("podman images -f dangling=true -q | wc -l").trim();
        checks.expect(images.length === 4 && new Set(images).size === 4, "every image exists once", images.join(" "));
        log(`  dangling image layers left by killed builds: ${dangling}`);
        fig.converge_after_kill_ok = converged && tokenWorks() ? 1 : 0;

        // ---- what e2e:keystone proves, on this stack ------------------------------------------
        if (final) Object.assign(fig, (await identityChecks({ state, work, config, opts, conn, outputs: final.outputs }, checks)).fig);
        else checks.expect(false, "e2e:keystone's checks on the converged stack", "skipped: the run after the kills failed");

        // The generated passwords, before rotations replace them in config (and drop them from the state).
        const generated = generatedPasswords(state);

        // ---- each password rotated through config, one at a time -----------------------------
        Object.assign(fig, await rotateEach(checks, { serviceSet: "identity", passwords, converge: (what) => converge(what, opts(), work.program), tokenWorks }));
        checks.expect(onHost("grep -c rotated-adminPassword /etc/openstack/clouds.yaml", { allowFailure: true }).trim() === "1", "the host's clouds.yaml has the new admin password");

        log("secrets: the generated and the rotated passwords must appear nowhere readable");
        const leaked = leaks([...generated, ...Object.values(passwords)], fs.readFileSync(state, "utf8"), expect);
        checks.expect(leaked.length === 0, "no password leaked", leaked.join("; ") || "none");
        fig.secrets_leaked = leaked.length;
    } catch (e) {
        // The whole message: a failed build tells its failing step and log tail at the end.
        log(`e2e:resilience stopped: ${(e as Error).message}`);
        checks.expect(false, "e2e:resilience ran to its end", (e as Error).stack?.split("\n").slice(0, 5).join(" | "));
    } finally {
        if (destroyable) {
            try {
                log("destroy (fresh process, state file only)");
                destroyFresh(state);
                const left = destroyLeftovers();
                checks.expect(left.length === 0, "destroy leaves nothing the program made", left.join("; ") || "nothing");
            } catch (e) {
                checks.expect(false, "destroy", (e as Error).message.split("\n")[0]);
            }
        }
        if (!process.env.KEEP_TESTHOST) stopTestHost();
        rmState(state);
        fs.rmSync(work.dir, { recursive: true, force: true });
    }
    console.log(`\n${checks.summary()}`);
    const names = ["interrupted_runs", "builds_left_after_interruptions", "dropped_connection_ok", "kill_points", "converge_after_kill_ok", "run2_s", "run2_changes", "rebuilt_on_noop", "restarted_on_keystone_change", "rotations_ok", "rotation_restarts_exact", "secrets_leaked"];
    console.log(figures(Object.fromEntries(names.map((k) => [k, fig[k] ?? "n/a"]))));
    if (checks.failed.length) process.exitCode = 1;
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
