// npm run creds -- --clouds-yaml FILE --cloud-secret FILE — the hand-off files of a deployed stack
// on the machine running Pulumi:
//   - FILE of --clouds-yaml (e.g. ~/.config/openstack/clouds.yaml): the stack's two clouds
//     (hotstack-os-admin, hotstack-os) as a managed block inside its `clouds:` mapping — the
//     user's own clouds and lines stay; a second run replaces only the block (the same block
//     markers as the product's /etc/openstack/clouds.yaml: providers/file-block.ts);
//   - FILE of --cloud-secret: HotStack-OS's cloud-secret.yaml (`hotstack_cloud_secrets`, the
//     application credential), what `post-setup --cloud-secret-path` writes for the next tool.
// Both are written 0600 through a temp file and a rename. The outputs come from
// `pulumi stack output --json --show-secrets` (the selected stack, or --stack NAME), or from
// --outputs-file FILE holding that JSON (where there is no Pulumi CLI, e.g. the tests).
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { withBlock } from "../providers/file-block";
import { ToolSpec, argsOrExit } from "./stack";

const ROOT = path.resolve(__dirname, "..");
/** The product's marker for its clouds block (components/cloud-access.ts). */
export const CLOUDS_MARKER = "hotstack-os clouds (managed by pulumi)";

export const CREDS_SPEC: ToolSpec = {
    usage: "npm run creds -- [--clouds-yaml FILE] [--cloud-secret FILE] [--stack NAME | --outputs-file FILE]",
    about: "Writes the stack's clouds into your clouds.yaml as a managed block (your own clouds stay) and HotStack-OS's cloud-secret.yaml (the application credential), both mode 0600.",
    options: [
        { name: "clouds-yaml", value: "FILE", help: "clouds.yaml to put the hotstack-os clouds in (e.g. ~/.config/openstack/clouds.yaml)" },
        { name: "cloud-secret", value: "FILE", help: "where to write cloud-secret.yaml (stack output cloudSecretYaml; needs post-setup)" },
        { name: "stack", value: "NAME", help: "the Pulumi stack (default: the selected stack)" },
        { name: "outputs-file", value: "FILE", help: "the JSON of `pulumi stack output --json --show-secrets`, instead of running the CLI" },
    ],
};

/** The stack's outputs, secrets shown: from the Pulumi CLI, or a file holding what it prints. */
export function stackOutputs(o: { stack?: string; outputsFile?: string }): Record<string, unknown> {
    if (o.outputsFile) return JSON.parse(fs.readFileSync(o.outputsFile, "utf8"));
    const r = childProcess.spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", ...(o.stack ? ["--stack", o.stack] : [])], { cwd: ROOT, encoding: "utf8", maxBuffer: 16 << 20 });
    if (r.error || r.status !== 0) throw new Error(`cannot read the stack's outputs with the Pulumi CLI (${r.error?.message ?? r.stderr.trim()}); or give --outputs-file FILE`);
    return JSON.parse(r.stdout);
}

const cloudNames = (text: string): string[] => {
    const doc = yaml.load(text) as { clouds?: Record<string, unknown> } | undefined;
    return Object.keys(doc?.clouds ?? {});
};

/**
 * The user's clouds.yaml text with our clouds as a managed block inside its `clouds:` mapping
 * (indented as the user's entries are); refused unless the result parses with every cloud of
 * theirs and ours in it.
 */
export function cloudsWithOurs(text: string, cloudsYaml: string): string {
    const entries = cloudsYaml.replace(/^clouds:\n/, "");
    if (entries === cloudsYaml || !/^ {2}\S/.test(entries)) throw new Error("the stack's cloudsYaml output is not a `clouds:` document");
    const theirs = text.trim() === "" ? [] : cloudNames(text);
    const lines = (text.trim() === "" ? "clouds:\n" : text.endsWith("\n") ? text : `${text}\n`).split("\n");
    const at = lines.findIndex((l) => /^clouds:[ \t]*(#.*)?$/.test(l));
    if (at < 0) throw new Error("that clouds.yaml has no top-level `clouds:` line on its own (e.g. `clouds: {}` in flow style): add the block by hand, or give another file");
    // YAML wants one indentation per mapping: ours follows the user's first entry (ours use 2 per level).
    const first = lines.slice(at + 1).find((l) => l.trim() !== "" && !l.trimStart().startsWith("#") && !l.startsWith("# "));
    const width = first && /^ +\S/.test(first) ? first.length - first.trimStart().length : 2;
    const ours = entries.split("\n").map((l) => { const n = l.length - l.trimStart().length; return " ".repeat((n / 2) * width) + l.trimStart(); }).join("\n");
    const out = withBlock(lines.join("\n"), CLOUDS_MARKER, ours, lines[at]);
    const after = cloudNames(out);
    const missing = [...theirs, ...cloudNames(cloudsYaml)].filter((n) => !after.includes(n));
    if (missing.length) throw new Error(`the merged clouds.yaml would lose ${missing.join(", ")}; nothing written`);
    return out;
}

/** Writes a private file: a temp file beside it (mode 0600 from the start), then rename. */
export function writePrivate(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
}

const expand = (p: string) => (p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p);

/** The tool's work, for tests too: what was written where. */
export function writeCreds(outputs: Record<string, unknown>, o: { cloudsYaml?: string; cloudSecret?: string }): string[] {
    const done: string[] = [];
    if (o.cloudsYaml) {
        const ours = outputs.cloudsYaml;
        if (typeof ours !== "string") throw new Error("the stack has no cloudsYaml output (has it been deployed?)");
        const file = expand(o.cloudsYaml);
        const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        writePrivate(file, cloudsWithOurs(before, ours));
        done.push(`${file}: clouds hotstack-os-admin${/^ {2}hotstack-os:/m.test(ours) ? " and hotstack-os" : ""} (managed block; other clouds kept)`);
    }
    if (o.cloudSecret) {
        const secret = outputs.cloudSecretYaml;
        if (typeof secret !== "string") throw new Error("the stack has no cloudSecretYaml output (it needs postSetup true and serviceSet full)");
        const file = expand(o.cloudSecret);
        writePrivate(file, secret.endsWith("\n") ? secret : `${secret}\n`);
        done.push(`${file}: hotstack_cloud_secrets (application credential)`);
    }
    return done;
}

function main(): void {
    const args = argsOrExit(process.argv.slice(2), CREDS_SPEC);
    const cloudsYaml = args.get("clouds-yaml");
    const cloudSecret = args.get("cloud-secret");
    if (!cloudsYaml && !cloudSecret) {
        console.error(`nothing to write: give --clouds-yaml FILE and/or --cloud-secret FILE (npm run creds -- --help)`);
        process.exit(2);
    }
    try {
        const done = writeCreds(stackOutputs({ stack: args.get("stack"), outputsFile: args.get("outputs-file") }), { cloudsYaml, cloudSecret });
        for (const d of done) console.log(`wrote ${d}`);
    } catch (e) {
        console.error((e as Error).message);
        process.exit(2);
    }
}

if (require.main === module) main();
