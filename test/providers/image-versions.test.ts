// ImageVersions against real podman (locally and over SSH). The test image is busybox, without
// dpkg: the failure path runs here for real; e2e:cloud reads real versions from the real images
// (and is refused a package an image lacks).
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { imageVersionsProvider } from "../../providers/image-versions";
import { closeAllConnections } from "../../providers/host/transport";
import { ensureTestImage } from "../support/images";
import { checked, read, serialized, sh, transports } from "../support/providers";

for (const t of transports()) {
    describe(`ImageVersions [${t.name}]`, () => {
        test(`checks its inputs; an image without dpkg fails naming the image and the exit; refresh reads nothing; another package is an update [${t.name}]`, async () => {
            const p = await serialized(imageVersionsProvider);
            const imageId = sh(`podman image inspect --format '{{.Id}}' ${ensureTestImage()}`).trim();
            await assert.rejects(checked(p, { host: t.host, imageId: "latest", image: "x", packages: ["python3-nova"] }), /"property":"imageId","reason":"must be an image ID/);
            await assert.rejects(checked(p, { host: t.host, imageId, image: "x", packages: ["Not A Package"] }), /"property":"packages","reason":"must be a list of Debian package names/);
            const inputs = await checked(p, { host: t.host, imageId, image: "busybox-test", packages: ["python3-nova"] });
            await assert.rejects(p.create(inputs), (e: Error) => /cannot read package versions in image busybox-test \(exit 12[67]\)/.test(e.message));

            const stored = { ...inputs, versions: { "python3-nova": "2:31.0.0-6" } };
            const back = await read(p, "busybox-test", stored);
            assert.deepEqual(back.props.versions, stored.versions, "an image ID is its content: nothing to read again");
            const d = await p.diff("busybox-test", stored, await checked(p, { ...inputs, packages: ["python3-nova", "python3-neutron"] }));
            assert.equal(d.changes, true);
            assert.deepEqual(d.replaces, []);
            assert.equal((await p.diff("busybox-test", stored, inputs)).changes, false);
        });
    });
}

test.after(closeAllConnections);
