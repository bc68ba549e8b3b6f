// Every provider as the engine gets it: serialized by Pulumi's closure serializer, loaded back
// by the dynamic provider host's requireFromString. The serializer can place a module's export
// after its first use when a module refers to its own exports (an `export const` object calling
// itself): such a provider loads, but fails at run time with "Cannot read properties of
// undefined". Checked here for every provider, before any host sees it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { packProviderText } from "../../providers/packed-provider";

const requireFromString = require("require-from-string");
const DIR = path.resolve(__dirname, "../../providers");

/** Top-level assignments of a `var` that is only defined further down the text (functions are hoisted, vars are not). */
export function usedBeforeDefined(text: string): string[] {
    const lines = text.split("\n");
    const defined = new Set<string>();
    const later = new Map<string, number>();
    lines.forEach((l, i) => {
        const d = /^var (__\w+)/.exec(l);
        if (d && !later.has(d[1])) later.set(d[1], i);
    });
    const bad: string[] = [];
    lines.forEach((l, i) => {
        const d = /^(?:var|function) (__\w+)/.exec(l);
        if (d) defined.add(d[1]);
        const a = /^__[\w.]+ = (__\w+);$/.exec(l);
        if (a && !defined.has(a[1]) && (later.get(a[1]) ?? -1) > i) bad.push(`line ${i + 1}: ${l}`);
    });
    return bad;
}

describe("serialized providers", () => {
    const providers: [string, pulumi.dynamic.ResourceProvider][] = [];
    for (const f of fs.readdirSync(DIR).filter((f) => f.endsWith(".ts") && !["kit.ts", "resource.ts", "version.ts", "packed-provider.ts"].includes(f))) {
        for (const [name, value] of Object.entries(require(path.join(DIR, f)))) {
            if (name.endsWith("Provider") && value && typeof value === "object") providers.push([`${f}:${name}`, value as pulumi.dynamic.ResourceProvider]);
            // (a provider per group, e.g. cloud objects per service)
            if (name.endsWith("Providers") && value && typeof value === "object") {
                for (const [group, p] of Object.entries(value)) providers.push([`${f}:${name}.${group}`, p as pulumi.dynamic.ResourceProvider]);
            }
        }
    }

    test("there are providers to check", () => assert.ok(providers.length >= 21, providers.map(([n]) => n).join(" ")));

    for (const [name, provider] of providers) {
        test(`${name}: every value defined before it is used, and it loads as the host loads it`, async () => {
            const text = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
            assert.deepEqual(usedBeforeDefined(text), []);
            // plain, and packed as the engine stores it (./packed-provider)
            for (const form of [text, packProviderText(text)]) {
                const loaded = requireFromString(form).handler();
                for (const m of ["configure", "check", "diff", "create", "read", "update", "delete"]) assert.equal(typeof loaded[m], "function", m);
            }
        });
    }

    test("control: a module whose exported object calls itself is caught; hoisted functions are not", () => {
        const text = ["exports.handler = __f0;", "var __kinds = {};", "__kinds.a = __a;", "__kinds.f = __f1;", "var __a = {get: __f1};", "function __f0() {}", "function __f1() {}"].join("\n");
        assert.deepEqual(usedBeforeDefined(text), ["line 3: __kinds.a = __a;"]);
    });
});
