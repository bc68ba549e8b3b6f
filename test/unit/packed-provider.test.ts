// The provider as stored in `__provider`: packed, it still loads as the dynamic provider host
// loads it and runs the same code; it is much smaller than the serializer's text; the code's
// identity survives a different packing; a captured secret still makes it secret.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as zlib from "node:zlib";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { fileProvider } from "../../providers/file";
import { packProviderText, packedProvider, providerCodeId, unpackProviderText } from "../../providers/packed-provider";
import { storedProviderTexts, withProviderCode } from "../harness/state";

const requireFromString = require("require-from-string");

async function serialized(provider: object): Promise<string> {
    return (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
}

describe("packed provider", () => {
    test("loads as the host loads it and runs the same code (check and diff of File)", async () => {
        const text = await serialized(fileProvider);
        const loaded = requireFromString(packProviderText(text)).handler() as pulumi.dynamic.ResourceProvider;
        const news = { host: "main", path: "/etc/x.conf", content: "a = 1\n", mode: "640" };
        assert.deepEqual(await loaded.check!({}, news), await fileProvider.check!({}, news));
        const olds = { host: "main", path: "/etc/x.conf", contentSha256: "0".repeat(64), owner: "root", group: "root", mode: "0640" };
        const checked = (await loaded.check!({}, news)).inputs;
        const d = await loaded.diff!("/etc/x.conf", olds, checked);
        assert.deepEqual(d, await fileProvider.diff!("/etc/x.conf", olds, checked));
        assert.equal(d.changes, true, "content differs: the loaded code hashed it (node:crypto through the host's require)");
    });

    test("is at most 35% of the serializer's text", async () => {
        const text = await serialized(fileProvider);
        const packed = packProviderText(text);
        assert.ok(text.length > 20000, `File's provider is ${text.length} characters`);
        assert.ok(packed.length <= 0.35 * text.length, `${packed.length} of ${text.length}`);
    });

    test("the code's identity: other code is another; an unpacked provider is its own", () => {
        const text = "exports.handler = () => ({});\n";
        const packed = packProviderText(text);
        assert.notEqual(providerCodeId(packProviderText(text + "//\n")), providerCodeId(packed));
        assert.equal(providerCodeId(text), text, "a provider stored unpacked is its own identity");
        assert.notEqual(providerCodeId(text), providerCodeId(packed), "packing the same code once is a code change (one update, no host change)");
    });

    test("the header's digest is the payload's (the identity cannot drift from the code)", async () => {
        const text = await serialized(fileProvider);
        const packed = packProviderText(text);
        assert.equal(providerCodeId(packed), crypto.createHash("sha256").update(unpackProviderText(packed)).digest("hex").slice(0, 32));
    });

    test("diff: the same code packed differently is no change; other code is an update that replaces nothing", async () => {
        const text = await serialized(fileProvider);
        const otherZlib = (t: string) => packProviderText(t).replace(zlib.gzipSync(t, { level: 9 }).toString("base64"), zlib.gzipSync(t, { level: 1 }).toString("base64"));
        const inputs = (await fileProvider.check!({}, { host: "main", providerVersion: "v1", path: "/etc/x.conf", content: "a\n" })).inputs;
        const olds = { host: "main", providerVersion: "v1", path: "/etc/x.conf", owner: "root", group: "root", mode: "0644", contentSha256: crypto.createHash("sha256").update("a\n").digest("hex"), __provider: packProviderText(text) };
        const diff = (stored: string) => fileProvider.diff!("/etc/x.conf", olds, { ...inputs, __provider: stored });
        assert.notEqual(otherZlib(text), olds.__provider, "the control packs differently");
        assert.equal((await diff(otherZlib(text))).changes, false);
        assert.equal((await diff(olds.__provider)).changes, false);
        assert.deepEqual(await diff(packProviderText(text + "//\n")), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.equal((await diff(text)).changes, true, "unpacked (an older version's state) to packed: one update");
    });

    test("secret exactly when the provider captured a secret", async () => {
        const create = async () => ({ id: "x" });
        const plain = { create };
        const secret = pulumi.secret("s3cret");
        const capturing = { create, async read() { return { props: { v: secret } }; } };
        assert.equal(await pulumi.isSecret(packedProvider(plain)), false);
        assert.equal(await pulumi.isSecret(packedProvider(capturing)), true);
    });

    test("unpacks to the serializer's text, so state can still be searched for a captured password", () => {
        const text = 'exports.handler = () => ({ password: "pw-9f2c1e" });\n';
        assert.equal(unpackProviderText(packProviderText(text)), text);
        assert.equal(unpackProviderText(text), text);
        const state = JSON.stringify({ resources: [{ outputs: { __provider: packProviderText(text) } }], providers: { a: packProviderText("x") } });
        assert.ok(!state.includes("pw-9f2c1e"), "the control: packed, the password is not in the state's text");
        assert.ok(storedProviderTexts(state).some((t) => t.includes("pw-9f2c1e")));
        assert.equal(storedProviderTexts(state).length, 2);
        assert.ok(withProviderCode(state).includes("pw-9f2c1e") && withProviderCode(state).startsWith(state));
    });
});
