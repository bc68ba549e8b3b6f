// Compares what two checkouts' programs render, resource by resource, for every config of
// render-dump.ts: resources only in one, parents, dependencies, and each input that differs (text
// inputs as the lines that differ). A refactor that claims "behaviour unchanged" shows nothing
// here but the changes it lists.
//
//   node -r ts-node/register/transpile-only test/support/render-compare.ts <old checkout> <new checkout> [config...]
//
// Both checkouts need node_modules (a symlink to one install will do).
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { CONFIGS } from "./render-dump";

type Dump = { resources: { urn: string; parent: string; dependencies: string[]; inputs: Record<string, unknown> }[]; outputs: Record<string, unknown> };

function dump(dir: string, config: string): Dump {
    const script = path.join(__dirname, "render-dump.ts");
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", script, path.resolve(dir), config], { cwd: path.resolve(dir), maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "inherit"] });
    return JSON.parse(out.toString());
}

/** JSON with object keys sorted: an output's key order is no change. */
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => p.localeCompare(q))) : x));

function lineDiff(a: string, b: string): string[] {
    const al = a.split("\n");
    const bl = b.split("\n");
    return [...al.filter((l) => !bl.includes(l)).map((l) => `    - ${l}`), ...bl.filter((l) => !al.includes(l)).map((l) => `    + ${l}`)];
}

function compare(a: Dump, b: Dump): string[] {
    const out: string[] = [];
    // providerVersion hashes the providers' source: any change there updates every resource once
    // without touching the host (providers/version.ts). Counted, not listed.
    let versions = 0;
    const byUrn = (d: Dump) => new Map(d.resources.map((r) => [r.urn, r]));
    const [olds, news] = [byUrn(a), byUrn(b)];
    for (const urn of olds.keys()) if (!news.has(urn)) out.push(`only in old: ${urn}`);
    for (const urn of news.keys()) if (!olds.has(urn)) out.push(`only in new: ${urn}`);
    for (const [urn, o] of olds) {
        const n = news.get(urn);
        if (!n) continue;
        if (o.parent !== n.parent) out.push(`${urn}: parent ${o.parent} -> ${n.parent}`);
        if (JSON.stringify(o.dependencies) !== JSON.stringify(n.dependencies)) out.push(`${urn}: dependencies differ`);
        for (const k of new Set([...Object.keys(o.inputs), ...Object.keys(n.inputs)])) {
            const [ov, nv] = [o.inputs[k], n.inputs[k]];
            if (JSON.stringify(ov) === JSON.stringify(nv)) continue;
            if (k === "providerVersion") {
                versions++;
                continue;
            }
            out.push(`${urn}: input ${k} differs`);
            if (typeof ov === "string" && typeof nv === "string") out.push(...lineDiff(ov, nv));
            else out.push(`    - ${JSON.stringify(ov)}`, `    + ${JSON.stringify(nv)}`);
        }
    }
    if (versions) out.push(`providerVersion differs on ${versions} resources (providers/ source changed: a code-only update each)`);
    for (const k of new Set([...Object.keys(a.outputs), ...Object.keys(b.outputs)])) {
        if (canonical(a.outputs[k]) !== canonical(b.outputs[k])) out.push(`output ${k}: ${JSON.stringify(a.outputs[k])} -> ${JSON.stringify(b.outputs[k])}`);
    }
    return out;
}

if (require.main === module) {
    const [oldDir, newDir, ...names] = process.argv.slice(2);
    if (!oldDir || !newDir) throw new Error("usage: render-compare.ts <old checkout> <new checkout> [config...]");
    let differences = 0;
    for (const name of names.length ? names : Object.keys(CONFIGS)) {
        const [a, b] = [dump(oldDir, name), dump(newDir, name)];
        const diffs = compare(a, b);
        differences += diffs.length;
        console.log(`== ${name}: ${a.resources.length} resources old, ${b.resources.length} new, ${diffs.filter((d) => !d.startsWith("    ")).length} differences`);
        for (const d of diffs) console.log(d);
    }
    process.exitCode = differences ? 1 : 0;
}
