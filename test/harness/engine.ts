// The converge harness: the Pulumi engine's stand-in for tests (the CLI and plugins cannot be
// downloaded here). It runs the real program under pulumi.runtime.setMocks, takes over the mock
// monitor's registerResource, and for every dynamic resource loads the *serialized* __provider
// exactly as @pulumi/pulumi/cmd/dynamic-provider does, then drives check/diff/create/update/
// replace/delete against the real host with state in a JSON file. Facts it reproduces:
//   - providers get plaintext (the dynamic host accepts no secrets); outputs whose input was
//     secret, or that are additionalSecretOutputs, are re-marked secret;
//   - values cross a protobuf Struct both ways (undefined is rejected, as by the real host);
//   - diff.changes undefined falls back to comparing old and new inputs incl. __provider;
//   - a "same" step keeps the old outputs (and so the old __provider);
//   - outputs are replaced by create/update results (+ __provider);
//   - replacement re-checks with empty olds, creates first and deletes the old one at the end,
//     or deletes first with deleteBeforeReplace;
//   - resources not registered are deleted after the program, dependents first;
//   - registration returns after the provider operation, so dependents wait for it;
//   - preview calls only check/diff and never touches the host; refresh calls read and drops
//     resources whose read returns no id (Pulumi.yaml `options: refresh: always`);
//   - destroy needs only the state file.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { closeAllConnections } from "../../providers/host/transport";
import { fakes } from "./fakes";
import { UNKNOWN, Wire, remarkSecrets, reveal, secretKeysOf, toStruct, viaStruct } from "./wire";

const resproto = require("@pulumi/pulumi/proto/resource_pb");
const requireFromString = require("require-from-string");

const STACK_TYPE = "pulumi:pulumi:Stack";

export interface StateResource {
    urn: string;
    type: string;
    custom: boolean;
    id?: string;
    parent?: string;
    dependencies: string[];
    /** Checked inputs, wire form. */
    inputs: Wire;
    /** Outputs, wire form (secrets wrapped). */
    outputs: Wire;
    deleteBeforeReplace?: boolean;
    retainOnDelete?: boolean;
    additionalSecretOutputs?: string[];
    /** A create that failed after the object existed (ErrorResourceInitFailed): updated next run. */
    initErrors?: string[];
    /** The old half of a replacement whose delete has not happened yet: deleted next run. */
    pendingDelete?: boolean;
}

export interface State {
    resources: StateResource[];
}

export type Op = "check" | "diff" | "same" | "create" | "update" | "replace" | "delete" | "read" | "refresh-update" | "refresh-delete";

export interface Step {
    op: Op;
    urn: string;
    detailedDiff?: Record<string, unknown>;
}

export interface Report {
    ops: Partial<Record<Op, number>>;
    /** Every step that is not a check, diff, same or read. */
    steps: Step[];
    /** Stack outputs, plaintext. */
    outputs: Record<string, any>;
    /** Stack outputs, wire form (secrets visible as such). */
    wireOutputs: Record<string, any>;
    durationMs: number;
}

export interface HarnessOptions {
    stateFile: string;
    project?: string;
    stack?: string;
    /** Config values by bare key (the project namespace is added); non-strings are JSON-encoded. */
    config?: Record<string, unknown>;
    /** Bare keys whose config values are secrets. */
    secretConfig?: string[];
    preview?: boolean;
    /** Refresh state from the host before running (Pulumi.yaml `options: refresh: always`). */
    refresh?: boolean;
    /** Concurrent provider operations (the CLI's --parallel). */
    parallel?: number;
    log?: (line: string) => void;
}

export function loadState(file: string): State {
    if (!fs.existsSync(file)) return { resources: [] };
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

function saveState(file: string, state: State): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, file);
}

const isDynamic = (type: string) => type.startsWith("pulumi-nodejs:dynamic");

/** One provider process: providers deserialized once per text, configured once. */
class ProviderHost {
    private cache = new Map<string, Promise<pulumi.dynamic.ResourceProvider>>();

    load(text: string): Promise<pulumi.dynamic.ResourceProvider> {
        if (typeof text !== "string" || text === UNKNOWN) throw new Error("resource has no serialized __provider");
        let p = this.cache.get(text);
        if (!p) {
            p = (async () => {
                const provider = requireFromString(text).handler();
                if (provider.configure) await provider.configure({ config: { get: () => undefined, require: (k: string) => { throw new Error(`no config ${k}`); } } });
                return provider;
            })();
            this.cache.set(text, p);
        }
        return p;
    }
}

