// The image tests start each role with the environment its unit gives it: the files in
// test/images/fixtures/env are what the service files render (test/images/unit-env.ts), so a
// change to a unit's environment cannot leave the image tests testing a stale one.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { ENV_DIR, imageTestEnvFiles } from "../images/unit-env";

describe("image test environment files", () => {
    test("are what the service files render (else: node -r ts-node/register/transpile-only test/images/unit-env.ts)", () => {
        const want = imageTestEnvFiles();
        const have = Object.fromEntries(fs.readdirSync(ENV_DIR).map((f) => [f, fs.readFileSync(path.join(ENV_DIR, f), "utf8")]));
        assert.ok(Object.keys(want).length >= 15);
        assert.deepEqual(Object.keys(have).sort(), Object.keys(want).sort(), "one file per container with an environment");
        for (const [f, text] of Object.entries(want)) assert.equal(have[f], text, `${f} is stale`);
        assert.match(want["heat-api.env"], /^HEAT_PUBLIC_URL=http:\/\/heat\.hotstack-os\.local:8004\/v1\/\$\(project_id\)s$/m, "values as the container sees them (podman's --env-file is literal)");
    });
});
