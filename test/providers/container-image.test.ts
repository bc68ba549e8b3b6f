import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { containerImageProvider, contextHash } from "../../providers/container-image";
import { ensureTestImage } from "../support/images";
import { closeAllConnections } from "../../providers/host/transport";
import { checked, create, read, serialized, sh, shOk, suffix, transports, update } from "../support/providers";

function context(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-ctx-"));
    for (const [f, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), c);
    }
    return dir;
}

/** Waits until `ok()` holds (polling), or fails naming what was awaited. */
async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (!ok()) {
        if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
        await new Promise((r) => setTimeout(r, 250));
    }
}

/** A RUN step only this test runs: `sleep N` with a random N, found with pgrep. */
const sleeper = () => 400 + Math.floor(Math.random() * 500);
const stepRunning = (n: number) => shOk(`pgrep -f 'sleep ${n}$' >/dev/null`);

for (const t of transports()) {
    describe(`ContainerImage [${t.name}]`, () => {
        test(`build, read, no-op, context change rebuilds, failed build explains itself, delete [${t.name}]`, async () => {
            const p = await serialized(containerImageProvider);
            const base = ensureTestImage();
            const name = `localhost/hotstack-test-img-${suffix()}:latest`;
            const dir = context({ "img/Containerfile": "ARG BASE\nFROM ${BASE}\nCOPY img/hello /hello\n", "img/hello": "one\n", "unrelated.txt": "not sent\n" });
            const files = ["img/Containerfile", "img/hello"];
            const news = (f = files) => ({ host: t.host, name, contextDir: dir, files: f, containerfile: "img/Containerfile", buildArgs: { BASE: base }, parallel: 1, contextHash: contextHash(dir, f, "img/Containerfile", { BASE: base }) });
            const userCtr = `hotstack-test-usertag-${suffix()}`, userTag = `localhost/${userCtr}:latest`;
            try {
                const inputs = await checked(p, news());
                const made = await create(p, inputs);
                assert.match(made.outs.imageId, /^[0-9a-f]{64}$/);
                assert.equal(sh(`podman run --rm ${name} cat /hello`), "one\n");

                const back = await read(p, name, made.outs);
                assert.equal((await p.diff(name, back.props, inputs)).changes, false, "same context: nothing to build");

                fs.writeFileSync(path.join(dir, "unrelated.txt"), "changed\n");
                assert.equal((await p.diff(name, back.props, await checked(p, news()))).changes, false, "a file outside the list does not count");

                fs.writeFileSync(path.join(dir, "img/hello"), "two\n");
                const changed = await checked(p, news());
                const d = await p.diff(name, back.props, changed);
                assert.equal(d.changes, true);
                assert.deepEqual(d.replaces, [], "a rebuild in place, not a replacement");
                assert.deepEqual((d as any).fields, ["contextHash"]);
                const outs = await update(p, name, back.props, changed);
                assert.notEqual(outs.imageId, made.outs.imageId, "a new image");
                assert.equal(sh(`podman run --rm ${name} cat /hello`), "two\n");
                assert.equal(shOk(`podman image exists ${made.outs.imageId}`), false, "the old build is removed");

                fs.writeFileSync(path.join(dir, "img/Containerfile"), "ARG BASE\nFROM ${BASE}\nRUN echo about-to-fail && false\n");
                await assert.rejects(update(p, name, outs, await checked(p, news())), (e: Error) => /failed at: STEP \d+\/\d+: RUN echo about-to-fail/.test(e.message) && /about-to-fail/.test(e.message));

                // A user's own tag for it, and a container of theirs on it: delete takes only our name.
                sh(`podman tag ${name} ${userTag} && podman create --runtime runc --name ${userCtr} ${userTag} true >/dev/null`);
                await p.delete(name, outs);
                assert.equal(shOk(`podman image exists ${name}`), false);
                assert.equal(sh(`podman image inspect --format '{{.Id}}' ${userTag}`).trim(), outs.imageId, "the user's tag keeps the image");
                assert.equal(shOk(`podman container exists ${userCtr}`), true, "the user's container is kept");
                sh(`podman rm ${userCtr} >/dev/null && podman rmi ${userTag} >/dev/null`);
            } finally {
                sh(`podman rm -f ${userCtr} 2>/dev/null; podman rmi -f ${name} ${userTag} 2>/dev/null || true`);
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        test(`delete finds by its recorded id an image an earlier failed removal left untagged; one tagged again by a user is left alone [${t.name}]`, async () => {
            const p = await serialized(containerImageProvider);
            const base = ensureTestImage();
            const name = `localhost/hotstack-test-untagged-${suffix()}:latest`;
            const userTag = `localhost/hotstack-test-retagged-${suffix()}:latest`;
            const dir = context({ "img/Containerfile": "ARG BASE\nFROM ${BASE}\nCOPY img/hello /hello\n", "img/hello": `${suffix()}\n` });
            const news = () => ({ host: t.host, name, contextDir: dir, files: ["img/Containerfile", "img/hello"], containerfile: "img/Containerfile", buildArgs: { BASE: base }, parallel: 1, contextHash: contextHash(dir, ["img/Containerfile", "img/hello"], "img/Containerfile", { BASE: base }) });
            const ids: string[] = [];
            try {
                const first = await create(p, await checked(p, news()));
                ids.push(first.outs.imageId);
                // What `podman rmi` leaves when it fails after untagging: the image, without a name.
                sh(`podman untag ${first.outs.imageId}`);
                await p.delete(name, first.outs);
                assert.equal(shOk(`podman image exists ${first.outs.imageId}`), false, "the untagged image is removed by its id");

                // The same image named again by a user (after our name went): theirs now, kept.
                fs.writeFileSync(path.join(dir, "img/hello"), `${suffix()}\n`);
                const second = await create(p, await checked(p, news()));
                ids.push(second.outs.imageId);
                sh(`podman tag ${second.outs.imageId} ${userTag} && podman untag ${second.outs.imageId} ${name}`);
                await p.delete(name, second.outs);
                assert.equal(sh(`podman image inspect --format '{{.Id}}' ${userTag}`).trim(), second.outs.imageId, "the user's name keeps it");
            } finally {
                sh(`podman rmi -f ${name} ${userTag} ${ids.join(" ")} 2>/dev/null || true`);
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        test(`builds waiting for the slot take it in priority order, one arriving during a build goes before lower ones; a ticket left by a killed run does not block [${t.name}]`, async () => {
            const p = await serialized(containerImageProvider);
            const base = ensureTestImage();
            const dir = context({ "img/Containerfile": "ARG BASE\nFROM ${BASE}\nARG WHO\nARG SLEEP\nRUN echo $WHO && sleep $SLEEP\n" });
            const tag = suffix();
            const nameOf = (who: string) => `localhost/hotstack-test-queue-${who}-${tag}:latest`;
            const image = (who: string, priority: number, sleep: number) => {
                const buildArgs = { BASE: base, WHO: who, SLEEP: String(sleep) };
                return { host: t.host, name: nameOf(who), contextDir: dir, files: ["img/Containerfile"], containerfile: "img/Containerfile", buildArgs, parallel: 1, priority, contextHash: contextHash(dir, ["img/Containerfile"], "img/Containerfile", buildArgs) };
            };
            const slot = "/run/lock/hotstack-os-build.1", queue = "/run/lock/hotstack-os-build.queue";
            // A ticket of priority 1 that nobody holds, as a run killed while waiting leaves it.
            const stale = `${queue}/1.999999`;
            sh(`mkdir -p ${queue} && touch ${stale}`);
            // The slot held from outside (as another run's build would) until both first builds
            // queue: the order is then the queue's alone, whatever the machine's load. It names
            // itself in the slot's record, as a build does (a slot whose recorded holder is gone is stopped).
            const holder = spawn("sh", ["-c", `exec 9>>${slot}; flock 9; printf "outside %s test %s\\n" $$ $(date +%s) > ${slot}; echo held; read _`], { stdio: ["pipe", "pipe", "inherit"] });
            await new Promise((r) => holder.stdout!.once("data", r));
            const tickets = () => fs.readdirSync(queue).filter((f) => /^\d+\.\d+$/.test(f));
            const building = (who: string) => shOk(`grep -q '^hotstack-test-queue-${who}-' ${slot} && ! flock -n ${slot} true`);
            try {
                const late = create(p, await checked(p, image("late", 50, 1)));
                const first = create(p, await checked(p, image("first", 30, 8)));
                await until(() => ["30.", "50."].every((pre) => tickets().some((f) => f.startsWith(pre))), 60_000, "both builds hold a ticket");
                holder.stdin!.end();
                await until(() => building("first"), 60_000, "the lower priority (30) takes the freed slot");
                // "urgent" (10) arrives while "first" builds: it goes before "late" (50), waiting longer.
                const urgent = create(p, await checked(p, image("urgent", 10, 1)));
                await until(() => tickets().some((f) => f.startsWith("10.")), 60_000, "urgent holds a ticket");
                assert.ok(building("first"), "urgent queued while first still builds (else this run proves nothing: first's step is too short for this machine)");
                await Promise.all([late, first, urgent]);
                // The order the slot gave: each image's creation time (builds ran one at a time).
                const created = ["late", "first", "urgent"].map((who) => ({ who, at: Number(sh(`podman image inspect --format '{{.Created.UnixNano}}' ${nameOf(who)}`).trim()) }));
                assert.ok(created.every((c) => c.at > 0), JSON.stringify(created));
                assert.deepEqual(created.sort((a, b) => a.at - b.at).map((c) => c.who), ["first", "urgent", "late"]);
                assert.equal(fs.existsSync(stale), false, "the stale ticket was removed");
            } finally {
                holder.kill();
                sh(`rm -f ${stale}; for w in first late urgent; do podman rmi -f ${nameOf("$w")} >/dev/null 2>&1; done; true`);
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        test(`delete removes what our killed builds left on the image or its cached layers; a container or a build leftover of someone else's fails it, named [${t.name}]`, async () => {
            const p = await serialized(containerImageProvider);
            const base = ensureTestImage();
            const tag = suffix();
            const name = `localhost/hotstack-test-parent-${tag}:latest`;
            const childName = `localhost/hotstack-test-child-${tag}:latest`;
            const otherName = `localhost/hotstack-test-other-${tag}:latest`;
            // The image's first step is cached by an earlier build of it that was killed in its second.
            const dir = context({
                "img/Containerfile": `ARG BASE\nFROM \${BASE}\nRUN echo layer-${tag}\nRUN echo done\n`,
                "killed/Containerfile": `ARG BASE\nFROM \${BASE}\nRUN echo layer-${tag}\nRUN sleep 601\n`,
                "child/Containerfile": `ARG BASE\nFROM \${BASE}\nRUN sleep 602\n`,
                "other/Containerfile": `ARG BASE\nFROM \${BASE}\nRUN sleep 604\n`,
            });
            const user = context({ Containerfile: `FROM ${name}\nRUN sleep 603\n` });
            const image = (n: string, cf: string, b: string, parallel = 1) => checked(p, { host: t.host, name: n, contextDir: dir, files: [cf], containerfile: cf, buildArgs: { BASE: b }, parallel, contextHash: contextHash(dir, [cf], cf, { BASE: b }) });
            const userContainer = `hotstack-test-user-${tag}`;
            const storage = () => sh("podman ps -a --external --no-trunc --format '{{.ID}} {{.Status}}'").trim().split("\n").filter((l) => l.endsWith(" Storage")).map((l) => l.split(" ")[0]);
            const before = new Set(storage());
            const ours = () => storage().filter((c) => !before.has(c));
            const imageOf = (c: string) => sh("podman ps -a --external --no-trunc --format '{{.ID}} {{.Image}}'").trim().split("\n").find((l) => l.startsWith(c))?.split(" ")[1];
            /** Kills, outright, the podman build whose RUN step is `sleep n` (a build of ours or the user's). */
            const killAt = async (n: number, pattern: string) => {
                await until(() => shOk(`pgrep -f 'sleep ${n}$' >/dev/null`), 60_000, `the build's RUN step (sleep ${n}) runs`);
                sh(`pkill -KILL -f "${pattern}"; pkill -KILL -f "sleep ${n}$"; true`);
                await until(() => !shOk(`pgrep -f "${pattern}" >/dev/null`), 30_000, "the killed build is gone");
            };
            const ourBuild = (n: string) => `[p]odman build .* -t ${n} `;
            let made: Awaited<ReturnType<typeof create>> | undefined;
            try {
                // Our build of the image, killed in its second step: its first step stays cached.
                const dying = create(p, await image(name, "killed/Containerfile", base)).then(() => "built", (e: Error) => e.message);
                await killAt(601, ourBuild(name));
                assert.notEqual(await dying, "built");
                made = await create(p, await image(name, "img/Containerfile", base));
                // Our build of another image FROM it, killed: a working container on the image itself.
                const dyingChild = create(p, await image(childName, "child/Containerfile", name)).then(() => "built", (e: Error) => e.message);
                await killAt(602, ourBuild(childName));
                assert.notEqual(await dyingChild, "built");
                const ourLeftovers = ours();
                assert.equal(ourLeftovers.length, 3, "our killed builds left three working containers (one on the base)");
                // Someone else's: a container, and a build of theirs FROM the image killed outright.
                sh(`podman create --runtime runc --name ${userContainer} ${name} true >/dev/null`);
                const userId = sh(`podman container inspect --format '{{.Id}}' ${userContainer}`).trim();
                sh(`(podman build ${user} >/dev/null 2>&1 &); true`);
                await killAt(603, `[p]odman build ${user}`);
                const userLeftover = ours().find((c) => !ourLeftovers.includes(c))!;
                assert.ok(userLeftover, "the user's killed build left a working container");
                await assert.rejects(p.delete(name, made.outs), (e: Error) => /used by containers this program did not make or a build still runs in: [0-9a-f]{12} [0-9a-f]{12} \(/.test(e.message) && [userId, userLeftover].every((c) => e.message.includes(c.slice(0, 12))));
                assert.equal(shOk(`podman container exists ${userContainer}`), true, "the user's container is kept");
                assert.ok(ours().includes(userLeftover), "the user's build leftover is kept");
                assert.equal(shOk(`podman image exists ${name}`), true, "the image keeps its name (nothing was changed)");
                sh(`podman rm ${userContainer} >/dev/null; podman rm -f ${userLeftover} >/dev/null`);
                // Builds of ours that run: one elsewhere (another image) changes nothing; one FROM the image fails the delete, named.
                const other = create(p, await image(otherName, "other/Containerfile", base, 2)).then(() => "built", (e: Error) => e.message);
                await until(() => shOk("pgrep -f 'sleep 604$' >/dev/null"), 60_000, "the other build's RUN step (sleep 604) runs");
                const live = create(p, await image(childName, "child/Containerfile", name, 2)).then(() => "built", (e: Error) => e.message);
                await until(() => shOk("pgrep -f 'sleep 602$' >/dev/null"), 60_000, "the build FROM the image runs");
                const running = ours().filter((c) => !ourLeftovers.includes(c) && imageOf(c) !== base);
                await assert.rejects(p.delete(name, made.outs), (e: Error) => /or a build still runs in: [0-9a-f]{12}( [0-9a-f]{12})* \(/.test(e.message) && running.every((c) => e.message.includes(c.slice(0, 12))));
                await killAt(602, ourBuild(childName));
                assert.notEqual(await live, "built");
                // Its build ended: what it left goes with the image, while the other build still runs.
                await p.delete(name, made.outs);
                assert.equal(shOk(`podman image exists ${made.outs.imageId}`), false, "the image is removed");
                assert.ok(shOk("pgrep -f 'sleep 604$' >/dev/null"), "the other build ran all along");
                await killAt(604, ourBuild(otherName));
                assert.notEqual(await other, "built");
                const kept = ours().map(imageOf);
                assert.ok(kept.length >= 2 && kept.every((i) => i === base), `our working containers on the image and its layer are removed, those on the base image are not: ${kept}`);
            } finally {
                sh(`podman rm -f ${userContainer} ${ours().join(" ")} >/dev/null 2>&1; podman rmi -f ${childName} ${otherName} ${name} >/dev/null 2>&1; true`);
                for (const d of [dir, user]) fs.rmSync(d, { recursive: true, force: true });
            }
        });

        test(`a build whose connection is cut stops with its RUN step and frees its slot [${t.name}]`, { skip: t.name === "local" && "cutting a connection is an SSH matter" }, async () => {
            const p = await serialized(containerImageProvider);
            const base = ensureTestImage();
            const n = sleeper();
            const dir = context({ "img/Containerfile": `ARG BASE\nFROM \${BASE}\nRUN sleep ${n}\n` });
            const name = `localhost/hotstack-test-cut-${suffix()}:latest`;
            const inputs = await checked(p, { host: t.host, name, contextDir: dir, files: ["img/Containerfile"], containerfile: "img/Containerfile", buildArgs: { BASE: base }, parallel: 1, contextHash: contextHash(dir, ["img/Containerfile"], "img/Containerfile", { BASE: base }) });
            const workingContainers = () => sh("podman ps -a --external -q | wc -l").trim();
            const before = workingContainers();
            const building = create(p, inputs).then(() => "built", (e: Error) => e.message);
            try {
                await until(() => stepRunning(n), 60_000, "the build's RUN step started");
                await closeAllConnections();
                assert.match(await building, /build image .* failed on/, "the run sees its build fail");
                await until(() => !stepRunning(n), 15_000, "the RUN step stopped once the connection was gone");
                await until(() => !shOk(`pgrep -f -- '[-]t ${name} ' >/dev/null`), 15_000, "no podman build left (it fails the build and exits)");
                await until(() => shOk("flock -n /run/lock/hotstack-os-build.1 true"), 5_000, "the build slot is free");
                assert.equal(workingContainers(), before, "podman removed the build's working container (it was not killed itself)");
            } finally {
                sh(`pkill -f 'sleep ${n}$'; podman rmi -f ${name} >/dev/null 2>&1; true`);
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        test(`a slot still held after its build ended (by a process that escaped the build) is freed, said so [${t.name}]`, async () => {
            const p = await serialized(containerImageProvider);
            const base = ensureTestImage();
            const n = sleeper();
            const slot = "/run/lock/hotstack-os-build.1";
            // What a build of an earlier version (whose podman held the lock) leaves when one of its
            // processes escapes it: the recorded build has ended, a process it started holds the lock.
            sh(`setsid sh -c 'exec 9>>${slot}; flock 9; printf "hotstack-test-gone %s earlier-run %s\\n" $$ $(date +%s) > ${slot}; sleep ${n} & exit 0' </dev/null >/dev/null 2>&1`);
            const dir = context({ "img/Containerfile": "ARG BASE\nFROM ${BASE}\nRUN echo built > /built\n" });
            const name = `localhost/hotstack-test-heldslot-${suffix()}:latest`;
            const said: string[] = [];
            const log = console.log;
            try {
                await until(() => stepRunning(n) && !shOk(`flock -n ${slot} true`), 5_000, "the escaped process holds the slot");
                console.log = (...a: unknown[]) => void said.push(a.join(" "));
                const timeout = new Promise<never>((_, no) => setTimeout(() => no(new Error("not built within 120 s: the slot stayed held")), 120_000).unref());
                const made = await Promise.race([create(p, await checked(p, { host: t.host, name, contextDir: dir, files: ["img/Containerfile"], containerfile: "img/Containerfile", buildArgs: { BASE: base }, parallel: 1, contextHash: contextHash(dir, ["img/Containerfile"], "img/Containerfile", { BASE: base }) })), timeout]);
                console.log = log;
                assert.ok(said.some((l) => /slot 1 was still held after its build of hotstack-test-gone from an earlier run ended: stopped what it left holding it \(pids \d+\)/.test(l)), `said so: ${said.join(" | ")}`);
                assert.equal(stepRunning(n), false, "the escaped process was stopped");
                assert.equal(sh(`podman run --rm ${made.outs.imageId} cat /built`), "built\n", "and the build ran");
            } finally {
                console.log = log;
                sh(`pkill -f 'sleep ${n}$'; podman rmi -f ${name} >/dev/null 2>&1; true`);
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        test(`a running build keeps its slot while another waits, even when its record names a gone process [${t.name}]`, async () => {
            const p = await serialized(containerImageProvider);
            const base = ensureTestImage();
            const n = sleeper() % 20 + 30;
            const slot = "/run/lock/hotstack-os-build.1";
            const tag = suffix();
            const image = (who: string, run: string) => {
                const dir = context({ "img/Containerfile": `ARG BASE\nFROM \${BASE}\nRUN ${run}\n` });
                return { dir, inputs: { host: t.host, name: `localhost/hotstack-test-keep-${who}-${tag}:latest`, contextDir: dir, files: ["img/Containerfile"], containerfile: "img/Containerfile", buildArgs: { BASE: base }, parallel: 1, contextHash: contextHash(dir, ["img/Containerfile"], "img/Containerfile", { BASE: base }) } };
            };
            const long = image("long", `sleep ${n}`), short = image("short", `echo ${tag} > /short`);
            const said: string[] = [];
            const log = console.log;
            try {
                const first = create(p, await checked(p, long.inputs));
                await until(() => stepRunning(n), 60_000, "the long build's RUN step started");
                // What a stale record looks like (a gone pid): the waiting build judges it so, but
                // what holds the slot is the running build's own holder, which it must leave alone.
                sh(`read -r s _ r t < ${slot}; printf '%s 2147480 %s %s\\n' "$s" "$r" "$t" > ${slot}`);
                console.log = (...a: unknown[]) => void said.push(a.join(" "));
                const second = await create(p, await checked(p, short.inputs));
                console.log = log;
                const made = await first;
                assert.ok(said.some((l) => /waiting for a build slot/.test(l)), `the second build waited: ${said.join(" | ")}`);
                assert.ok(!said.some((l) => /stopped what it left/.test(l)), `nothing was stopped: ${said.join(" | ")}`);
                assert.match(made.outs.imageId, /^[0-9a-f]{64}$/, "the long build finished");
                assert.equal(sh(`podman run --rm ${second.outs.imageId} cat /short`), `${tag}\n`);
            } finally {
                console.log = log;
                sh(`pkill -f 'sleep ${n}$'; podman rmi -f ${long.inputs.name} ${short.inputs.name} >/dev/null 2>&1; true`);
                for (const d of [long.dir, short.dir]) fs.rmSync(d, { recursive: true, force: true });
            }
        });

        test(`a build of the same image left by an earlier run is stopped, said so, and built anew [${t.name}]`, async () => {
            const p = await serialized(containerImageProvider);
            const base = ensureTestImage();
            const n = sleeper();
            const name = `localhost/hotstack-test-orphan-${suffix()}:latest`;
            const dirs = [context({ "img/Containerfile": `ARG BASE\nFROM \${BASE}\nRUN sleep ${n}\n` }), context({ "img/Containerfile": "ARG BASE\nFROM ${BASE}\nRUN echo anew > /anew\n" })];
            const image = (dir: string) => ({ host: t.host, name, contextDir: dir, files: ["img/Containerfile"], containerfile: "img/Containerfile", buildArgs: { BASE: base }, parallel: 1, contextHash: contextHash(dir, ["img/Containerfile"], "img/Containerfile", { BASE: base }) });
            // The earlier run: its build keeps running (its connection lingers, as a half-open one does).
            const earlier = create(p, await checked(p, image(dirs[0]))).then(() => "built", (e: Error) => e.message);
            const said: string[] = [];
            const log = console.log;
            try {
                await until(() => stepRunning(n), 60_000, "the earlier run's RUN step started");
                delete (globalThis as any)[Symbol.for("hotstack-os.build-run-id")]; // what follows is another run
                console.log = (...a: unknown[]) => void said.push(a.join(" "));
                const made = await create(p, await checked(p, image(dirs[1])));
                console.log = log;
                assert.ok(said.some((l) => /a build of hotstack-test-orphan-\w+ from an earlier run is still running \(\d+ s\): stopped/.test(l)), `said so: ${said.join(" | ")}`);
                assert.equal(sh(`podman run --rm ${made.outs.imageId} cat /anew`), "anew\n", "this run's build");
                assert.match(await earlier, /failed/, "the earlier build was stopped");
                assert.equal(stepRunning(n), false, "with its RUN step");
            } finally {
                console.log = log;
                sh(`pkill -f 'sleep ${n}$'; podman rmi -f ${name} >/dev/null 2>&1; true`);
                for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
            }
        });
    });
}