class Limiter {
    private running = 0;
    private queue: (() => void)[] = [];
    constructor(private readonly max: number) {}
    async run<T>(fn: () => Promise<T>): Promise<T> {
        if (this.running < this.max) this.running++;
        else await new Promise<void>((r) => this.queue.push(r)); // the slot is handed over
        try {
            return await fn();
        } finally {
            const next = this.queue.shift();
            if (next) next();
            else this.running--;
        }
    }
}

class Deployment {
    readonly ops: Partial<Record<Op, number>> = {};
    readonly steps: Step[] = [];
    readonly registered = new Map<string, StateResource>();
    readonly order: string[] = [];
    readonly pendingDeletes: StateResource[] = [];
    readonly errors: Error[] = [];
    readonly providers = new ProviderHost();
    readonly limiter: Limiter;
    readonly old: Map<string, StateResource>;
    readonly oldIndex: Map<string, number>;
    private readonly inflight = new Set<Promise<unknown>>();

    constructor(readonly state: State, readonly opts: HarnessOptions) {
        this.limiter = new Limiter(opts.parallel ?? 16);
        this.old = new Map(state.resources.filter((r) => !r.pendingDelete).map((r) => [r.urn, r]));
        this.oldIndex = new Map(state.resources.map((r, i) => [r.urn, i]));
    }

    count(op: Op, urn?: string, detailedDiff?: Record<string, unknown>): void {
        this.ops[op] = (this.ops[op] ?? 0) + 1;
        if (urn && !["check", "diff", "same", "read"].includes(op)) this.steps.push({ op, urn, detailedDiff });
        if (urn && !["check", "diff", "same", "read"].includes(op)) this.opts.log?.(`${op.padEnd(8)} ${urn.split("::").pop()}`);
    }

    track<T>(p: Promise<T>): Promise<T> {
        this.inflight.add(p);
        p.then(() => this.inflight.delete(p), () => this.inflight.delete(p));
        return p;
    }

    async settle(): Promise<void> {
        while (this.inflight.size) await Promise.allSettled([...this.inflight]);
    }

    urnOf(type: string, name: string, parent: string | undefined): string {
        const project = this.opts.project ?? "hotstack-os";
        const stack = this.opts.stack ?? "test";
        let qualified = type;
        if (parent) {
            const parentType = parent.split("::")[2];
            if (parentType !== STACK_TYPE) qualified = `${parentType}$${type}`;
        }
        return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
    }

