// The image tests mount what the service files render: every file in test/images/fixtures but
// the tests' own is what test/images/render-fixtures.ts renders, so a change to a service's
// config or environment cannot leave its image test testing stale text.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderFixtures, renderedOnDisk } from "../images/render-fixtures";

describe("image test fixtures", () => {
    test("are what the service files render (else: node -r ts-node/register/transpile-only test/images/render-fixtures.ts)", async () => {
        const want = await renderFixtures();
        const have = renderedOnDisk();
        assert.ok(Object.keys(want).length >= 30);
        assert.deepEqual(Object.keys(have).sort(), Object.keys(want).sort(), "the same files");
        for (const [f, content] of Object.entries(want)) assert.equal(have[f], content, `${f} is stale`);
    });

    test("hold the test network's addresses and secret tokens, and values as containers see them", async () => {
        const f = await renderFixtures();
        assert.match(f["ml2_conf.ini"], /^ovn_nb_connection = tcp:10\.214\.0\.31:6641$/m);
        assert.match(f["nova.conf"], /^host = hotstack-test-compute$/m);
        assert.match(f["keystone.conf"], /@@DB_PASSWORD@@/);
        assert.match(f["env/heat-api.env"], /^HEAT_PUBLIC_URL=http:\/\/heat\.hotstack-os\.local:8004\/v1\/\$\(project_id\)s$/m, "podman's --env-file is literal");
    });
});
