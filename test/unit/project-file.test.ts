// Pulumi.yaml as the Pulumi CLI reads it. The CLI validates the project file before anything
// runs ("could not validate Pulumi.yaml"): first against its JSON schema, then with Go rules on
// the config declarations. The rules below are those of the minimum CLI version the README names,
// 3.187.0, read from its source:
//   schema: https://github.com/pulumi/pulumi/blob/v3.187.0/sdk/go/common/workspace/project.json
//   rules:  https://github.com/pulumi/pulumi/blob/v3.187.0/sdk/go/common/workspace/project.go
//           (Project.Validate, ValidateConfigValue)
// `type: object` entered the schema in 3.186.0 (pulumi/pulumi#20129), but ValidateConfigValue
// accepts a default of type object only from 3.187.0 (pulumi/pulumi#20132): with 3.186.0 the
// `hosts: {type: object, default: {}}` below is refused. `up --run-program` exists since 3.169.0
// (pulumi/pulumi#19449), so 3.187.0 is the minimum for both.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import * as yaml from "js-yaml";

export const MIN_PULUMI_CLI = "3.187.0";

const TOP_KEYS = ["name", "description", "author", "website", "license", "runtime", "main", "config", "stackConfigDir", "backend", "options", "template", "packages", "plugins"];
const DECL_KEYS = ["type", "items", "description", "secret", "default", "value"];
const TYPES = ["string", "integer", "boolean", "array", "object"];

/** The CLI's rules for one project file: the problems, as the CLI would name them. */
export function projectProblems(p: any): string[] {
    const out: string[] = [];
    if (typeof p !== "object" || p === null) return ["not a mapping"];
    for (const k of Object.keys(p)) if (!TOP_KEYS.includes(k)) out.push(`unknown top-level key ${k}`);
    if (typeof p.name !== "string" || !p.name) out.push("project is missing a 'name' attribute");
    const runtime = typeof p.runtime === "string" ? p.runtime : p.runtime?.name;
    if (typeof runtime !== "string" || !runtime) out.push("project is missing a 'runtime' attribute");
    if (p.backend != null) {
        if (typeof p.backend !== "object") out.push("backend: an object");
        else for (const k of Object.keys(p.backend)) if (k !== "url") out.push(`backend: unknown key ${k} (only url)`);
        if (p.backend?.url !== undefined && typeof p.backend.url !== "string") out.push("backend.url: a string");
    }
    if (p.options != null) {
        for (const k of Object.keys(p.options)) if (k !== "refresh") out.push(`options: unknown key ${k} (only refresh)`);
        if (p.options.refresh !== undefined && p.options.refresh !== "always") out.push(`options.refresh: only "always", got ${JSON.stringify(p.options.refresh)}`);
    }
    const items = (where: string, it: any): void => {
        if (typeof it !== "object" || it === null || it.type === undefined) return void out.push(`${where}: items needs a type`);
        if (typeof it.type === "string" && !TYPES.includes(it.type)) out.push(`${where}: unknown type ${it.type}`);
        if (it.type === "array" && !it.items) out.push(`${where}: an array needs items`);
        if (it.items) items(`${where}.items`, it.items);
    };
    const valueOk = (type: string, it: any, v: unknown): boolean => {
        if (type === "string") return typeof v === "string";
        if (type === "integer") return (typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && /^[+-]?\d+$/.test(v));
        if (type === "boolean") return typeof v === "boolean" || v === "true" || v === "false";
        if (type === "object") return typeof v === "object" && v !== null && !Array.isArray(v);
        return Array.isArray(v) && !!it && v.every((x) => valueOk(it.type, it.items, x));
    };
    for (const [key, d] of Object.entries<any>(p.config ?? {})) {
        const own = !key.includes(":") || key.startsWith(`${p.name}:`);
        if (typeof d !== "object" || d === null || Array.isArray(d)) continue; // a plain value: allowed
        for (const k of Object.keys(d)) if (!DECL_KEYS.includes(k)) out.push(`config.${key}: unknown key ${k}`);
        if (d.type !== undefined && !TYPES.includes(d.type)) out.push(`config.${key}: unknown type ${d.type}`);
        if (d.secret !== undefined && typeof d.secret !== "boolean") out.push(`config.${key}: secret must be a boolean`);
        if (d.description !== undefined && typeof d.description !== "string") out.push(`config.${key}: description must be a string`);
        if (d.items !== undefined) items(`config.${key}.items`, d.items);
        if (d.default !== undefined && d.value !== undefined) out.push(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        if (own) {
            if (d.type === "array" && !d.items) out.push(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
            if (d.type !== undefined && d.default !== undefined && !valueOk(d.type, d.items, d.default)) out.push(`The default value specified for configuration key '${key}' is not of the expected type '${d.type}'`);
        } else if (d.type !== undefined || d.default !== undefined || d.value === undefined) {
            out.push(`Configuration key '${key}' is not namespaced by the project: only a 'value'`);
        }
    }
    return out;
}

const load = (f: string) => yaml.load(fs.readFileSync(path.resolve(__dirname, "../..", f), "utf8"));

test(`Pulumi.yaml passes the project-file rules of Pulumi CLI ${MIN_PULUMI_CLI}`, () => {
    const p = load("Pulumi.yaml") as any;
    assert.deepEqual(projectProblems(p), []);
    // what the README relies on
    assert.equal(p.options?.refresh, "always");
    assert.equal(p.backend?.url, "file://~");
    assert.ok(Object.values<any>(p.config).some((d) => d.type === "object"), "object config: why the minimum is 3.187.0");
});

test("the example project passes the same rules", () => {
    assert.deepEqual(projectProblems(load("examples/openstack-consumer/Pulumi.yaml")), []);
});

test("the rules refuse what the CLI refuses", () => {
    const base = { name: "p", runtime: "nodejs" };
    const bad: [any, RegExp][] = [
        [{ ...base, options: { refresh: "true" } }, /options.refresh: only "always"/],
        [{ ...base, options: { refreshh: "always" } }, /options: unknown key refreshh/],
        [{ ...base, backend: { url: "file://~", kind: "x" } }, /backend: unknown key kind/],
        [{ ...base, config: { a: { type: "array", default: [] } } }, /declares an array but does not specify/],
        [{ ...base, config: { a: { type: "object", default: [] } } }, /not of the expected type 'object'/],
        [{ ...base, config: { a: { type: "array", items: { type: "object" }, default: ["x"] } } }, /not of the expected type 'array'/],
        [{ ...base, config: { a: { type: "map" } } }, /unknown type map/],
        [{ ...base, config: { a: { type: "string", secret: "yes" } } }, /secret must be a boolean/],
        [{ ...base, config: { a: { type: "string", required: true } } }, /unknown key required/],
        [{ ...base, config: { "aws:region": { type: "string" } } }, /not namespaced by the project/],
        [{ ...base, extra: 1 }, /unknown top-level key extra/],
    ];
    for (const [p, re] of bad) assert.match(projectProblems(p).join("\n"), re, JSON.stringify(p));
    assert.deepEqual(projectProblems({ ...base, config: { a: { type: "object", default: {} }, b: { type: "array", items: { type: "object" }, default: [{}] }, c: { type: "string", secret: true } } }), []);
});
