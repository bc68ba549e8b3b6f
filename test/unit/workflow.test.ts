// The GitHub Actions workflows (.github/workflows): pulumi preview --diff commented on pull
// requests, pulumi up on pushes to main and never on a pull request, the stack and every secret
// from ${{ secrets.* }} (handed to scripts through env, the SSH key through stdin), no key
// material, fingerprint or passphrase in the files, Node 22 and npm ci before Pulumi runs.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as yaml from "js-yaml";
import * as nodeModule from "node:module";

const DIR = path.resolve(__dirname, "../../.github/workflows");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
    if?: string;
}
interface Job {
    "runs-on"?: string;
    if?: string;
    environment?: string | { name?: string };
    env?: Record<string, unknown>;
    steps: Step[];
}
interface Workflow {
    file: string;
    text: string;
    on: Record<string, any>;
    env?: Record<string, unknown>;
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
}

function load(dir = DIR): Workflow[] {
    return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((file) => {
        const text = fs.readFileSync(path.join(dir, file), "utf8");
        const doc = yaml.load(text) as any;
        // `on: [push]` and `on: push` are the short forms of `on: {push: {}}`.
        const on = typeof doc.on === "string" ? { [doc.on]: {} } : Array.isArray(doc.on) ? Object.fromEntries(doc.on.map((e: string) => [e, {}])) : doc.on ?? {};
        return { file, text, on, env: doc.env, permissions: doc.permissions, jobs: doc.jobs ?? {} };
    });
}

