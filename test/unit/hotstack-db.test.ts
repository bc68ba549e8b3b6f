// hotstack_db.py (the openstack image's database helpers' module): reading a config and wording
// errors for a log. python3 runs the real module; PyMySQL and SQLAlchemy are not needed for these.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";

const MODULE_DIR = path.resolve(__dirname, "../../assets/images/openstack");

/** Runs python3 with the module importable; returns stdout (trimmed). */
function py(code: string): string {
    const r = spawnSync("python3", ["-c", code], { encoding: "utf8", env: { ...process.env, PYTHONPATH: MODULE_DIR } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

describe("hotstack_db", () => {
    test("a config that does not parse is worded by its error type alone, never a line of it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-db-"));
        try {
            const conf = path.join(dir, "nova.conf");
            // configparser quotes the offending line in its message: here, one with a password.
            fs.writeFileSync(conf, "[keystone_authtoken]\npassword S3cretPw\n");
            const out = py(`import hotstack_db\ntry:\n    hotstack_db.read_config(${JSON.stringify(conf)})\nexcept Exception as e:\n    print(repr(str(e)).count("S3cretPw"), hotstack_db.describe(e))`);
            assert.equal(out, "1 ParsingError", "the raw message has the password; the description does not");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("a missing file is named by its OS error; [DEFAULT] is a section like any other", () => {
        assert.equal(py(`import hotstack_db\ntry:\n    hotstack_db.read_config("/nonexistent/nova.conf")\nexcept Exception as e:\n    print(hotstack_db.describe(e))`), "FileNotFoundError: No such file or directory");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-db-"));
        try {
            const conf = path.join(dir, "x.conf");
            fs.writeFileSync(conf, "[DEFAULT]\ntransport_url = rabbit://u:p@mq:5672/\n[database]\nconnection = mysql+pymysql://u:p@db/x\n");
            assert.equal(py(`import hotstack_db\ncp = hotstack_db.read_config(${JSON.stringify(conf)})\nprint(cp.has_option("database", "transport_url"), cp.get("DEFAULT", "transport_url"))`), "False rabbit://u:p@mq:5672/");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
