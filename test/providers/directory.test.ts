import * as assert from "node:assert/strict";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { directoryProvider } from "../../providers/directory";
import { checked, create, read, serialized, sh, suffix, transports, update } from "../support/providers";

const stat = (p: string) => sh(`stat -c '%a %U %G' ${p}`).trim();

for (const t of transports()) {
    describe(`Directory [${t.name}]`, () => {
        test(`create, read, no-op diff, drift, update, delete [${t.name}]`, async () => {
            const p = await serialized(directoryProvider);
            const root = `/tmp/hotstack-test-dir-${suffix()}`;
            const path = `${root}/shared/instances`;
            const inputs = await checked(p, { host: t.host, path, group: "kvm", mode: "2775" });

            const made = await create(p, inputs);
            assert.equal(made.id, path);
            assert.equal(stat(path), "2775 root kvm");
            assert.equal(made.outs.adopted, false);
            // setgid: files created inside inherit the group
            sh(`touch ${path}/f`);
            assert.equal(sh(`stat -c %G ${path}/f`).trim(), "kvm");

            const back = await read(p, made.id, made.outs);
            assert.equal(back.id, path);
            assert.equal((await p.diff(path, back.props, inputs)).changes, false, "second look: nothing to do");

            sh(`chmod 0700 ${path}`); // drift by hand (GNU chmod keeps setgid on directories)
            const drifted = await read(p, made.id, back.props);
            assert.equal(drifted.props.mode, "2700");
            const d = await p.diff(path, drifted.props, inputs);
            assert.equal(d.changes, true);
            assert.deepEqual(d.replaces, [], "an update, not a replacement");

            await update(p, path, drifted.props, inputs);
            assert.equal(stat(path), "2775 root kvm");

            const to0755 = await checked(p, { host: t.host, path, mode: "755" });
            assert.equal(to0755.mode, "0755");
            await update(p, path, inputs, to0755);
            assert.equal(stat(path), "755 root kvm", "setgid cleared on a mode change; the group is no longer managed and stays");

            await p.delete(path, { ...made.outs, ...to0755 });
            assert.equal(fs.existsSync(root), false, "the directory and the parents it made are gone");
        });

        test(`a directory that existed before is adopted, then put back as it was [${t.name}]`, async () => {
            const p = await serialized(directoryProvider);
            const path = `/tmp/hotstack-test-adopt-${suffix()}`;
            sh(`mkdir -m 0750 ${path} && touch ${path}/keep`);
            try {
                const inputs = await checked(p, { host: t.host, path, group: "kvm", mode: "2775" });
                const made = await create(p, inputs);
                assert.equal(made.outs.adopted, true);
                assert.equal(stat(path), "2775 root kvm");
                await p.delete(path, made.outs);
                assert.equal(stat(path), "750 root root", "original owner and mode restored");
                assert.ok(fs.existsSync(`${path}/keep`), "content untouched");
            } finally {
                sh(`rm -rf ${path}`);
            }
        });

        test(`create is safe to re-run after a crash midway [${t.name}]`, async () => {
            const p = await serialized(directoryProvider);
            const path = `/tmp/hotstack-test-crash-${suffix()}/d`;
            const inputs = await checked(p, { host: t.host, path, mode: "0700" });
            const first = await create(p, inputs);
            // The engine never recorded the first create (crash): it runs create again.
            const again = await create(p, inputs);
            assert.equal(again.outs.adopted, false, "still ours: the ledger says this program made it");
            await p.delete(path, again.outs);
            assert.equal(fs.existsSync(path.replace(/\/d$/, "")), false);
            assert.equal(first.id, again.id);
        });

        test(`delete detaches binds stacked on the path itself, busy with an open file [${t.name}]`, async () => {
            const p = await serialized(directoryProvider);
            const path = `/tmp/hotstack-test-dir-${suffix()}/cinder-nfs`;
            const made = await create(p, await checked(p, { host: t.host, path }));
            // as the shared-mounts unit leaves it when a guest still has a volume open
            // (twice: a bind propagated onto it stacks a second mount there)
            sh(`mount --bind ${path} ${path} && mount --make-shared ${path} && mount --bind ${path} ${path} && touch ${path}/volume`);
            const holder = childProcess.spawn("sh", ["-c", `exec 3<${path}/volume; sleep 60`], { stdio: "ignore" });
            try {
                await new Promise((r) => setTimeout(r, 300));
                assert.notEqual(childProcess.spawnSync("umount", [path]).status, 0, "the bind is busy");
                await p.delete(made.id, made.outs);
                assert.equal(fs.existsSync(path), false);
                assert.equal(sh(`findmnt -n --mountpoint ${path} | wc -l`).trim(), "0");
            } finally {
                holder.kill();
                sh(`umount -l ${path} 2>/dev/null; rm -rf ${path.replace(/\/cinder-nfs$/, "")}`);
            }
        });

        test(`delete detaches the services' binds of the path (nova's volume mounts, stacked), busy with an open file, and no other mount [${t.name}]`, async () => {
            const p = await serialized(directoryProvider);
            const root = `/tmp/hotstack-test-dir-${suffix()}`;
            const path = `${root}/cinder-nfs`;
            const made = await create(p, await checked(p, { host: t.host, path, bindsUnder: [`${root}/nova-mnt`] }));
            // as nova-compute leaves them: its mount base bound onto itself and shared, the
            // volume directory bound there twice (a mount propagated onto one of its own); beside
            // them a bind of a directory whose name only starts like ours, which must survive
            sh(`mkdir -p ${root}/nova-mnt/h ${root}/nova-mnt/other ${path}-x && mount --bind ${root}/nova-mnt ${root}/nova-mnt && mount --make-shared ${root}/nova-mnt`);
            sh(`mount --bind ${path} ${root}/nova-mnt/h && mount --bind ${path} ${root}/nova-mnt/h && mount --bind ${path}-x ${root}/nova-mnt/other && touch ${path}/volume`);
            const holder = childProcess.spawn("sh", ["-c", `exec 3<${root}/nova-mnt/h/volume; sleep 60`], { stdio: "ignore" });
            try {
                await new Promise((r) => setTimeout(r, 300));
                await p.delete(made.id, made.outs);
                assert.equal(fs.existsSync(path), false);
                assert.equal(sh(`findmnt -n --mountpoint ${root}/nova-mnt/h | wc -l`).trim(), "0", "the binds of the removed directory are gone");
                assert.equal(sh(`findmnt -n --mountpoint ${root}/nova-mnt/other | wc -l`).trim(), "1", "a bind of another directory stays");
                assert.equal(sh(`findmnt -n --mountpoint ${root}/nova-mnt | wc -l`).trim(), "1", "the mount base itself is not ours to touch");
            } finally {
                holder.kill();
                sh(`umount -R -l ${root}/nova-mnt 2>/dev/null; rm -rf ${root}`);
            }
        });

        test(`read reports a directory removed by hand as gone [${t.name}]`, async () => {
            const p = await serialized(directoryProvider);
            const path = `/tmp/hotstack-test-gone-${suffix()}`;
            const made = await create(p, await checked(p, { host: t.host, path }));
            sh(`rmdir ${path}`);
            assert.equal((await read(p, made.id, made.outs)).id, "");
            await p.delete(path, made.outs); // deleting what is gone is fine
        });
    });
}
