// Progress during long steps: the provider prints it on its process's output (the Pulumi CLI
// shows those lines; 3.270's dynamic providers have no engine connection for attached logs), and
// the harness relays it as the CLI does. Here an image build is followed step by step.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { ContainerImage } from "../../providers/container-image";
import { ensureTestImage } from "../support/images";
import { sh, suffix } from "../support/providers";
import { destroy, up } from "./engine";

describe("progress lines during a long step, through the real provider host", () => {
    const s = suffix();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-progress-"));
    const stateFile = path.join(os.tmpdir(), `hotstack-progress-${s}.json`);
    const name = `localhost/hotstack-test-progress-${s}:latest`;
    after(() => {
        sh(`podman rmi -f ${name} >/dev/null 2>&1 || true; rm -rf ${dir} ${stateFile}`);
    });

    test("each build step is reported, naming the image, while the build runs", { timeout: 120000 }, async () => {
        const base = ensureTestImage();
        // Four steps that take a while each: progress must arrive before the build ends.
        fs.mkdirSync(path.join(dir, "img"));
        fs.writeFileSync(path.join(dir, "img/Containerfile"), "ARG BASE\nFROM ${BASE}\nRUN sleep 4\nRUN sleep 4\nRUN echo done > /done\n");
        const seen: { at: number; line: string }[] = [];
        const prog = () => {
            new ContainerImage("img", { name, contextDir: dir, files: ["img/Containerfile"], containerfile: "img/Containerfile", buildArgs: { BASE: base }, parallel: 1 });
        };
        const r = await up(prog, { stateFile, config: { host: "local" }, log: (line) => seen.push({ at: Date.now(), line }) });
        const step = r.steps.find((st) => st.urn.endsWith("::img"))!;
        const progress = seen.filter((x) => x.line.startsWith(`[provider] hotstack-os image hotstack-test-progress-${s}: `));
        const steps = progress.filter((x) => /build step \d+\/\d+: /.test(x.line));
        assert.ok(steps.length >= 2, `build steps reported:\n${seen.map((x) => x.line).join("\n")}`);
        assert.ok(steps[0].at < step.endedAt! - 4000, "the first step was reported while the build still ran");
        assert.match(progress[0].line, /build started$/);
        assert.match(progress[progress.length - 1].line, /built$/);
        await destroy({ stateFile });
    });
});
