// Installing from a mirror is exercised on the test host (test/host); here only packages this
// machine already has are asked for, so the test never changes what is installed.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hostPackagesProvider } from "../../providers/host-packages";
import { checked, create, read, serialized, transports } from "../support/providers";

for (const t of transports()) {
    describe(`HostPackages [${t.name}]`, () => {
        test(`detects the family, sees present packages, reports missing ones as drift, never uninstalls [${t.name}]`, async () => {
            const p = await serialized(hostPackagesProvider);
            const inputs = await checked(p, { host: t.host, packages: { debian: ["coreutils", "iproute2"], fedora: ["coreutils", "iproute"] } });
            const made = await create(p, inputs);
            assert.equal(made.outs.family, "debian");
            assert.deepEqual(made.outs.installed, [], "nothing needed installing");
            const back = await read(p, made.id, made.outs);
            assert.deepEqual(back.props.missing, []);
            assert.equal((await p.diff(made.id, back.props, inputs)).changes, false);

            // A package that is not installed shows up as missing (drift) on read.
            const withMissing = { ...back.props, packages: { debian: ["coreutils", "hotstack-no-such-package"] } };
            const r = await read(p, made.id, withMissing);
            assert.deepEqual(r.props.missing, ["hotstack-no-such-package"]);
            assert.equal((await p.diff(made.id, r.props, { ...inputs, packages: withMissing.packages })).changes, true);

            await p.delete(made.id, made.outs); // a no-op by design
        });
    });
}
