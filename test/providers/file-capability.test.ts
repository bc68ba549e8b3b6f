import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fileCapabilityProvider } from "../../providers/file-capability";
import { checked, create, read, serialized, sh, suffix, transports, update } from "../support/providers";

const caps = (path: string) => sh(`getcap ${path}`).replace(path, "").trim();

for (const t of transports()) {
    describe(`FileCapability [${t.name}]`, () => {
        test(`create, read, no-op diff, drift, update, delete [${t.name}]`, async () => {
            const p = await serialized(fileCapabilityProvider);
            const path = `/tmp/hotstack-test-cap-${suffix()}`;
            sh(`cp /bin/true ${path}`);
            try {
                const inputs = await checked(p, { host: t.host, path, capabilities: "cap_net_admin+ep" });
                assert.equal(inputs.capabilities, "cap_net_admin=ep");
                const made = await create(p, inputs);
                assert.match(caps(path), /cap_net_admin[=+]ep/);

                const back = await read(p, path, made.outs);
                assert.equal((await p.diff(path, back.props, inputs)).changes, false);

                sh(`setcap -r ${path}`); // what a package update does to the binary
                const drifted = await read(p, path, back.props);
                assert.equal(drifted.props.capabilities, "");
                assert.equal((await p.diff(path, drifted.props, inputs)).changes, true);
                await update(p, path, drifted.props, inputs);
                assert.match(caps(path), /cap_net_admin[=+]ep/);

                await p.delete(path, made.outs);
                assert.equal(caps(path), "");
            } finally {
                sh(`rm -f ${path}`);
            }
        });
    });
}
