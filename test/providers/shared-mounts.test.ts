// The shared-mounts unit's commands, run for real on this machine (root): its paths become shared
// mount points, running it again changes nothing, and stop removes only the binds it made.
import * as assert from "node:assert/strict";
import * as childProcess from "node:child_process";
import { after, describe, test } from "node:test";
import { parseConfig } from "../../components/config";
import { hostPlan } from "../../components/host-plan";
import { sh, suffix } from "../support/providers";

/** ExecStart/ExecStop of the unit as the shell would receive them ($$ is systemd's $). */
function command(unit: string, key: "ExecStart" | "ExecStop", paths: string[]): string[] {
    const line = new RegExp(`^${key}=/bin/sh -c '(.*)' shared-mounts .*$`, "m").exec(unit);
    assert.ok(line, `${key} in the unit`);
    return ["-c", line[1].replace(/\$\$/g, "$"), "shared-mounts", ...paths];
}
const run = (args: string[]) => childProcess.execFileSync("/bin/sh", args, { stdio: "pipe" });
const propagation = (d: string) => sh(`findmnt -n -o PROPAGATION --mountpoint ${d} || true`).trim();

describe("shared mounts unit [local]", () => {
    const base = `/tmp/hotstack-test-shared-${suffix()}`;
    const [ours, foreign] = [`${base}/nova-mnt`, `${base}/admins-fs`];
    after(() => sh(`umount -R ${ours} 2>/dev/null; umount -R ${foreign} 2>/dev/null; rm -rf ${base}`));

    test("start makes each path a shared mount point, again is a no-op, stop leaves a mount it did not make [local]", () => {
        sh(`mkdir -p ${ours} ${foreign} && mount -t tmpfs hotstack-test ${foreign}`);
        const unit = hostPlan(parseConfig({})).sharedMounts.unit;
        run(command(unit, "ExecStart", [ours, foreign]));
        assert.match(propagation(ours), /^shared/);
        assert.match(propagation(foreign), /^shared/);

        run(command(unit, "ExecStart", [ours, foreign]));
        const count = (d: string) => sh(`findmnt -n -o TARGET --mountpoint ${d} | wc -l`).trim();
        assert.equal(count(ours), "1", "a second start does not stack a second bind");

        // a bind made below a shared mount in another namespace is what nova-compute does; here a
        // sub-mount stands for it and must go with the stop
        sh(`mkdir -p ${ours}/vol && mount -t tmpfs vol ${ours}/vol`);
        run(command(unit, "ExecStop", [ours, foreign]));
        assert.equal(propagation(ours), "", "our bind is gone");
        assert.equal(sh(`findmnt -n -o TARGET --mountpoint ${ours}/vol | wc -l`).trim(), "0", "with what was mounted below it");
        assert.match(propagation(foreign), /^shared/, "the admin's file system stays mounted");
    });
});
