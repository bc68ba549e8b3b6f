// Lingering needs systemd-logind, which this machine does not run: linger is covered by
// test/host/*.test.ts on the disposable systemd test host (npm run test:host).
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { systemUserProvider } from "../../providers/system-user";
import { checked, create, read, serialized, sh, shOk, suffix, transports, update } from "../support/providers";

const groupsOf = (u: string) => sh(`id -nG ${u}`).trim().split(/\s+/).sort();

for (const t of transports()) {
    describe(`SystemUser [${t.name}]`, () => {
        test(`create, read, no-op diff, drift, update, delete [${t.name}]`, async () => {
            const p = await serialized(systemUserProvider);
            const name = `hstest${suffix()}`;
            const home = `/tmp/${name}-home`;
            sh(`groupadd -f hstestgrp`);
            try {
                const inputs = await checked(p, { host: t.host, name, home, groups: ["kvm"], comment: "HotStack test user" });
                const made = await create(p, inputs);
                assert.equal(made.id, name);
                assert.ok(made.outs.uid < 1000, "a system account");
                assert.deepEqual(groupsOf(name), ["kvm", name].sort());
                assert.equal(sh(`getent passwd ${name} | cut -d: -f5-7`).trim(), `HotStack test user:${home}:/usr/sbin/nologin`);
                assert.equal(sh(`stat -c %U ${home}`).trim(), name);

                const back = await read(p, name, made.outs);
                assert.equal((await p.diff(name, back.props, inputs)).changes, false);

                sh(`gpasswd -d ${name} kvm >/dev/null`); // drift by hand
                const drifted = await read(p, name, back.props);
                const d = await p.diff(name, drifted.props, inputs);
                assert.equal(d.changes, true);
                assert.deepEqual(d.replaces, [], "an update, not a replacement");
                assert.deepEqual((d as any).fields, ["groups"]);
                await update(p, name, drifted.props, inputs);
                assert.deepEqual(groupsOf(name), ["kvm", name].sort());

                // Dropping a group this resource added takes it away again; adding one adds it.
                const next = await checked(p, { host: t.host, name, home, groups: ["hstestgrp"], comment: "HotStack test user" });
                const outs = await update(p, name, back.props, next);
                assert.deepEqual(groupsOf(name), ["hstestgrp", name].sort());
                assert.deepEqual(outs.groups, ["hstestgrp"]);

                // A process of the user's, and one with only its real uid (a setuid helper it started): both keep userdel from working.
                sh(`(setsid setpriv --reuid ${name} --regid ${name} --clear-groups sleep 611 </dev/null >/dev/null 2>&1 &); (setsid setpriv --ruid ${name} --euid 0 --keep-groups sleep 612 </dev/null >/dev/null 2>&1 &); true`);
                // setsid returns before setpriv has exec'd sleep: wait for both (a busy machine took longer than one pgrep).
                assert.ok(shOk(`for i in $(seq 100); do pgrep -U ${name} -f 'sleep 612$' >/dev/null && pgrep -u ${name} -f 'sleep 611$' >/dev/null && exit 0; sleep 0.1; done; exit 1`), "both processes run");
                await p.delete(name, outs);
                assert.equal(shOk(`id ${name}`), false);
                assert.equal(shOk("pgrep -f 'sleep 61[12]$' >/dev/null"), false, "the user's processes are gone");
                assert.equal(shOk(`test -e ${home}`), false);
                assert.equal((await read(p, name, outs)).id, "", "a user that is gone reads as gone");
            } finally {
                sh(`pkill -f 'sleep 61[12]$'; userdel -r ${name} 2>/dev/null || true; groupdel hstestgrp 2>/dev/null || true`);
            }
        });

        test(`a home that existed before create stays on delete, whoever owns it [${t.name}]`, async () => {
            const p = await serialized(systemUserProvider);
            const name = `hshome${suffix()}`;
            const home = `/tmp/${name}-home`;
            // Left over from an earlier install, owned by someone else: userdel --remove would refuse (exit 12).
            sh(`install -d -m 0750 -o nobody ${home} && echo keep > ${home}/data`);
            try {
                const made = await create(p, await checked(p, { host: t.host, name, home }));
                assert.equal(made.outs.adopted, false, "the user is new");
                await p.delete(name, made.outs);
                assert.equal(shOk(`id ${name}`), false, "the user this program made is gone");
                assert.equal(sh(`stat -c %U:%a ${home}`).trim(), "nobody:750", "the home it did not make stays as it was");
                assert.equal(sh(`cat ${home}/data`).trim(), "keep");
            } finally {
                sh(`userdel ${name} 2>/dev/null || true; rm -rf ${home}`);
            }
        });

        test(`an existing user is adopted, never removed, and put back as it was [${t.name}]`, async () => {
            const p = await serialized(systemUserProvider);
            const name = `hsadopt${suffix()}`;
            const home = `/tmp/${name}`;
            sh(`useradd --system --shell /bin/sh --home-dir /nonexistent --comment 'was here before' ${name}`);
            try {
                const made = await create(p, await checked(p, { host: t.host, name, home, shell: "/bin/bash", comment: "HotStack", groups: ["kvm"] }));
                assert.equal(made.outs.adopted, true);
                assert.ok(groupsOf(name).includes("kvm"));
                assert.equal(sh(`getent passwd ${name} | cut -d: -f5-7`).trim(), `HotStack:${home}:/bin/bash`);
                assert.equal(sh(`stat -c %U ${home}`).trim(), name, "the missing home is made");
                await p.delete(name, made.outs);
                assert.ok(shOk(`id ${name}`), "the user stays");
                assert.ok(!groupsOf(name).includes("kvm"), "only the membership this program added is taken back");
                assert.equal(sh(`getent passwd ${name} | cut -d: -f5-7`).trim(), "was here before:/nonexistent:/bin/sh", "comment, home and shell as they were");
                assert.equal(shOk(`test -e ${home}`), false, "the home this program made goes");
            } finally {
                sh(`userdel -r ${name} 2>/dev/null || true; rm -rf ${home}`);
            }
        });
    });
}
