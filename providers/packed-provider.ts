// A provider as the engine stores it in `__provider`, compressed. Pulumi's closure serializer
// gives 45–60 KB of code per resource kind, and that text rides in every Check, Diff, Read and
// Update request and response of every resource: the dynamic provider host encodes it in
// JavaScript protobuf each time. Gzipped and base64'd it is about 30% of that. The result is still
// self-contained (state carries the whole code; read and delete run what was stored), and it
// loads through the host's requireFromString like the plain text.
import * as crypto from "node:crypto";
import * as zlib from "node:zlib";
import * as pulumi from "@pulumi/pulumi";

export const PACKED_MARK = "// hotstack provider ";

/** The stored form of serialized provider code: a stub that inflates it and returns its handler. */
export function packProviderText(text: string): string {
    const packed = zlib.gzipSync(text, { level: 9 }).toString("base64");
    return [
        `${PACKED_MARK}${codeDigest(text)}: Pulumi's serialized provider, gzipped`,
        "exports.handler = function () {",
        `    const code = require("zlib").gunzipSync(Buffer.from("${packed}", "base64")).toString("utf8");`,
        "    const inner = { exports: {} };",
        '    new Function("exports", "require", "module", "__filename", "__dirname", code).call(inner.exports, inner.exports, require, inner, __filename, __dirname);',
        "    return inner.exports.handler();",
        "};",
        "",
    ].join("\n");
}

/** The serializer's text back from a stored `__provider` (for reading state; unpacked text is returned as is). */
export function unpackProviderText(stored: string): string {
    if (!stored.startsWith(PACKED_MARK)) return stored;
    const b64 = /Buffer\.from\("([A-Za-z0-9+/=]*)", "base64"\)/.exec(stored)?.[1];
    if (b64 === undefined) throw new Error(`a packed provider without its payload (${stored.slice(0, 80)}…)`);
    return zlib.gunzipSync(Buffer.from(b64, "base64")).toString("utf8");
}

function codeDigest(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/**
 * What identifies the code in a stored `__provider`: the digest of the unpacked text (so a
 * different zlib that packs the same code differently is no change), or the text itself for a
 * provider stored unpacked by an earlier version.
 */
export function providerCodeId(stored: string): string {
    return stored.startsWith(PACKED_MARK) ? stored.slice(PACKED_MARK.length, PACKED_MARK.length + 32) : stored;
}

const cache = new WeakMap<object, pulumi.Output<string>>();

/** `__provider` for a provider object: serialized once per program run, secret if the code captured a secret. */
export function packedProvider(provider: pulumi.dynamic.ResourceProvider): pulumi.Output<string> {
    const cached = cache.get(provider);
    if (cached) return cached;
    const out = pulumi.output(pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).apply((sf): pulumi.Output<string> => {
        const text = packProviderText(sf.text);
        return sf.containsSecrets ? pulumi.secret(text) : pulumi.output(text);
    });
    cache.set(provider, out);
    return out;
}
