// Installing from a mirror is exercised on the test host (test/host); here only packages this
// machine already has are asked for, so the test never changes what is installed.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hostPackagesProvider } from "../../providers/host-packages";
import * as fs from "node:fs";
import { checked, create, read, serialized, suffix, transports } from "../support/providers";

const plan = (packages: string[]) => ({ family: "debian", repositories: [], packages, selinuxPackages: ["policycoreutils-python-utils"], services: [], ovmfDir: "/usr/share/OVMF" });

for (const t of transports()) {
    describe(`HostPackages [${t.name}]`, () => {
        test(`detects the distribution, sees present packages, reports missing ones as drift, never uninstalls [${t.name}]`, async () => {
            const p = await serialized(hostPackagesProvider);
            const inputs = await checked(p, { host: t.host, plans: { debian: plan(["coreutils", "iproute2"]), fedora: { ...plan(["coreutils", "iproute"]), family: "fedora" } } });
            const made = await create(p, inputs);
            assert.equal(made.outs.distro, "debian");
            assert.equal(made.outs.family, "debian");
            assert.deepEqual(made.outs.installed, [], "nothing needed installing");
            const back = await read(p, made.id, made.outs);
            assert.deepEqual(back.props.missing, []);
            assert.equal((await p.diff(made.id, back.props, inputs)).changes, false);

            // A package that is not installed shows up as missing (drift) on read.
            const withMissing = { ...back.props, plans: { debian: plan(["coreutils", "hotstack-no-such-package"]) } };
            const r = await read(p, made.id, withMissing);
            assert.deepEqual(r.props.missing, ["hotstack-no-such-package"]);
            assert.equal((await p.diff(made.id, r.props, { ...inputs, plans: withMissing.plans })).changes, true);

            await p.delete(made.id, made.outs); // a no-op by design
        });

        test(`repositories: one that is off is enabled; one only the user can enable stops it with the advice [${t.name}]`, async () => {
            const p = await serialized(hostPackagesProvider);
            const marker = `/tmp/hotstack-test-repo-${suffix()}`;
            try {
                const enabling = { ...plan(["coreutils"]), repositories: [{ name: "the test repository", enabled: `test -e ${marker}`, enable: `touch ${marker}`, advice: "touch it" }] };
                const made = await create(p, await checked(p, { host: t.host, plans: { debian: enabling } }));
                assert.deepEqual(made.outs.repositoriesEnabled, ["the test repository"]);
                assert.ok(fs.existsSync(marker), "enabled on the host");
                const userOnly = { ...plan(["coreutils"]), repositories: [{ name: "Fast Datapath for the test", enabled: "false", advice: "enable it with your subscription" }] };
                await assert.rejects(create(p, await checked(p, { host: t.host, plans: { debian: userOnly } })), /needs the repository Fast Datapath for the test: enable it with your subscription/);
                await assert.rejects(create(p, await checked(p, { host: t.host, plans: { rhel: { ...userOnly, family: "fedora" } } })), /there is no plan for it \(supported: rhel\)/);
            } finally {
                fs.rmSync(marker, { force: true });
            }
        });
    });
}
