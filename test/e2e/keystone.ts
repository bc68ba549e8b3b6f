// npm run e2e:keystone — images and the first services (MariaDB, RabbitMQ, memcached, dnsmasq,
// HAProxy, Keystone) from a bare test host, through the harness: a token through HAProxy with
// the cloudsYaml output, the catalog, the stats page, dnsmasq; run 2 = no-op and no rebuild; one
// keystone option restarts only keystone; touching one Containerfile rebuilds only that image
// and restarts only its services; a unit stopped by hand is repaired; services come back after
// a reboot in order; no password leaks anywhere. Ends with one line of figures.
// The checks after the first deploy are identityChecks(), which e2e:resilience runs too (after
// its killed deploys, on the same stack: CI deploys the identity set once for both).
import * as fs from "node:fs";
import * as path from "node:path";
import { ASSETS } from "../../components/images";
import { HarnessOptions, changeCount, loadState, preview } from "../harness/engine";
import { withProviderCode } from "../harness/state";
import { reveal } from "../harness/wire";
import { loadBaseImage, onHost, onHostOk, rebootTestHost, startTestHost, stopTestHost } from "../support/testhost";
import { closeAllConnections, connect } from "../../providers/host/transport";
import { statusChecks } from "../../tools/status";
import { SshConnection } from "../../providers/host/connection";
import { Checks } from "./checks";
import { converge, destroyFresh, figures, log, rmState, stateFile, testStackConfig, workCopy } from "./common";
import { restartedUnits, unitStarts } from "./measure";
import { passwordUsers } from "./rotation";

/** The identity set's containers (mariadb, rabbitmq, memcached, dnsmasq, haproxy, keystone). */
export const SERVICES = passwordUsers("identity").services;

/** The program's units restarted since a unitStarts() snapshot. */
const restartedSince = (before: Record<string, string>) => restartedUnits(before, unitStarts());

export function imageIds(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of onHost("podman images --format '{{.Repository}} {{.ID}}' | grep hotstack-os- || true").trim().split("\n").filter(Boolean)) {
        const [repo, id] = line.split(" ");
        out[repo.replace("localhost/hotstack-os-", "")] = id;
    }
    return out;
}

/** Every generated password, from the state (where they are secrets). */
export function passwords(state: string): string[] {
    return loadState(state).resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => reveal(r.outputs).result as string);
}

/**
 * Where a password could leak, each probe searched for every generated password. A probe must
 * prove it looked: it lists what it searched (a probe that finds nothing to search, or whose
 * command fails, is a failed check, never "0 leaks").
 */
export function leaks(secrets: string[], stateText: string, expect: (ok: boolean, what: string) => void): string[] {
    const found: string[] = [];
    onHost(`cat > /tmp/hotstack-e2e-patterns <<'EOF'\n${secrets.join("\n")}\nEOF`);
    const probe = (what: string, list: string, content: string) => {
        // `list` prints one line per thing searched; `content` prints what is searched.
        const r = onHost(`n=$( { ${list}; } 2>/dev/null | wc -l ); hits=$( { ${content}; } 2>/dev/null | grep -F -f /tmp/hotstack-e2e-patterns -c ); echo "searched=$n hits=$hits"`, { allowFailure: true });
        const searched = Number(/searched=(\d+)/.exec(r)?.[1] ?? 0);
        const hits = Number(/hits=(\d+)/.exec(r)?.[1] ?? -1);
        expect(searched > 0 && hits >= 0, `leak probe "${what}" looked (${searched} searched)`);
        if (hits !== 0) found.push(`${what} (${hits} lines)`);
        log(`  ${hits === 0 ? "ok  " : "LEAK"} ${what}: ${searched} searched, ${hits} lines with a password`);
    };
    probe("process command lines (ps)", "ps -eo pid", "ps -eo args");
    probe("Quadlet unit files", "ls /etc/containers/systemd/*.container", "cat /etc/containers/systemd/*.container");
    probe("generated systemd units", "ls /run/systemd/generator/hotstack-os-*.service", "cat /run/systemd/generator/hotstack-os-*.service");
    probe("podman inspect (env and config of every container)", "podman ps -a --format '{{.Names}}'", "for c in $(podman ps -a --format '{{.Names}}'); do podman inspect $c; done");
    probe("the journal of every unit", "journalctl --no-pager -o cat -F _SYSTEMD_UNIT", "journalctl --no-pager -o cat");
    probe("world-readable files under /etc /var/lib/hotstack-os /var/lib/hotstack /run /tmp /var/tmp",
        "find /etc /var/lib/hotstack-os /var/lib/hotstack /run /tmp /var/tmp -xdev -type f -perm -o+r ! -name hotstack-e2e-patterns -size -2M",
        "find /etc /var/lib/hotstack-os /var/lib/hotstack /run /tmp /var/tmp -xdev -type f -perm -o+r ! -name hotstack-e2e-patterns -size -2M -exec cat {} +");
    probe("world-readable files of the container store", "find /var/lib/containers/storage/overlay -type f -perm -o+r -path '*/diff/etc/*' -size -2M",
        "find /var/lib/containers/storage/overlay -type f -perm -o+r -path '*/diff/etc/*' -size -2M -exec cat {} +");
    onHost("rm -f /tmp/hotstack-e2e-patterns");
    // The harness's state file (the engine's checkpoint): secrets are ciphertext there. Stored
    // provider code is gzipped, so it is searched unpacked.
    const searchable = withProviderCode(stateText);
    const inState = secrets.filter((p) => searchable.includes(p)).length;
    expect(stateText.length > 0 && secrets.length > 0, `leak probe "the state file" looked (${stateText.length} bytes, ${secrets.length} passwords)`);
    if (inState) found.push(`the state file (${inState} passwords in plain text)`);
    log(`  ${inState === 0 ? "ok  " : "LEAK"} the state file`);
    return found;
}