const workflows = load();
const isPulumiAction = (s: Step) => /^pulumi\/actions@/.test(s.uses ?? "");
const command = (s: Step) => (isPulumiAction(s) ? String(s.with?.command ?? "") : "");
/** Steps that run pulumi up (the action's command, or the CLI in a script). */
const isUp = (s: Step) => ["up", "update"].includes(command(s)) || /\bpulumi\s+(?:[^\n|;&]*\s)?(up|update)\b/.test(s.run ?? "");
const isPreview = (s: Step) => command(s) === "preview" || /\bpulumi\s+(?:[^\n|;&]*\s)?preview\b/.test(s.run ?? "");
const runsPulumi = (s: Step) => command(s) !== "" || /(^|[\s|;&(])pulumi\s/.test(s.run ?? "");
const allSteps = (w: Workflow) => Object.entries(w.jobs).flatMap(([job, j]) => (j.steps ?? []).map((s, i) => ({ job: j, jobName: job, step: s, index: i })));
const where = (w: Workflow, jobName: string, s: Step, i: number) => `${w.file} job ${jobName} step ${s.name ?? s.uses ?? `#${i}`}`;
const SECRET_REF = /^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/** The env a step sees: workflow, then job, then step. */
const envOf = (w: Workflow, j: Job, s: Step): Record<string, unknown> => ({ ...(w.env ?? {}), ...(j.env ?? {}), ...(s.env ?? {}) });

/**
 * GitHub's own workflow parser (@actions/workflow-parser, https://github.com/actions/languageservices:
 * the schema the Actions service and the VS Code extension validate with). It is ES modules only and
 * imports its schema JSON without `with {type: "json"}` (it is built for bundlers), which Node refuses:
 * a load hook adds the attribute for that package's JSON alone.
 */
async function githubParser(): Promise<(name: string, text: string) => string[]> {
    nodeModule.registerHooks({
        load(url, context, next) {
            const own = url.endsWith(".json") && url.includes("/@actions/workflow-parser/");
            return next(url, own ? { ...context, importAttributes: { ...context.importAttributes, type: "json" } } : context);
        },
    });
    const { parseWorkflow, NoOperationTraceWriter } = await import("@actions/workflow-parser");
    return (name, text) => parseWorkflow({ name, content: text }, new NoOperationTraceWriter()).context.errors.getErrors().map((e) => e.message);
}

describe("GitHub Actions workflows", () => {
    test("each file is a valid workflow by GitHub's schema (@actions/workflow-parser)", async () => {
        const validate = await githubParser();
        for (const w of workflows) assert.deepEqual(validate(w.file, w.text), [], `${w.file}: GitHub would refuse it`);
        // The validator is not lenient where it matters: `environment` belongs to a job, and under
        // `on.push` GitHub rejects the file (the push-to-main up then never runs).
        const up = workflows.find((w) => w.on.push);
        assert.ok(up, "a push workflow");
        const broken = up.text.replace(/^(\s+)branches: \[main\]$/m, "$1environment: lab\n$1branches: [main]");
        assert.notEqual(broken, up.text);
        assert.match(validate(up.file, broken).join("\n"), /Unexpected value 'environment'/);
    });

    test("there are workflows, and they parse", () => {
        assert.ok(workflows.length >= 1, `workflows in ${DIR}`);
        for (const w of workflows) assert.ok(Object.keys(w.jobs).length > 0, `${w.file} has jobs`);
    });

    test("pull requests: pulumi preview --diff with the result commented on the PR", () => {
        const previews = workflows.filter((w) => w.on.pull_request).flatMap((w) => allSteps(w).filter((x) => isPulumiAction(x.step) && command(x.step) === "preview").map((x) => ({ w, ...x })));
        assert.ok(previews.length >= 1, "a pulumi/actions preview step in a pull_request workflow");
        for (const { w, step } of previews) {
            assert.equal(String(step.with?.diff), "true", `${w.file}: diff: true (pulumi preview --diff)`);
            assert.equal(String(step.with?.["comment-on-pr"]), "true", `${w.file}: comment-on-pr: true`);
            assert.equal(w.permissions?.["pull-requests"], "write", `${w.file}: the token may comment on the PR`);
        }
    });

    test("pushes to main: pulumi up", () => {
        const ups = workflows.filter((w) => w.on.push).flatMap((w) => allSteps(w).filter((x) => isPulumiAction(x.step) && command(x.step) === "up").map((x) => ({ w, ...x })));
        assert.ok(ups.length >= 1, "a pulumi/actions up step in a push workflow");
        for (const { w } of ups) assert.deepEqual(w.on.push.branches, ["main"], `${w.file}: on push to main`);
    });

    test("pulumi up never runs on a pull request: its workflows run on pushes to main only", () => {
        for (const w of workflows) {
            const ups = allSteps(w).filter((x) => isUp(x.step));
            if (!ups.length) continue;
            assert.deepEqual(Object.keys(w.on), ["push"], `${w.file} runs pulumi up: it must be triggered by push only, not ${Object.keys(w.on).join(", ")}`);
            assert.deepEqual(w.on.push.branches, ["main"], `${w.file}: push to main only`);
            assert.equal(w.on.push.tags, undefined);
            assert.equal(w.on.push["branches-ignore"], undefined);
        }
        for (const w of workflows.filter((x) => x.on.pull_request || x.on.pull_request_target)) {
            for (const { step, jobName, index } of allSteps(w)) assert.ok(!isUp(step), `${where(w, jobName, step, index)} runs pulumi up in a pull request workflow`);
        }
        assert.equal(workflows.filter((w) => w.on.pull_request_target).length, 0, "no pull_request_target: it would run with secrets for forks");
    });

    test("the official Pulumi action, a current major version; Node 22 and npm ci before Pulumi runs", () => {
        for (const w of workflows) {
            for (const [jobName, j] of Object.entries(w.jobs)) {
                const steps = j.steps ?? [];
                const pulumiAt = steps.findIndex((s) => runsPulumi(s));
                if (pulumiAt < 0) continue;
                for (const s of steps.filter(isPulumiAction)) {
                    const m = /^pulumi\/actions@v(\d+)$/.exec(s.uses!);
                    assert.ok(m && Number(m[1]) >= 6, `${w.file} ${jobName}: ${s.uses} (pulumi/actions@v6 or later, by major tag)`);
                }
                const node = steps.findIndex((s) => /^actions\/setup-node@v\d+$/.test(s.uses ?? ""));
                assert.ok(node >= 0 && node < pulumiAt, `${w.file} ${jobName}: setup-node before Pulumi`);
                assert.equal(String(steps[node].with?.["node-version"]), "22", `${w.file} ${jobName}: Node 22`);
                const ci = steps.findIndex((s) => /^npm ci$/m.test(s.run ?? ""));
                assert.ok(ci > node && ci < pulumiAt, `${w.file} ${jobName}: npm ci after setup-node, before Pulumi`);
                assert.ok(steps.findIndex((s) => /^actions\/checkout@v\d+$/.test(s.uses ?? "")) === 0, `${w.file} ${jobName}: checkout first`);
            }
        }
    });

    test("the stack, backend and passphrase come from secrets wherever Pulumi runs", () => {
        for (const w of workflows) {
            for (const { job, jobName, step, index } of allSteps(w)) {
                if (!runsPulumi(step)) continue;
                const at = where(w, jobName, step, index);
                const env = envOf(w, job, step);
                assert.match(String(env.PULUMI_CONFIG_PASSPHRASE ?? ""), SECRET_REF, `${at}: PULUMI_CONFIG_PASSPHRASE from a secret`);
                assert.match(String(env.PULUMI_BACKEND_URL ?? ""), SECRET_REF, `${at}: PULUMI_BACKEND_URL from a secret (the self-managed backend)`);
                assert.equal(env.PULUMI_ACCESS_TOKEN, undefined, `${at}: a self-managed backend, not Pulumi Cloud`);
                if (isPulumiAction(step) && command(step)) {
                    assert.match(String(step.with?.["stack-name"] ?? ""), SECRET_REF, `${at}: stack-name from a secret`);
                    assert.equal(step.with?.["stack-name"], "${{ secrets.PULUMI_STACK_NAME }}");
                    assert.match(String(step.with?.["cloud-url"] ?? ""), SECRET_REF, `${at}: cloud-url from a secret`);
                }
                for (const line of (step.run ?? "").split("\n").filter((l) => /\bpulumi\s+(stack\s+select|config\s+set)\b/.test(l))) {
                    assert.match(line, /(--stack\s+|stack select (--create )?)"\$PULUMI_STACK_NAME"/, `${at}: ${line.trim()} names the stack from $PULUMI_STACK_NAME`);
                    assert.equal(env.PULUMI_STACK_NAME, "${{ secrets.PULUMI_STACK_NAME }}", `${at}: PULUMI_STACK_NAME from its secret`);
                }
            }
        }
    });

    test("the connection reaches the stack with pulumi config set: values from env (from secrets), the key with --secret on stdin", () => {
        for (const w of workflows) {
            for (const [jobName, j] of Object.entries(w.jobs)) {
                const steps = j.steps ?? [];
                const action = steps.findIndex((s) => isPulumiAction(s) && command(s));
                if (action < 0) continue;
                const sets = new Map<string, { line: string; env: Record<string, unknown> }>();
                steps.slice(0, action).forEach((s) => {
                    for (const line of (s.run ?? "").split("\n")) {
                        const m = /\bpulumi config set\b(.*)$/.exec(line);
                        if (!m) continue;
                        const words = m[1].replace(/--stack\s+"\$[A-Z_]+"/, "").trim().split(/\s+/).filter((x) => x !== "--secret");
                        sets.set(words[0], { line, env: envOf(w, j, s) });
                    }
                });
                for (const key of ["host", "sshHostKey", "sshPrivateKey"]) assert.ok(sets.has(key), `${w.file} ${jobName}: pulumi config set ${key} before the ${command(steps[action])}`);
                for (const [key, { line, env }] of sets) {
                    const words = line.replace(/^.*\bpulumi config set\b/, "").replace(/--stack\s+"\$[A-Z_]+"/, "").trim().split(/\s+/).filter((x) => x !== "--secret");
                    if (key === "sshPrivateKey") {
                        assert.match(line, /--secret/, `${w.file}: the private key is set with --secret`);
                        assert.equal(words.length, 1, `${w.file}: the private key is no argument (it would show in the process list): ${line.trim()}`);
                        const piped = /printf '%s\\n' "\$([A-Z_]+)"\s*\|\s*pulumi config set/.exec(line);
                        assert.ok(piped, `${w.file}: the private key goes in on stdin from an env var: ${line.trim()}`);
                        assert.match(String(env[piped[1]] ?? ""), SECRET_REF, `${w.file}: $${piped[1]} comes from a secret`);
                    } else {
                        const v = /^"\$([A-Z_]+)"$/.exec(words[1] ?? "");
                        assert.ok(v, `${w.file}: pulumi config set ${key} takes its value from an env var, not inline: ${line.trim()}`);
                        assert.match(String(env[v[1]] ?? ""), SECRET_REF, `${w.file}: $${v[1]} comes from a secret`);
                    }
                }
            }
        }
    });

    test("secrets only through ${{ secrets.* }} and env: none inlined, none expanded into a script", () => {
        const sensitive = /PASSPHRASE|PASSWORD|SECRET|TOKEN|KEY|BACKEND|HOST|STACK/i;
        for (const w of workflows) {
            const envs: [string, Record<string, unknown> | undefined][] = [[`${w.file} env`, w.env]];
            for (const [jobName, j] of Object.entries(w.jobs)) {
                envs.push([`${w.file} job ${jobName} env`, j.env]);
                (j.steps ?? []).forEach((s, i) => {
                    envs.push([`${where(w, jobName, s, i)} env`, s.env]);
                    for (const [k, v] of Object.entries(s.with ?? {})) if (sensitive.test(k) || k === "cloud-url") assert.match(String(v), SECRET_REF, `${where(w, jobName, s, i)} with.${k}`);
                    assert.doesNotMatch(s.run ?? "", /\$\{\{\s*secrets\./, `${where(w, jobName, s, i)}: a secret expanded into the script text (pass it through env)`);
                });
            }
            for (const [at, env] of envs) {
                for (const [k, v] of Object.entries(env ?? {})) {
                    if (sensitive.test(k)) assert.match(String(v), SECRET_REF, `${at}.${k} must be \${{ secrets.* }}`);
                }
            }
            assert.doesNotMatch(w.text, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, `${w.file}: private key material`);
            assert.doesNotMatch(w.text, /\bssh-(ed25519|rsa|dss)\s+AAAA|ecdsa-sha2-nistp\d+\s+AAAA/, `${w.file}: an SSH public key`);
            assert.doesNotMatch(w.text, /SHA256:[A-Za-z0-9+/]{20,}/, `${w.file}: a host key fingerprint`);
            assert.doesNotMatch(w.text, /ssh:\/\/[^\s"']+@/, `${w.file}: a host address (it comes from a secret)`);
            assert.doesNotMatch(w.text, /PULUMI_CONFIG_PASSPHRASE(_FILE)?[ \t]*[:=][ \t]*(?![ \t]|\$\{\{\s*secrets\.)/, `${w.file}: an inlined passphrase`);
        }
    });

    test("every job that reaches the lab host runs in a GitHub environment (its secrets, its protection rules)", () => {
        for (const w of workflows) {
            for (const [jobName, j] of Object.entries(w.jobs)) {
                if (!(j.steps ?? []).some(runsPulumi)) continue;
                assert.ok(typeof j.environment === "string" ? j.environment : j.environment?.name, `${w.file} ${jobName}: environment`);
            }
        }
    });

    test("the action's preview/up runs the program for its refresh (PULUMI_RUN_PROGRAM): the connection just set from secrets is the one used", () => {
        for (const w of workflows) {
            for (const { job, jobName, step, index } of allSteps(w)) {
                if (!isPulumiAction(step) || !["up", "preview"].includes(command(step))) continue;
                assert.equal(String(envOf(w, job, step).PULUMI_RUN_PROGRAM), "true", `${where(w, jobName, step, index)}: PULUMI_RUN_PROGRAM`);
            }
        }
    });

    test("pull requests from forks do not run the preview (they have no secrets and must not reach the lab host)", () => {
        for (const w of workflows.filter((x) => x.on.pull_request)) {
            for (const [jobName, j] of Object.entries(w.jobs)) {
                if (!(j.steps ?? []).some(runsPulumi)) continue;
                assert.match(j.if ?? "", /github\.event\.pull_request\.head\.repo\.full_name\s*==\s*github\.repository/, `${w.file} ${jobName}`);
            }
        }
    });
});
