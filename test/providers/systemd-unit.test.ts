// SystemdUnit and lingering need systemd as PID 1 and logind, which this machine does not run:
// they are tested on the disposable test host (test/host, npm run test:host). Here they are
// reported as skipped with the reason, never passed without running. What needs no running
// manager is tested here: read and delete of a user unit whose user is gone or whose manager is
// not running (a system user without lingering has none, with or without systemd).
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { systemdUnitProvider } from "../../providers/systemd-unit";
import { checked, read, serialized, sh, suffix, transports } from "../support/providers";

const systemd = fs.existsSync("/run/systemd/system");
const reason = "needs systemd as PID 1 and logind: runs on the disposable test host (npm run test:host)";
for (const t of ["local", "ssh"]) {
    test(`SystemdUnit create/read/diff/drift/update/delete [${t}]`, { skip: systemd ? "this machine runs systemd: see npm run test:host" : reason }, () => {});
    test(`SystemUser lingering [${t}]`, { skip: systemd ? "this machine runs systemd: see npm run test:host" : reason }, () => {});
}

const sha = (s: string) => crypto.createHash("sha256").update(s).digest("hex");
/** Whether a path exists, a dangling symlink included. */
const present = (path: string) => {
    try {
        fs.lstatSync(path);
        return true;
    } catch {
        return false;
    }
};

for (const t of transports()) {
    describe(`SystemdUnit, a user unit without its manager [${t.name}]`, () => {
        test(`read reports a gone user as gone, the file without a manager as stopped; delete removes file and links [${t.name}]`, async () => {
            const p = await serialized(systemdUnitProvider);
            const user = `hsu${suffix()}`;
            const home = `/tmp/${user}`;
            const dir = `${home}/.config/systemd/user`;
            const name = "hotstack-test.service";
            const id = `user:${user}:${name}`;
            const content = "[Unit]\nDescription=test\n[Service]\nExecStart=/bin/sleep 1000\n[Install]\nWantedBy=default.target\n";
            const state = { host: t.host, name, scope: "user", user, enabled: true, active: true, restartOnChange: true, triggers: [], contentSha256: sha(content), adopted: false };

            assert.equal((await read(p, id, state)).id, "", "a unit of a user that no longer exists is gone");

            sh(`useradd --system --home-dir ${home} --create-home --shell /usr/sbin/nologin ${user}`);
            try {
                fs.mkdirSync(dir, { recursive: true });
                fs.writeFileSync(`${dir}/${name}`, content);
                const stopped = await read(p, id, state);
                assert.equal(stopped.id, id);
                assert.equal(stopped.props.contentSha256, sha(content), "the unit file's sha, read from the file");
                assert.equal(stopped.props.active, false, "no manager, nothing runs");
                assert.equal(stopped.props.enabled, false, "no install link");
                const inputs = await checked(p, { host: t.host, name, scope: "user", user, content });
                const d = await p.diff(id, stopped.props, inputs);
                assert.equal(d.changes, true, "the next update starts it");
                assert.deepEqual(d.replaces, []);
                assert.deepEqual((d as any).fields, ["enabled", "active"]);

                fs.mkdirSync(`${dir}/default.target.wants`);
                fs.symlinkSync(`${dir}/${name}`, `${dir}/default.target.wants/${name}`);
                assert.equal((await read(p, id, state)).props.enabled, true, "enabled is what its install link says");

                await p.delete(id, stopped.props);
                assert.equal(fs.existsSync(`${dir}/${name}`), false, "the file goes");
                assert.equal(present(`${dir}/default.target.wants/${name}`), false, "and its install link");
                assert.equal((await read(p, id, state)).id, "", "a unit file removed is gone");

                fs.writeFileSync(`${dir}/${name}`, "[Service]\nExecStart=/bin/true\n");
                assert.equal((await read(p, id, { ...state, contentSha256: sha("[Service]\nExecStart=/bin/true\n") })).props.enabled, true, "a unit without [Install] is static, which counts as enabled");
            } finally {
                sh(`userdel -r ${user} 2>/dev/null || true; rm -rf ${home}`);
            }
            await p.delete(id, state); // the user is gone: nothing left to remove
        });
    });
}
