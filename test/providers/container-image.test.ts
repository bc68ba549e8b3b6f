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

                await p.delete(name, outs);
                assert.equal(shOk(`podman image exists ${name}`), false);
            } finally {
                sh(`podman rmi -f ${name} 2>/dev/null || true`);
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
            // queue: the order is then the queue's alone, whatever the machine's load.
            const holder = spawn("sh", ["-c", `exec 9>>${slot}; flock 9; echo held; read _`], { stdio: ["pipe", "pipe", "inherit"] });
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

        test(`delete removes what killed builds left on the image or its cached layers (working containers), never a container that uses it [${t.name}]`, async () => {
            const p = await serialized(containerImageProvider);
            const base = ensureTestImage();
            const tag = suffix();
            const name = `localhost/hotstack-test-parent-${tag}:latest`;
            // The image's first step is cached by an earlier build of it that was killed in its second.
            const dir = context({
                "img/Containerfile": `ARG BASE\nFROM \${BASE}\nRUN echo layer-${tag}\nRUN echo done\n`,
                "killed/Containerfile": `ARG BASE\nFROM \${BASE}\nRUN echo layer-${tag}\nRUN sleep 601\n`,
            });
            const child = context({ Containerfile: `FROM ${name}\nRUN sleep 602\n` });
            const inputs = await checked(p, { host: t.host, name, contextDir: dir, files: ["img/Containerfile"], containerfile: "img/Containerfile", buildArgs: { BASE: base }, parallel: 1, contextHash: contextHash(dir, ["img/Containerfile"], "img/Containerfile", { BASE: base }) });
            const user = `hotstack-test-user-${tag}`;
            const external = () => sh("podman ps -a --external --no-trunc --format '{{.ID}} {{.Status}}'").trim().split("\n").filter((l) => l.endsWith(" Storage")).map((l) => l.split(" ")[0]);
            const before = new Set(external());
            const ours = () => external().filter((c) => !before.has(c));
            /** Starts a build of `ctx`, kills it outright in its RUN step `sleep n`: its working container stays. */
            const killedBuild = async (args: string, ctx: string, n: number) => {
                sh(`(podman build ${args} ${ctx} >/dev/null 2>&1 &); true`);
                await until(() => shOk(`pgrep -f 'sleep ${n}$' >/dev/null`), 60_000, `the build's RUN step (sleep ${n}) runs`);
                sh(`pkill -KILL -f "[p]odman build ${args} ${ctx}"; pkill -KILL -f "sleep ${n}$"; true`);
                await until(() => !shOk(`pgrep -f "[p]odman build ${args} ${ctx}" >/dev/null`), 30_000, "the killed build is gone");
            };
            let made: Awaited<ReturnType<typeof create>> | undefined;
            try {
                await killedBuild(`--build-arg BASE=${base} -f ${dir}/killed/Containerfile`, dir, 601);
                made = await create(p, inputs);
                await killedBuild("", child, 602);
                // Each killed build leaves one on the image its RUN step ran on (the cached layer; this
                // image) and the first one one more on its FROM image (the base: not this image's).
                assert.equal(ours().length, 3, "three working containers left in storage");
                // A container of someone else's that uses the image: the delete fails and names it.
                sh(`podman create --runtime runc --name ${user} ${name} true >/dev/null`);
                await assert.rejects(p.delete(name, made.outs), (e: Error) => /in use by a container/.test(e.message));
                assert.equal(shOk(`podman container exists ${user}`), true, "the user's container is kept");
                sh(`podman rm ${user} >/dev/null`);
                await p.delete(name, made.outs);
                assert.equal(shOk(`podman image exists ${made.outs.imageId}`), false, "the image is removed");
                const images = new Map(sh("podman ps -a --external --no-trunc --format '{{.ID}} {{.Image}}'").trim().split("\n").map((l) => l.split(" ") as [string, string]));
                const kept = ours().map((c) => images.get(c));
                assert.deepEqual(kept, [base], "the working containers on the image and its layer are removed, the one on the base image is not");
            } finally {
                sh(`podman rm -f ${user} ${ours().join(" ")} >/dev/null 2>&1; podman rmi -f ${name} >/dev/null 2>&1; true`);
                for (const d of [dir, child]) fs.rmSync(d, { recursive: true, force: true });
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