type Expect = (ok: boolean, what: string) => void;

export const tokenWorks = () => onHostOk("openstack --os-cloud hotstack-os-admin token issue -f value -c id >/dev/null");

/** A deployed identity-set stack: its state, its program (a work copy), the config runs use. */
export interface IdentityStack {
    state: string;
    work: { dir: string; program: () => Promise<Record<string, unknown>> };
    /** Stack config the runs add to the test defaults; identityChecks changes a keystone option here. */
    config: Record<string, string>;
    opts: () => HarnessOptions;
    conn: SshConnection;
    /** The stack outputs of the last run. */
    outputs: Record<string, unknown>;
}

/**
 * The builds' and starts' progress lines, as the CLI shows them, over the deploy's runs: each
 * image's build reported, build steps among them (a build resumed from cached layers after a
 * killed run reports few or none), and services waited for.
 */
export function expectProgress(progress: string[], expect: Expect): void {
    const buildLines = progress.filter((l) => / image hotstack-os-\w+: build step \d+\/\d+/.test(l));
    const silent = ["base", "infra", "openstack", "keystone"].filter((i) => !progress.some((l) => l.includes(`image hotstack-os-${i}: `)));
    const ok = silent.length === 0 && buildLines.length > 0 && progress.some((l) => /service \w+: (waiting for|active and healthy)/.test(l));
    expect(ok, `progress lines during the builds and the starts (${progress.length}, ${buildLines.length} build steps, e.g. "${buildLines[0]?.trim() ?? "none"}"${silent.length ? `; no line for image ${silent.join(", ")}` : ""})`);
}

export function installDig(): void {
    log("installing dig on the test host (test tooling, not the product; the openstack client is the product's)");
    onHost("export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends bind9-dnsutils >/dev/null");
}

/**
 * Everything e2e:keystone proves of a deployed identity set (dig installed): the token with the
 * cloudsYaml output, catalog, stats page and DNS; run 2 a no-op without rebuilds; status; one
 * keystone option; one Containerfile touched; drift repaired; a reboot. Returns its figures and
 * when the first token came.
 */
