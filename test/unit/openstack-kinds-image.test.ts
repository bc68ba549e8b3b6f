// Images of post-setup: a create that died between the image's POST and its upload leaves a
// queued image, which the next create makes again when the ledger says it is ours (and never
// when it is not); reading an image (refresh, preview) leaves nothing on the host, and the
// source's hash is kept only under the program's own cache dir, gone with the image.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { foundFate } from "../../providers/cloud-object";
import { connect } from "../../providers/host/transport";
import { Ctx } from "../../providers/openstack/kind";
import { applicationCredential } from "../../providers/openstack/kinds/identity";
import { hashStampPath, image } from "../../providers/openstack/kinds/image";

const ours = { kind: "cloud-object", key: "image//cirros", created: true };
const adopted = { kind: "cloud-object", key: "image//cirros", created: false, original: { id: "x" } };
const found = (content: string) => ({ id: "img-1", attrs: { diskFormat: "qcow2", visibility: "public", properties: {}, content } });

describe("an image found by name at create", () => {
    test("ours (ledger) and never uploaded (queued, saving, killed, deleted): made again", () => {
        for (const status of ["queued", "saving", "killed", "deleted"]) {
            assert.equal(foundFate(image, found(status), ours), "remake", status);
        }
    });

    test("not ours, whatever its state: kept (adopted), never removed", () => {
        for (const status of ["queued", "saving", "killed", "current"]) {
            assert.equal(foundFate(image, found(status), undefined), "keep", `no entry, ${status}`);
            assert.equal(foundFate(image, found(status), adopted), "keep", `adopted entry, ${status}`);
        }
    });

    test("ours and finished: kept (a crashed run's finished image is adopted back, not made again)", () => {
        assert.equal(foundFate(image, found("current"), ours), "keep");
        assert.equal(foundFate(image, found("differs from its source"), ours), "keep");
    });

    test("an application credential keeps its rule: ours made again, another's refused", () => {
        const cred = { id: "c", attrs: { unrestricted: true } };
        assert.equal(foundFate(applicationCredential, cred, { kind: "cloud-object", key: "k", created: true }), "remake");
        assert.equal(foundFate(applicationCredential, cred, undefined), "refuse");
        assert.equal(foundFate(applicationCredential, cred, { kind: "cloud-object", key: "k", created: false }), "refuse");
    });
});

describe("an image's source hash on the host (run locally)", () => {
    let dir: string;
    let userDir: string;
    let cacheDir: string;
    let file: string;
    const listing = (d: string) => fs.readdirSync(d).sort();
    const sha512 = (p: string) => crypto.createHash("sha512").update(fs.readFileSync(p)).digest("hex");

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-image-test-"));
        userDir = path.join(dir, "user");
        cacheDir = path.join(dir, "cache");
        fs.mkdirSync(userDir);
        fs.mkdirSync(cacheDir);
        file = path.join(userDir, "my image.qcow2");
        fs.writeFileSync(file, "the image's bytes\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function ctx(glanceHash: () => string): Promise<Ctx> {
        const img = () => ({ id: "img-1", name: "cirros", status: "active", disk_format: "qcow2", visibility: "public", os_hash_algo: "sha512", os_hash_value: glanceHash() });
        const cloud = {
            async request(_service: string, method: string, p: string) {
                assert.equal(method, "GET", "reads and finds only GET from the cloud");
                return { status: 200, headers: {}, body: p.startsWith("/v2/images?") ? { images: [img()] } : img() };
            },
        };
        return { host: await connect({ kind: "local" }), props: { kind: "image", name: "cirros", spec: { diskFormat: "qcow2", visibility: "public", properties: {}, file, cacheDir, content: "current" } }, cloud: cloud as any, admin: cloud as any };
    }

    test("read (refresh, preview) writes nothing: not beside the user's file, not in the cache", async () => {
        const x = await ctx(() => sha512(file));
        const before = [listing(userDir), listing(cacheDir)];
        const o = await image.get(x, "img-1");
        assert.equal(o?.attrs.content, "current");
        assert.deepEqual([listing(userDir), listing(cacheDir)], before);
        assert.ok(!fs.existsSync(`${file}.sha512`));
    });

    test("create's find keeps the hash's stamp in the cache dir only; read uses it; delete's forget removes it", async () => {
        let glance = sha512(file);
        const x = await ctx(() => glance);
        const o = await image.find(x);
        assert.equal(o?.attrs.content, "current");
        const stamp = hashStampPath(x.props.spec, "cirros", file, "sha512")!;
        assert.ok(stamp.startsWith(`${cacheDir}/`));
        assert.deepEqual(listing(cacheDir), [path.basename(stamp)]);
        assert.deepEqual(listing(userDir), [path.basename(file)], "nothing beside the user's file");
        assert.equal(fs.readFileSync(stamp, "utf8").trim().split(" ")[2], glance);

        // The stamp is what a read uses while the file is unchanged (no hashing of large images each run).
        const [size, mtime] = fs.readFileSync(stamp, "utf8").split(" ");
        fs.writeFileSync(stamp, `${size} ${mtime} ${"0".repeat(128)}\n`);
        assert.equal((await image.get(x, "img-1"))?.attrs.content, "differs from its source", "the (doctored) stamp was used");
        fs.writeFileSync(stamp, `${size} ${mtime} ${glance}\n`);

        // The file changes: a read hashes it again, reports the difference and still writes nothing.
        fs.writeFileSync(file, "other bytes, other size\n");
        const snapshot = fs.readFileSync(stamp, "utf8");
        assert.equal((await image.get(x, "img-1"))?.attrs.content, "differs from its source");
        assert.equal(fs.readFileSync(stamp, "utf8"), snapshot, "the stale stamp is left as it was by a read");
        glance = sha512(file);
        assert.equal((await image.get(x, "img-1"))?.attrs.content, "current");

        await image.forget!(x);
        assert.deepEqual(listing(cacheDir), []);
        assert.deepEqual(listing(userDir), [path.basename(file)]);
    });
});
