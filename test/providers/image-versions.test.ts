// ImageVersions against real podman (locally and over SSH): an image holding this machine's own
// dpkg database, so the versions read from it must be what dpkg-query says here.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { imageVersionsProvider } from "../../providers/image-versions";
import { closeAllConnections } from "../../providers/host/transport";
import { ensureTestImage } from "../support/images";
import { checked, create, read, serialized, sh, suffix, transports } from "../support/providers";

/** The test image plus this machine's /var/lib/dpkg/status; its ID. */
function imageWithDpkgDatabase(tag: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-dpkg-"));
    try {
        fs.copyFileSync("/var/lib/dpkg/status", path.join(dir, "status"));
        fs.writeFileSync(path.join(dir, "Containerfile"), `FROM ${ensureTestImage()}\nCOPY status /var/lib/dpkg/status\n`);
        sh(`podman build -q -t ${tag} ${dir} >/dev/null`);
        return sh(`podman image inspect --format '{{.Id}}' ${tag}`).trim();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

for (const t of transports()) {
    describe(`ImageVersions [${t.name}]`, () => {
        test(`reads the installed versions from the image's dpkg database; a package it lacks and an image that is not there are refused by name; refresh reads nothing; another package is an update [${t.name}]`, async () => {
            const p = await serialized(imageVersionsProvider);
            const tag = `localhost/hotstack-test-dpkg-${suffix()}:latest`;
            try {
                const imageId = imageWithDpkgDatabase(tag);
                await assert.rejects(checked(p, { host: t.host, imageId: "latest", image: "x", packages: ["dpkg"] }), /"property":"imageId","reason":"must be an image ID/);
                await assert.rejects(checked(p, { host: t.host, imageId, image: "x", packages: ["Not A Package"] }), /"property":"packages","reason":"must be a list of Debian package names/);

                const inputs = await checked(p, { host: t.host, imageId, image: "dpkg-test", packages: ["dpkg", "bash"] });
                const made = await create(p, inputs);
                const here = sh("dpkg-query -W -f '${Package}=${Version}\\n' dpkg bash").trim().split("\n").map((l) => l.split("="));
                assert.deepEqual(made.outs.versions, Object.fromEntries(here), "what dpkg-query says on this machine");
                assert.equal(sh("podman image mount 2>/dev/null | grep -c dpkg-test || true").trim(), "0", "the image is unmounted again");

                await assert.rejects(create(p, { ...inputs, packages: ["dpkg", "no-such-package"] }), /image dpkg-test has no installed package no-such-package$/);
                await assert.rejects(create(p, { ...inputs, imageId: "f".repeat(64) }), /cannot read package versions in image dpkg-test \(exit \d+\)/);

                const back = await read(p, "dpkg-test", made.outs);
                assert.deepEqual(back.props.versions, made.outs.versions, "an image ID is its content: nothing to read again");
                const d = await p.diff("dpkg-test", made.outs, await checked(p, { ...inputs, packages: ["dpkg", "bash", "coreutils"] }));
                assert.equal(d.changes, true);
                assert.deepEqual(d.replaces, []);
                assert.equal((await p.diff("dpkg-test", made.outs, inputs)).changes, false);
            } finally {
                sh(`podman rmi -f ${tag} >/dev/null 2>&1 || true`);
            }
        });
    });
}

test.after(closeAllConnections);