export async function identityChecks(s: IdentityStack, checks: Checks): Promise<{ fig: Record<string, string | number>; tokenAt: number }> {
    const expect: Expect = (ok, what) => void checks.expect(ok, what);
    // The output's clouds.yaml, for these two checks only: root's own file would hide the host's
    // /etc/openstack/clouds.yaml (which follows password rotations) from every later client.
    onHost(`mkdir -p /root/.config/openstack && cat > /root/.config/openstack/clouds.yaml <<'EOF'\n${s.outputs.cloudsYaml}EOF\nchmod 600 /root/.config/openstack/clouds.yaml`);
    await checks.waitFor(`openstack --os-cloud hotstack-os-admin token issue with the cloudsYaml output (through HAProxy at ${s.outputs.authUrl})`, 60, tokenWorks, 2);
    const tokenAt = Date.now();
    expect(/identity/.test(onHost("openstack --os-cloud hotstack-os-admin catalog list -f value -c Type", { allowFailure: true })), "the catalog lists identity");
    onHost("rm -f /root/.config/openstack/clouds.yaml");
    expect(/keystone/.test(onHost(`curl -sf '${s.outputs.haproxyStatsUrl};csv'`, { allowFailure: true })), `the HAProxy stats page answers (${s.outputs.haproxyStatsUrl})`);
    expect(onHost("dig +short @172.31.0.129 keystone.hotstack-os.local", { allowFailure: true }).trim() === "172.31.0.129", "dnsmasq resolves keystone.hotstack-os.local to the hot-ex address");

    const imagesBefore = imageIds();
    expect(JSON.stringify(Object.keys(imagesBefore).sort()) === JSON.stringify(["base", "infra", "keystone", "openstack"]), `the images are there to compare (${Object.keys(imagesBefore).join(", ")})`);
    const run2 = await converge("run 2", s.opts(), s.work.program);
    const after2 = imageIds();
    const rebuiltOnNoop = Object.keys(imagesBefore).filter((k) => after2[k] !== imagesBefore[k]).length;
    expect(changeCount(run2) === 0 && rebuiltOnNoop === 0 && Object.keys(after2).length === 4, "run 2: zero changes, no image rebuilt");

    log("npm run status against the deployed stack (tools/status.ts over the stack's connection)");
    const host = await connect(s.conn);
    const up1 = await statusChecks(host);
    expect(up1.ok && up1.rows.length >= SERVICES.length, `status: exit 0, every row up (${up1.rows.length} rows)`);
    onHost("systemctl stop hotstack-os-memcached.service");
    const down = await statusChecks(host);
    const named = down.rows.filter((r) => r.state !== "up").map((r) => `${r.component}: ${r.next ?? ""}`);
    expect(!down.ok && named.some((r) => r.includes("memcached") && r.includes("journalctl -u hotstack-os-memcached")), `status: non-zero with memcached stopped, naming it and what to run (${named.join("; ")})`);
    onHost("systemctl start hotstack-os-memcached.service");
    await closeAllConnections();

    let before = unitStarts();
    const optSince = onHost("date +%s").trim();
    s.config.tokenExpiration = s.config.tokenExpiration === "7200" ? "3600" : "7200";
    const optRun = await converge(`keystone option (token expiration -> ${s.config.tokenExpiration})`, s.opts(), s.work.program);
    const changed = optRun.steps.filter((st) => !st.type.startsWith("pulumi:providers:")).map((st) => st.urn.split("::").pop()).sort();
    const restartedOnOption = restartedSince(before);
    expect(JSON.stringify(changed) === JSON.stringify(["keystone-container", "keystone-keystone.conf"]), `only keystone's config and unit change: ${changed.join(", ")}`);
    expect(JSON.stringify(restartedOnOption) === JSON.stringify(["keystone"]), `only keystone restarted: ${restartedOnOption.join(", ")}`);
    const syncLines = onHost(`journalctl -q -o cat -u hotstack-os-keystone.service --since @${optSince} | grep -E 'db_sync|schema'`, { allowFailure: true }).trim();
    expect(/at the installed schema: skipped keystone_manage db_sync/.test(syncLines), `keystone's restart skipped its db_sync (the schema was current): ${syncLines.split("\n").slice(-2).join(" | ") || "no sync line"}`);

    // Touch the copy's Containerfile, never the repository's.
    const containerfile = path.join(s.work.dir, "assets", "images", "keystone", "Containerfile");
    before = unitStarts();
    const idsBefore = imageIds();
    fs.appendFileSync(containerfile, "# touched by e2e:keystone\n");
    await converge("touch keystone/Containerfile", s.opts(), s.work.program);
    const rebuilt = Object.keys(idsBefore).filter((k) => imageIds()[k] !== idsBefore[k]);
    expect(JSON.stringify(rebuilt) === JSON.stringify(["keystone"]), `only the keystone image was rebuilt: ${rebuilt.join(", ")}`);
    expect(JSON.stringify(restartedSince(before)) === JSON.stringify(["keystone"]), "only its service restarted");
    fs.writeFileSync(containerfile, fs.readFileSync(path.join(ASSETS, "keystone", "Containerfile")));
    await converge("Containerfile restored", s.opts(), s.work.program);

    log("drift: systemctl stop hotstack-os-mariadb");
    onHost("systemctl stop hotstack-os-mariadb.service");
    const p = await preview(s.work.program, { ...s.opts(), refresh: true });
    const drift = p.steps.filter((st) => st.op === "update").map((st) => st.urn.split("::").pop());
    expect(JSON.stringify(drift) === JSON.stringify(["mariadb-container"]), `preview shows the drift: ${drift.join(", ")}`);
    await converge("repair run", s.opts(), s.work.program);
    expect(onHost("systemctl is-active hotstack-os-mariadb.service", { allowFailure: true }).trim() === "active", "mariadb runs again");

    log("reboot: services come back on their own, in dependency order");
    rebootTestHost();
    const allUp = await checks.waitFor("all six services active after the reboot", 180, () => onHostOk(`systemctl is-active ${SERVICES.map((x) => `hotstack-os-${x}.service`).join(" ")} >/dev/null`), 2);
    const at = (x: string) => Number(onHost(`systemctl show -p ActiveEnterTimestampMonotonic --value hotstack-os-${x}.service`).trim());
    const ordered = ["mariadb", "memcached", "dnsmasq", "haproxy"].every((x) => at(x) > 0 && at(x) <= at("keystone"));
    expect(allUp !== undefined && ordered, "keystone became active after mariadb, memcached, dnsmasq and haproxy");
    // HAProxy started before keystone and sees it up after its next checks: a client retries
    await checks.waitFor("a token after the reboot (time since all were active)", 30, tokenWorks, 2);
    return { tokenAt, fig: {
        run2_s: run2.seconds.toFixed(1),
        run2_changes: changeCount(run2),
        rebuilt_on_noop: rebuiltOnNoop,
        restarted_on_keystone_change: restartedOnOption.length,
    } };
}

