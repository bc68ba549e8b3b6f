import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { describe, test } from "node:test";
import { podmanSecretProvider, secretDigest } from "../../providers/podman-secret";
import { ensureTestImage } from "../support/images";
import { checked, create, read, serialized, sh, shOk, suffix, transports, update } from "../support/providers";

for (const t of transports()) {
    describe(`PodmanSecret [${t.name}]`, () => {
        test(`create, read, no-op diff, value change, drift, delete [${t.name}]`, async () => {
            const p = await serialized(podmanSecretProvider);
            const name = `hotstack-test-${suffix()}`;
            const value = `v-${suffix()}${suffix()}`;
            const digestKey = crypto.randomBytes(24).toString("base64url");
            try {
                const inputs = await checked(p, { host: t.host, name, value, digestKey });
                const made = await create(p, inputs);
                assert.ok(shOk(`podman secret inspect ${name}`));
                assert.ok(!JSON.stringify(made.outs).includes(value), "state keeps a digest, not the value");
                assert.ok(!JSON.stringify(made.outs).includes(digestKey), "nor the digest's key");
                // Keyed by the stack's secret: whoever reads the state cannot test guesses without it.
                assert.equal(made.outs.digest, secretDigest(digestKey, name, value));
                assert.notEqual(made.outs.digest, crypto.createHmac("sha256", `hotstack-os:${name}`).update(value).digest("hex"), "not keyed by a public constant");
                assert.notEqual(secretDigest(`${digestKey}x`, name, value), made.outs.digest);
                // the value as a container sees it
                assert.equal(sh(`podman run --rm --secret ${name} ${ensureTestImage()} cat /run/secrets/${name}`), value);

                const back = await read(p, name, made.outs);
                assert.equal((await p.diff(name, back.props, inputs)).changes, false);

                const changed = await checked(p, { host: t.host, name, value: `${value}-2`, digestKey });
                const d = await p.diff(name, back.props, changed);
                assert.equal(d.changes, true);
                assert.deepEqual(d.replaces, [], "an update, not a replacement");
                assert.deepEqual((d as any).fields, ["value"]);
                const outs = await update(p, name, back.props, changed);
                assert.notEqual(outs.digest, made.outs.digest);
                // Another key alone is a change too: introducing the key restarted every container once.
                assert.equal((await p.diff(name, outs, await checked(p, { host: t.host, name, value: `${value}-2`, digestKey: `${digestKey}-new` }))).changes, true);
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
