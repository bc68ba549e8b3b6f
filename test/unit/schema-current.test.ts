// hotstack-schema-current decides whether a service start may skip its db sync: its reading of
// the alembic heads must fail closed (a revision it cannot read means "sync"), never open.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";

const TOOL = path.join(__dirname, "../../assets/images/openstack/hotstack-schema-current");

/** A scripts directory with these files under versions/ (name -> content). */
function scripts(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "schema-current-"));
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, "versions", name)), { recursive: true });
        fs.writeFileSync(path.join(dir, "versions", name), text);
    }
    return dir;
}

function heads(dir: string): { code: number | null; out: string; err: string } {
    const r = spawnSync("python3", [TOOL, "--heads", "--scripts", dir], { encoding: "utf8" });
    return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

const rev = (id: string, down: string) => `"""${id}"""\nrevision = '${id}'\ndown_revision = ${down}\n`;

describe("hotstack-schema-current --heads", () => {
    test("a chain, a branch point and a merge: the merge is the one head; typed assignments count", () => {
        const dir = scripts({
            "__init__.py": "",
            "1.py": rev("r1", "None"),
            "2.py": "from typing import Union\nrevision: str = 'r2'\ndown_revision: Union[str, None] = 'r1'\n",
            "3.py": rev("r3", "'r1'"),
            "4.py": rev("r4", "('r2', 'r3')"),
        });
        assert.deepEqual(heads(dir), { code: 0, out: "r4", err: "" });
    });
    test("two open branches are two heads", () => {
        assert.equal(heads(scripts({ "1.py": rev("r1", "None"), "2.py": rev("r2", "'r1'"), "3.py": rev("r3", "'r1'") })).out, "r2\nr3");
    });
    test("a revision file in a subdirectory counts", () => {
        assert.equal(heads(scripts({ "1.py": rev("r1", "None"), "sub/2.py": rev("r2", "'r1'") })).out, "r2");
    });
    test("a revision written in a form it does not read fails closed instead of hiding the new head", () => {
        const r = heads(scripts({ "1.py": rev("r1", "None"), "2.py": "revision, down_revision = 'r2', 'r1'\n" }));
        assert.equal(r.code, 1);
        assert.match(r.err, /2\.py: no plain revision\/down_revision assignment/);
    });
    test("a parent nobody defines, or no revisions at all, fails closed", () => {
        const orphan = heads(scripts({ "2.py": rev("r2", "'r1'") }));
        assert.equal(orphan.code, 1);
        assert.match(orphan.err, /down_revision of unknown revisions: r1/);
        const empty = heads(scripts({}));
        assert.equal(empty.code, 1);
        assert.match(empty.err, /no alembic revisions under/);
    });
    test("PACKAGE/path is looked up where Python finds the package, without importing it", () => {
        const r = heads("nosuchpackage_hotstack/db/migrations");
        assert.equal(r.code, 1);
        assert.match(r.err, /no Python package nosuchpackage_hotstack/);
    });
});