/** After destroy: whatever of the program's is still on the test host (empty when clean). */
export function destroyLeftovers(): string[] {
    return ["podman ps -a --format '{{.Names}}' | grep -q hotstack-os-", "podman images | grep -q hotstack-os-", "podman secret ls | grep -q hotstack-os-", "ls /etc/containers/systemd/hotstack-os-* >/dev/null 2>&1", "id hotstack", "test -e /var/lib/hotstack-os"]
        .filter((c) => onHostOk(c));
}

async function main(): Promise<void> {
    const conn = startTestHost(true);
    loadBaseImage();
    installDig();
    const state = stateFile("e2e-keystone");
    rmState(state);
    const checks = new Checks();
    const expect: Expect = (ok, what) => void checks.expect(ok, what);

    // The program runs from a copy (this test edits a Containerfile): the repository stays clean.
    const work = workCopy("keystone");
    const config: Record<string, string> = { serviceSet: "identity", tokenExpiration: "3600" };
    const opts = () => ({ stateFile: state, ...testStackConfig(conn, config) });
    const progress: string[] = [];
    const t0 = Date.now();
    const run1 = await converge("run 1 (bare host: images, secrets, six services)", { ...opts(), log: (l: string) => {
        if (l.startsWith("[provider] hotstack-os ")) progress.push(l);
        log(`    ${l}`);
    } }, work.program);
    expectProgress(progress, expect);
    // The builds themselves: from the first image build's start to the last one's end.
    const builds = run1.steps.filter((st) => st.type.endsWith(":ContainerImage") && st.op === "create" && st.startedAt && st.endedAt);
    expect(builds.length === 4, `the four images were built in run 1 (${builds.map((b) => b.urn.split("::").pop()).join(", ")})`);
    const imagesBuildS = builds.length ? Math.round((Math.max(...builds.map((b) => b.endedAt!)) - Math.min(...builds.map((b) => b.startedAt!))) / 1000) : "n/a";

    const { fig, tokenAt } = await identityChecks({ state, work, config, opts, conn, outputs: run1.outputs }, checks);

    log("secrets: the generated passwords must appear nowhere readable");
    const leaked = leaks(passwords(state), fs.readFileSync(state, "utf8"), expect);
    expect(leaked.length === 0, `no password leaked (${leaked.join("; ") || "none"})`);

    log("destroy (fresh process, state file only)");
    destroyFresh(state);
    const left = destroyLeftovers();
    expect(left.length === 0, `destroy leaves nothing the program made (${left.join("; ")})`);

    if (!process.env.KEEP_TESTHOST) stopTestHost();
    rmState(state);
    console.log(`\n${checks.summary()}`);
    console.log(figures({ images_build_s: imagesBuildS, first_token_s: ((tokenAt - t0) / 1000).toFixed(1), ...fig, secrets_leaked: leaked.length }));
    fs.rmSync(work.dir, { recursive: true, force: true });
    if (checks.failed.length) process.exitCode = 1;
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
