import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { podmanSecretProvider } from "../../providers/podman-secret";
import { ensureTestImage } from "../support/images";
import { checked, create, read, serialized, sh, shOk, suffix, transports, update } from "../support/providers";

for (const t of transports()) {
    describe(`PodmanSecret [${t.name}]`, () => {
        test(`create, read, no-op diff, value change, drift, delete [${t.name}]`, async () => {
            const p = await serialized(podmanSecretProvider);
            const name = `hotstack-test-${suffix()}`;
            const value = `v-${suffix()}${suffix()}`;
            try {
                const inputs = await checked(p, { connection: t.connection, name, value });
                const made = await create(p, inputs);
                assert.ok(shOk(`podman secret inspect ${name}`));
                assert.ok(!JSON.stringify(made.outs).includes(value), "state keeps a digest, not the value");
                // the value as a container sees it
                assert.equal(sh(`podman run --rm --secret ${name} ${ensureTestImage()} cat /run/secrets/${name}`), value);

                const back = await read(p, name, made.outs);
                assert.equal((await p.diff(name, back.props, inputs)).changes, false);

                const changed = await checked(p, { connection: t.connection, name, value: `${value}-2` });
                const d = await p.diff(name, back.props, changed);
                assert.deepEqual(Object.keys((d as any).detailedDiff), ["value"]);
                const outs = await update(p, name, back.props, changed);
                assert.notEqual(outs.digest, made.outs.digest);
                assert.equal(sh(`podman run --rm --secret ${name} ${ensureTestImage()} cat /run/secrets/${name}`), `${value}-2`);

                sh(`podman secret rm ${name}`);
                assert.equal((await read(p, name, outs)).id, "");
                await p.delete(name, outs);
            } finally {
                sh(`podman secret rm ${name} 2>/dev/null || true`);
            }
        });
    });
}