    async register(req: any): Promise<any> {
        const started = Date.now();
        try {
            const resp = await this.registerStep(req);
            if (this.opts.log && Date.now() - started > 2000) this.opts.log(`done     ${req.getName()} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
            return resp;
        } catch (e) {
            this.opts.log?.(`FAILED   ${req.getName()}: ${(e as Error).message.split("\n")[0]}`);
            throw e;
        }
    }

    private async registerStep(req: any): Promise<any> {
        const type: string = req.getType();
        const name: string = req.getName();
        const parent: string | undefined = req.getParent() || undefined;
        const urn = this.urnOf(type, name, parent);
        if (this.registered.has(urn)) throw new Error(`duplicate resource URN ${urn}`);
        const object: Wire = req.getObject()?.toJavaScript() ?? {};
        const entry: StateResource = {
            urn,
            type,
            custom: req.getCustom(),
            parent,
            dependencies: req.getDependenciesList(),
            inputs: object,
            outputs: {},
            deleteBeforeReplace: req.getDeletebeforereplace() || undefined,
            retainOnDelete: req.getRetainondelete() || undefined,
            additionalSecretOutputs: req.getAdditionalsecretoutputsList().length ? req.getAdditionalsecretoutputsList() : undefined,
        };
        this.order.push(urn);
        if (entry.custom) {
            const ignore: string[] = req.getIgnorechangesList();
            const replaceOn: string[] = req.getReplaceonchangesList();
            if (isDynamic(type)) await this.limiter.run(() => this.stepDynamic(entry, ignore, replaceOn));
            else if (fakes[type]) this.stepFake(entry);
            else throw new Error(`${urn}: no provider for type ${type} in the harness`);
        } else {
            this.count(this.old.has(urn) ? "same" : "create", urn);
        }
        this.registered.set(urn, entry);
        const resp = new resproto.RegisterResourceResponse();
        resp.setUrn(urn);
        resp.setId(entry.id ?? "");
        resp.setObject(toStruct(entry.outputs));
        return resp;
    }

    private secretKeys(entry: StateResource): Set<string> {
        const keys = secretKeysOf(entry.inputs);
        for (const k of entry.additionalSecretOutputs ?? []) keys.add(k);
        return keys;
    }

    private async stepDynamic(entry: StateResource, ignore: string[], replaceOn: string[]): Promise<void> {
        const preview = !!this.opts.preview;
        const old = this.old.get(entry.urn);
        const news = reveal(entry.inputs);
        for (const k of ignore) if (old && k in old.inputs) news[k] = reveal(old.inputs[k]);
        const providerText = news.__provider === UNKNOWN && old ? reveal(old.outputs.__provider) : news.__provider;
        const provider = await this.providers.load(providerText);
        const check = async (olds: Record<string, any>) => {
            this.count("check", entry.urn);
            const result = provider.check ? await provider.check(olds, news) : { inputs: news };
            if (result.failures?.length) {
                const lines = result.failures.map((f) => `  - ${f.property}: ${f.reason}`).join("\n");
                throw new Error(`${entry.urn}: check failed:\n${lines}`);
            }
            return viaStruct({ ...(result.inputs ?? news), __provider: news.__provider });
        };
        const secrets = this.secretKeys(entry);
        const wireOut = (outs: Record<string, any>) => remarkSecrets(outs, secrets);
        let inputs = await check(old ? reveal(old.inputs) : {});
        entry.inputs = wireOut(inputs);

        if (!old) {
            this.count("create", entry.urn);
            if (preview) {
                entry.outputs = entry.inputs;
                return;
            }
            await this.create(entry, provider, inputs, wireOut);
            return;
        }

        const oldOutputs = reveal(old.outputs);
        this.count("diff", entry.urn);
        const diff: any = provider.diff ? await provider.diff(old.id!, oldOutputs, inputs) : {};
        let changed = diff.changes;
        if (changed === undefined) changed = JSON.stringify(reveal(old.inputs)) !== JSON.stringify(inputs);
        const changedKeys = Object.keys({ ...reveal(old.inputs), ...inputs }).filter((k) => JSON.stringify(reveal(old.inputs)[k]) !== JSON.stringify(inputs[k]));
        const replace = (diff.replaces?.length ?? 0) > 0 || replaceOn.some((k) => changedKeys.includes(k));
        if (old.initErrors && !changed) changed = true;

        if (!changed) {
            this.count("same", entry.urn);
            entry.id = old.id;
            entry.outputs = old.outputs;
            return;
        }
        if (!replace) {
            this.count("update", entry.urn, diff.detailedDiff);
            entry.id = old.id;
            if (preview) {
                entry.outputs = entry.inputs;
                return;
            }
            const result = (provider.update ? await provider.update(old.id!, oldOutputs, inputs) : {}) ?? {};
            entry.outputs = wireOut(viaStruct({ ...(result.outs ?? {}), __provider: inputs.__provider }));
            return;
        }

        this.count("replace", entry.urn, diff.detailedDiff);
        inputs = await check({});
        entry.inputs = wireOut(inputs);
        if (preview) {
            entry.outputs = entry.inputs;
            return;
        }
        if (diff.deleteBeforeReplace || old.deleteBeforeReplace || entry.deleteBeforeReplace) {
            await this.deleteOne(old);
        } else {
            this.pendingDeletes.push(old);
        }
        await this.create(entry, provider, inputs, wireOut);
    }

    private async create(entry: StateResource, provider: pulumi.dynamic.ResourceProvider, inputs: Record<string, any>, wireOut: (o: Record<string, any>) => Record<string, any>): Promise<void> {
        try {
            const result = await provider.create(inputs);
            entry.id = result.id;
            entry.outputs = wireOut(viaStruct({ ...(result.outs ?? {}), __provider: inputs.__provider }));
        } catch (e: any) {
            // The object exists but did not come up: keep it in state so the next run updates it.
            if (e?.id) {
                entry.id = e.id;
                entry.outputs = wireOut(viaStruct({ ...(e.properties ?? inputs), __provider: inputs.__provider }));
                entry.initErrors = e.reasons ?? [String(e.message)];
                this.registered.set(entry.urn, entry);
            }
            throw e;
        }
    }

    private stepFake(entry: StateResource): void {
        const fake = fakes[entry.type];
        const old = this.old.get(entry.urn);
        const news = reveal(entry.inputs);
        const secrets = this.secretKeys(entry);
        this.count("check", entry.urn);
        if (old && !fake.replaces(reveal(old.inputs), news)) {
            this.count("same", entry.urn);
            entry.id = old.id;
            entry.outputs = old.outputs;
            return;
        }
        this.count(old ? "replace" : "create", entry.urn);
        if (this.opts.preview) {
            entry.outputs = entry.inputs;
            return;
        }
        const result = fake.create(news);
        entry.id = result.id;
        entry.outputs = remarkSecrets(viaStruct(result.outs), secrets);
        if (old) this.pendingDeletes.push(old);
    }

    async deleteOne(res: StateResource): Promise<void> {
        this.count("delete", res.urn);
        if (this.opts.preview || !res.custom || res.retainOnDelete || !isDynamic(res.type)) return;
        const outputs = reveal(res.outputs);
        const provider = await this.providers.load(outputs.__provider);
        if (provider.delete) await provider.delete(res.id!, outputs);
    }

    /** Deletes in reverse order of the old state: registration order puts dependencies first. */
    async deleteAll(victims: StateResource[]): Promise<StateResource[]> {
        const sorted = [...victims].sort((a, b) => (this.oldIndex.get(b.urn) ?? 0) - (this.oldIndex.get(a.urn) ?? 0));
        const failed: StateResource[] = [];
        for (const res of sorted) {
            try {
                await this.deleteOne(res);
            } catch (e: any) {
                this.errors.push(e);
                failed.push(res);
            }
        }
        return failed;
    }

    newState(keepOld: boolean): State {
        const resources = this.order.filter((u) => this.registered.has(u)).map((u) => this.registered.get(u)!);
        if (keepOld) {
            // A failed run loses nothing: what was not processed stays, as the engine keeps it.
            for (const r of this.state.resources) if (r.pendingDelete || !this.registered.has(r.urn)) resources.push(r);
            for (const r of this.pendingDeletes) if (!r.pendingDelete) resources.push({ ...r, pendingDelete: true });
        }
        return { resources };
    }
}

/** Refreshes state from the host: read() every dynamic resource; drop those that are gone. */
async function refreshState(state: State, d: Deployment): Promise<State> {
    const kept: (StateResource | undefined)[] = await Promise.all(state.resources.map((res) => d.limiter.run(async () => {
        if (!res.custom || !isDynamic(res.type)) return res;
        const outputs = reveal(res.outputs);
        const provider = await d.providers.load(outputs.__provider);
        if (!provider.read) return res;
        d.count("read", res.urn);
        const result = await provider.read(res.id!, outputs);
        if (!result.id) {
            d.count("refresh-delete", res.urn);
            return undefined;
        }
        const props = viaStruct({ ...(result.props ?? {}), __provider: outputs.__provider });
        if (JSON.stringify(props) !== JSON.stringify(outputs)) d.count("refresh-update", res.urn);
        const secrets = secretKeysOf(res.outputs);
        for (const k of res.additionalSecretOutputs ?? []) secrets.add(k);
        return { ...res, id: result.id, outputs: remarkSecrets(props, secrets) };
    })));
    return { resources: kept.filter((r): r is StateResource => !!r) };
}

const mocks: pulumi.runtime.Mocks = {
    newResource: () => {
        throw new Error("the harness handles registrations itself");
    },
    call: (args) => {
        throw new Error(`invoke ${args.token} is not supported by the harness`);
    },
};

async function withMonitor<T>(d: Deployment, opts: HarnessOptions, fn: () => Promise<T>): Promise<T> {
    await pulumi.runtime.setMocks(mocks, opts.project ?? "hotstack-os", opts.stack ?? "test", !!opts.preview);
    const project = opts.project ?? "hotstack-os";
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.config ?? {})) config[`${project}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(config, (opts.secretConfig ?? []).map((k) => `${project}:${k}`));
    const monitor: any = pulumi.runtime.getMonitor();
    monitor.registerResource = (req: any, cb: (err: any, resp?: any) => void) => {
        d.track(d.register(req)).then((resp) => cb(null, resp), (err) => {
            d.errors.push(err);
            // The engine answers a failed step with gRPC status UNKNOWN and the message. Passing the
            // provider's error itself would leak its fields: a `code` of 1 (a shell exit status)
            // reads as CANCELLED to the SDK, which then stops every RPC and the program hangs.
            cb(Object.assign(new Error(err?.message ?? String(err)), { code: 2 }));
        });
    };
    monitor.registerResourceOutputs = (req: any, cb: (err: any, resp?: any) => void) => {
        const res = d.registered.get(req.getUrn());
        if (res) res.outputs = req.getOutputs()?.toJavaScript() ?? {};
        cb(null, {});
    };
    // A failed registration rejects every output of that resource. Pulumi's language host owns
    // process-level rejections while a program runs and reports the registration error instead;
    // so does the harness (other listeners, e.g. a test runner's, are set aside meanwhile).
    const swallow = (e: unknown) => {
        if (!d.errors.includes(e as Error)) d.errors.push(e as Error);
    };
    const others = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", swallow);
    try {
        return await fn();
    } finally {
        // The SDK rejects the outputs of a failed resource a few turns later: stay for them.
        await new Promise((r) => setTimeout(r, 50));
        process.removeListener("unhandledRejection", swallow);
        for (const l of others) process.on("unhandledRejection", l);
    }
}

function finish(d: Deployment, started: number, wireOutputs: Record<string, any>): Report {
    return { ops: d.ops, steps: d.steps, outputs: reveal(wireOutputs), wireOutputs, durationMs: Date.now() - started };
}

function failure(d: Deployment): Error {
    const unique = [...new Set(d.errors.map((e) => e?.message ?? String(e)))];
    const err = new Error(`deployment failed:\n${unique.join("\n")}`);
    (err as any).errors = d.errors;
    return err;
}

/** Each operation is one provider process: its SSH connections end with it. */
async function asProcess<T>(fn: () => Promise<T>): Promise<T> {
    try {
        return await fn();
    } finally {
        await closeAllConnections();
    }
}

/** `pulumi up` (or `pulumi preview` with opts.preview): runs the program and converges. */
export function up(program: () => unknown, opts: HarnessOptions): Promise<Report> {
    return asProcess(() => runUp(program, opts));
}

async function runUp(program: () => unknown, opts: HarnessOptions): Promise<Report> {
    const started = Date.now();
    let state = loadState(opts.stateFile);
    const refreshing = new Deployment(state, opts);
    if (opts.refresh) {
        state = await refreshState(state, refreshing);
        if (!opts.preview) saveState(opts.stateFile, state);
    }
    const d = new Deployment(state, opts);
    Object.assign(d.ops, refreshing.ops);
    d.steps.push(...refreshing.steps);
    let stackOutputs: Record<string, any> = {};
    await withMonitor(d, opts, async () => {
        try {
            await pulumi.runtime.runInPulumiStack(async () => await program());
        } catch (e: any) {
            if (!d.errors.includes(e)) d.errors.push(e);
        }
        await d.settle();
        // waitForRPCs is internal to the SDK but exported from its settings module.
        await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
        await d.settle();
    });
    const stack = [...d.registered.values()].find((r) => r.type === STACK_TYPE);
    stackOutputs = stack?.outputs ?? {};
    if (d.errors.length) {
        if (!opts.preview) saveState(opts.stateFile, d.newState(true));
        throw failure(d);
    }
    const gone = state.resources.filter((r) => r.pendingDelete || !d.registered.has(r.urn));
    const failed = await d.deleteAll([...d.pendingDeletes, ...gone]);
    if (!opts.preview) {
        const next = d.newState(false);
        // What could not be deleted stays; an old half of a replacement is marked for next time.
        for (const r of failed) next.resources.push(d.registered.has(r.urn) ? { ...r, pendingDelete: true } : r);
        saveState(opts.stateFile, next);
    }
    if (d.errors.length) throw failure(d);
    return finish(d, started, stackOutputs);
}

export function preview(program: () => unknown, opts: HarnessOptions): Promise<Report> {
    return up(program, { ...opts, preview: true });
}

/** `pulumi refresh`: reads every resource back from the host and saves what it finds. */
export function refresh(opts: HarnessOptions): Promise<Report> {
    return asProcess(() => runRefresh(opts));
}

async function runRefresh(opts: HarnessOptions): Promise<Report> {
    const started = Date.now();
    const d = new Deployment(loadState(opts.stateFile), opts);
    const state = await refreshState(d.state, d);
    if (!opts.preview) saveState(opts.stateFile, state);
    return finish(d, started, {});
}

/** `pulumi destroy`: deletes everything in state, dependents first, using state alone. */
export function destroy(opts: HarnessOptions): Promise<Report> {
    return asProcess(() => runDestroy(opts));
}

async function runDestroy(opts: HarnessOptions): Promise<Report> {
    const started = Date.now();
    const state = loadState(opts.stateFile);
    const d = new Deployment(state, opts);
    const failed = await d.deleteAll(state.resources);
    if (!opts.preview) saveState(opts.stateFile, { resources: state.resources.filter((r) => failed.includes(r)) });
    if (d.errors.length) throw failure(d);
    return finish(d, started, {});
}

/** Counts of create, update, replace and delete steps: "0" means a true no-op run. */
export function changeCount(r: Report): number {
    return (r.ops.create ?? 0) + (r.ops.update ?? 0) + (r.ops.replace ?? 0) + (r.ops.delete ?? 0);
}
