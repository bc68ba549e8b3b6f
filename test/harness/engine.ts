// The converge harness: the Pulumi engine's stand-in for tests (the CLI and plugins cannot be
// downloaded here). It runs the real program under pulumi.runtime.setMocks, takes over the mock
// monitor's registerResource, and does what the engine does between provider calls — steps,
// state, secrets, unknowns in preview, refresh, dependency-ordered parallel deletes, replacement
// — while every provider call goes to the real dynamic provider host process
// (@pulumi/pulumi/cmd/dynamic-provider, see provider-host.ts) over gRPC. Engine behaviour it
// reproduces (pkg/resource/deploy in pulumi/pulumi; see README.md for what it leaves out):
//   - the stack config is the default provider's inputs (kept in state, secrets encrypted) and
//     reaches the providers through Configure; refresh and destroy configure the provider with
//     the config stored by the last update, `up`/`preview` with the current one (unless
//     runProgram, as `--run-program`);
//   - values cross protobuf Structs both ways; providers get no secrets; outputs whose input was
//     secret, and additionalSecretOutputs, are re-marked secret;
//   - diff.changes unknown falls back to comparing old and new inputs; a "same" step keeps the
//     old outputs (and with them the old __provider); a resource with init errors is updated;
//   - an init failure (ErrorResourceInitFailed) keeps the properties exactly as the provider
//     host sent them, nothing added;
//   - replacement re-checks with empty olds, creates first and deletes the old one after the
//     program, or deletes first with deleteBeforeReplace;
//   - deletes (unregistered resources, destroy) run in parallel, each after its dependents;
//   - refresh reads every resource and drops those whose read returns no id;
//   - state is checkpointed after every step; operations in flight are recorded and, when a run
//     dies, kept as pending operations (pending creates survive later runs until a refresh
//     clears them, as in the engine);
//   - preview calls only check/diff (and read when refreshing) and never writes state.
import * as crypto from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { fakes } from "./fakes";
import { ProviderHost, providerConfig } from "./provider-host";
import { PendingOperation, State, StateResource, loadState, saveState } from "./state";
import { Wire, remarkSecrets, reveal, secretKeysOf, toStruct, viaStruct } from "./wire";

export { loadState } from "./state";
export type { State, StateResource } from "./state";

const resproto = require("@pulumi/pulumi/proto/resource_pb");

const STACK_TYPE = "pulumi:pulumi:Stack";
export const DEFAULT_PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";
const PROJECT_DIR = path.resolve(__dirname, "../..");

export type Op = "check" | "diff" | "same" | "create" | "update" | "replace" | "delete" | "read" | "refresh-update" | "refresh-delete";

export interface Step {
    op: Op;
    urn: string;
    type: string;
    /** When its provider operation started and ended (ms since the epoch), for steps that made one. */
    startedAt?: number;
    endedAt?: number;
}

export interface Report {
    ops: Partial<Record<Op, number>>;
    /** Every step that is not a check, diff, same or read (the default provider's included). */
    steps: Step[];
    /** Stack outputs, plaintext. */
    outputs: Record<string, any>;
    /** Stack outputs, wire form (secrets visible as such). */
    wireOutputs: Record<string, any>;
    /** Warnings the engine would print (e.g. pending operations from an interrupted run). */
    warnings: string[];
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
    /** `--run-program`: refresh (and destroy) use the current config rather than the stored one. */
    runProgram?: boolean;
    /** Concurrent provider operations (the CLI's --parallel). */
    parallel?: number;
    log?: (line: string) => void;
    /** Called with each provider host process as it starts (tests that kill a run). */
    onProviderHost?: (host: ProviderHost) => void;
}

export interface RefreshOptions extends HarnessOptions {
    /** `pulumi refresh --clear-pending-creates`. */
    clearPendingCreates?: boolean;
}

const isDynamic = (type: string) => type.startsWith("pulumi-nodejs:dynamic");
const isProvider = (type: string) => type.startsWith("pulumi:providers:");
/** A registration the engine did not start because an earlier step failed (not an error of its own). */
const NOT_STARTED = new Error("not started: the deployment stopped at an earlier failure");

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

function projectOf(opts: HarnessOptions): string {
    return opts.project ?? "hotstack-os";
}

function defaultProviderUrn(opts: HarnessOptions): string {
    return `urn:pulumi:${opts.stack ?? "test"}::${projectOf(opts)}::${DEFAULT_PROVIDER_TYPE}::default`;
}

/** The stack config as the default provider's inputs (secret keys wrapped). */
function currentProviderInputs(opts: HarnessOptions): Record<string, Wire> {
    return providerConfig(projectOf(opts), opts.config ?? {}, opts.secretConfig ?? []);
}

const RUNTIME_OPTIONS = { typescript: true }; // Pulumi.yaml runtime.options

/** One deployment (up, preview, refresh or destroy): its steps, its state, its provider hosts. */
class Deployment {
    readonly ops: Partial<Record<Op, number>> = {};
    readonly steps: Step[] = [];
    readonly warnings: string[] = [];
    readonly registered = new Map<string, StateResource>();
    readonly order: string[] = [];
    readonly pendingDeletes: StateResource[] = [];
    readonly errors: Error[] = [];
    readonly limiter: Limiter;
    old: Map<string, StateResource>;
    /** Resources of the old state deleted during this deployment. */
    readonly deleted = new Set<string>();
    readonly inFlight = new Map<StateResource, PendingOperation["type"]>();
    private readonly hosts: ProviderHost[] = [];
    private readonly tracked = new Set<Promise<unknown>>();
    /** The host that serves the program's registrations (configured with the current config). */
    host?: ProviderHost;
    /** The default provider's inputs for this run: registered with the first resource that uses it. */
    providerInputs?: Record<string, Wire>;
    /** Set once a step failed: the engine then starts no new step and stops serving the program. */
    terminated = false;
    private endTermination!: () => void;
    readonly whenTerminated = new Promise<void>((r) => (this.endTermination = r));

    constructor(public state: State, readonly opts: HarnessOptions) {
        this.limiter = new Limiter(opts.parallel ?? 16);
        this.old = new Map(state.resources.filter((r) => !r.pendingDelete).map((r) => [r.urn, r]));
    }

    log(line: string): void {
        this.opts.log?.(line);
    }

    count(op: Op, res?: { urn: string; type: string }): void {
        this.ops[op] = (this.ops[op] ?? 0) + 1;
        if (res && !["check", "diff", "same", "read"].includes(op)) {
            this.steps.push({ op, urn: res.urn, type: res.type });
            this.log(`${op.padEnd(8)} ${res.urn.split("::").pop()}`);
        }
    }

    async startHost(config: Record<string, Wire>): Promise<ProviderHost> {
        const host = await ProviderHost.start({
            project: projectOf(this.opts),
            cwd: PROJECT_DIR,
            config,
            runtimeOptions: RUNTIME_OPTIONS,
            log: (l) => this.log(`[provider] ${l}`),
        });
        this.hosts.push(host);
        this.opts.onProviderHost?.(host);
        return host;
    }

    async stopHosts(): Promise<void> {
        await Promise.all(this.hosts.map((h) => h.stop()));
    }

    track<T>(p: Promise<T>): Promise<T> {
        this.tracked.add(p);
        p.then(() => this.tracked.delete(p), () => this.tracked.delete(p));
        return p;
    }

    async settle(): Promise<void> {
        while (this.tracked.size) await Promise.allSettled([...this.tracked]);
    }

    /** The state as it stands now: what ran, what did not run yet, what is pending. */
    snapshot(): State {
        const resources: StateResource[] = [];
        const seen = new Set<string>();
        for (const u of this.order) {
            const r = this.registered.get(u);
            if (r && !seen.has(u)) {
                resources.push(r);
                seen.add(u);
            }
        }
        for (const r of this.state.resources) {
            if (this.deleted.has(r.urn + (r.pendingDelete ? "#pending" : ""))) continue;
            if (r.pendingDelete) resources.push(r);
            else if (!seen.has(r.urn)) resources.push(r);
        }
        for (const r of this.pendingDeletes) if (!this.deleted.has(r.urn + "#pending")) resources.push({ ...r, pendingDelete: true });
        // The default provider comes first, as in the engine's snapshots.
        resources.sort((a, b) => Number(isProvider(b.type)) - Number(isProvider(a.type)));
        const pendingOperations: PendingOperation[] = [
            ...(this.state.pendingOperations ?? []).filter((op) => op.type === "creating"),
            ...[...this.inFlight].map(([resource, type]) => ({ type, resource })),
        ];
        return { secretsSalt: this.state.secretsSalt, resources, pendingOperations };
    }

    checkpoint(): void {
        if (this.opts.preview) return;
        const snap = this.snapshot();
        saveState(this.opts.stateFile, snap);
        this.state.secretsSalt = snap.secretsSalt;
    }

    /** Runs one provider operation, recorded as in flight (in the checkpoint) while it runs, and timed. */
    async inflight<T>(res: StateResource, type: PendingOperation["type"], fn: () => Promise<T>): Promise<T> {
        this.inFlight.set(res, type);
        this.checkpoint();
        const step = [...this.steps].reverse().find((st) => st.urn === res.urn);
        if (step) step.startedAt = Date.now();
        try {
            return await fn();
        } finally {
            if (step) step.endedAt = Date.now();
            this.inFlight.delete(res);
        }
    }

    urnOf(type: string, name: string, parent: string | undefined): string {
        let qualified = type;
        if (parent) {
            const parentType = parent.split("::")[2];
            if (parentType !== STACK_TYPE) qualified = `${parentType}$${type}`;
        }
        return `urn:pulumi:${this.opts.stack ?? "test"}::${projectOf(this.opts)}::${qualified}::${name}`;
    }

    secretKeys(entry: StateResource): Set<string> {
        const keys = secretKeysOf(entry.inputs);
        for (const k of entry.additionalSecretOutputs ?? []) keys.add(k);
        return keys;
    }

    // ---- the program's registrations --------------------------------------------------------

    /** Checks and diffs of registrations already made still run (and report every invalid input);
     *  a step that would change something does not start once the deployment was cancelled. */
    mayStart(): void {
        if (this.terminated) throw NOT_STARTED;
    }

    /** A failed step: the engine cancels the deployment (in-flight steps finish, no new ones start). */
    terminate(): void {
        this.terminated = true;
        this.endTermination();
    }

    async register(req: any): Promise<any> {
        const started = Date.now();
        if (this.terminated) throw NOT_STARTED;
        try {
            const resp = await this.registerStep(req);
            if (Date.now() - started > 2000) this.log(`done     ${req.getName()} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
            return resp;
        } catch (e) {
            if (e !== NOT_STARTED) this.log(`FAILED   ${req.getName()}: ${(e as Error).message.split("\n")[0]}`);
            throw e;
        }
    }

    private async registerStep(req: any): Promise<any> {
        const type: string = req.getType();
        const name: string = req.getName();
        const parent: string | undefined = req.getParent() || undefined;
        const urn = this.urnOf(type, name, parent);
        if (this.registered.has(urn)) throw new Error(`duplicate resource URN ${urn}`);
        const entry: StateResource = {
            urn,
            type,
            custom: req.getCustom(),
            parent,
            dependencies: req.getDependenciesList(),
            inputs: req.getObject()?.toJavaScript() ?? {},
            outputs: {},
            deleteBeforeReplace: req.getDeletebeforereplace() || undefined,
            retainOnDelete: req.getRetainondelete() || undefined,
            deletedWith: req.getDeletedwith() || undefined,
            additionalSecretOutputs: req.getAdditionalsecretoutputsList().length ? req.getAdditionalsecretoutputsList() : undefined,
        };
        this.order.push(urn);
        if (entry.custom && isDynamic(type)) {
            // As the engine does, the default provider is registered with the first resource that uses it.
            if (!this.registered.has(defaultProviderUrn(this.opts)) && this.providerInputs) this.registerDefaultProvider(this.providerInputs);
            entry.provider = this.defaultProviderRef();
            await this.limiter.run(() => this.stepDynamic(entry, req.getIgnorechangesList(), req.getReplaceonchangesList()));
        } else if (entry.custom && fakes[type]) {
            this.stepFake(entry);
        } else if (entry.custom) {
            throw new Error(`${urn}: no provider for type ${type} in the harness`);
        } else {
            this.count(this.old.has(urn) ? "same" : "create", entry);
        }
        this.registered.set(urn, entry);
        // Each finished step is in the checkpoint (a "same" step changes nothing to write).
        if (entry.custom && entry.outputs !== this.old.get(urn)?.outputs) this.checkpoint();
        const resp = new resproto.RegisterResourceResponse();
        resp.setUrn(urn);
        resp.setId(entry.id ?? "");
        resp.setObject(toStruct(entry.outputs));
        return resp;
    }

    defaultProviderRef(): string {
        const p = this.registered.get(defaultProviderUrn(this.opts)) ?? this.old.get(defaultProviderUrn(this.opts));
        return `${defaultProviderUrn(this.opts)}::${p?.id ?? "unknown"}`;
    }

    /** The default provider as a step of its own: created, updated when the config changed, or the same. */
    registerDefaultProvider(config: Record<string, Wire>): void {
        const urn = defaultProviderUrn(this.opts);
        const old = this.old.get(urn);
        const entry: StateResource = { urn, type: DEFAULT_PROVIDER_TYPE, custom: true, id: old?.id ?? crypto.randomUUID(), dependencies: [], inputs: config, outputs: config };
        if (!old) this.count("create", entry);
        else if (JSON.stringify(old.inputs) !== JSON.stringify(config)) this.count("update", entry);
        else this.count("same", entry);
        this.order.push(urn);
        this.registered.set(urn, entry);
    }

    private async stepDynamic(entry: StateResource, ignore: string[], replaceOn: string[]): Promise<void> {
        const host = this.host!;
        const preview = !!this.opts.preview;
        const old = this.old.get(entry.urn);
        const news = reveal(entry.inputs);
        for (const k of ignore) if (old && k in old.inputs) news[k] = reveal(old.inputs[k]);
        const secrets = this.secretKeys(entry);
        const wireOut = (o: Record<string, any>) => remarkSecrets(o, secrets);
        const check = async (olds: Record<string, any>) => {
            this.count("check", entry);
            const r = await host.check(entry.urn, olds, news);
            if (r.failures.length) {
                throw new Error(`${entry.urn}: check failed:\n${r.failures.map((f) => `  - ${f.property}: ${f.reason}`).join("\n")}`);
            }
            return r.inputs;
        };
        let inputs = await check(old ? reveal(old.inputs) : {});
        entry.inputs = wireOut(inputs);

        if (!old) {
            this.mayStart();
            this.count("create", entry);
            if (preview) entry.outputs = entry.inputs;
            else await this.create(entry, inputs, wireOut);
            return;
        }

        this.count("diff", entry);
        const oldInputs = reveal(old.inputs);
        const diff = await host.diff(entry.urn, old.id!, reveal(old.outputs), inputs, oldInputs);
        const changedKeys = Object.keys({ ...oldInputs, ...inputs }).filter((k) => JSON.stringify(oldInputs[k]) !== JSON.stringify(inputs[k]));
        let changed = diff.changes ?? changedKeys.length > 0;
        const replace = diff.replaces.length > 0 || replaceOn.some((k) => changedKeys.includes(k));
        if (old.initErrors?.length && !replace) changed = true; // the engine "continues" a failed create

        if (!changed) {
            this.count("same", entry);
            entry.id = old.id;
            entry.outputs = old.outputs;
            return;
        }
        this.mayStart();
        if (!replace) {
            this.count("update", entry);
            entry.id = old.id;
            if (preview) {
                entry.outputs = entry.inputs;
                return;
            }
            try {
                const outs = await this.inflight(entry, "updating", () => host.update(entry.urn, old.id!, reveal(old.outputs), inputs, oldInputs));
                entry.outputs = wireOut(outs);
            } catch (e: any) {
                if (e.initFailed) this.keepInitFailure(entry, e, wireOut);
                else this.registered.set(entry.urn, { ...old }); // a failed update leaves the old state
                throw e;
            }
            return;
        }

        this.count("replace", entry);
        inputs = await check({});
        entry.inputs = wireOut(inputs);
        if (preview) {
            entry.outputs = entry.inputs;
            return;
        }
        if (diff.deleteBeforeReplace || old.deleteBeforeReplace || entry.deleteBeforeReplace) {
            await this.deleteOne(old, host);
            this.deleted.add(old.urn);
            this.checkpoint();
        } else {
            this.pendingDeletes.push(old);
        }
        await this.create(entry, inputs, wireOut);
    }

    private keepInitFailure(entry: StateResource, e: any, wireOut: (o: Record<string, any>) => Record<string, any>): void {
        // Exactly as the host sent them: nothing is added (a missing __provider stays missing).
        entry.id = e.initFailed.id;
        entry.outputs = wireOut(e.initFailed.properties);
        entry.initErrors = e.initFailed.reasons.length ? e.initFailed.reasons : [e.message];
        this.registered.set(entry.urn, entry);
        this.checkpoint();
    }

    private async create(entry: StateResource, inputs: Record<string, any>, wireOut: (o: Record<string, any>) => Record<string, any>): Promise<void> {
        try {
            const r = await this.inflight(entry, "creating", () => this.host!.create(entry.urn, inputs));
            entry.id = r.id;
            entry.outputs = wireOut(r.properties);
        } catch (e: any) {
            if (e.initFailed) this.keepInitFailure(entry, e, wireOut);
            throw e;
        }
    }

    private stepFake(entry: StateResource): void {
        const fake = fakes[entry.type];
        const old = this.old.get(entry.urn);
        const news = reveal(entry.inputs);
        this.count("check", entry);
        if (old && !fake.replaces(reveal(old.inputs), news)) {
            this.count("same", entry);
            entry.id = old.id;
            entry.outputs = old.outputs;
            return;
        }
        this.count(old ? "replace" : "create", entry);
        if (this.opts.preview) {
            entry.outputs = entry.inputs;
            return;
        }
        const result = fake.create(news);
        entry.id = result.id;
        entry.outputs = remarkSecrets(viaStruct(result.outs), this.secretKeys(entry));
        if (old) this.pendingDeletes.push(old);
    }

    // ---- refresh and deletes ----------------------------------------------------------------

    /** Reads every custom dynamic resource back from the host; drops those that are gone. */
    async refresh(host: ProviderHost): Promise<void> {
        const kept = await Promise.all(this.state.resources.map((res) => this.limiter.run(async () => {
            if (!res.custom || !isDynamic(res.type) || res.pendingDelete) return res;
            this.count("read", res);
            const r = await host.read(res.urn, res.id!, reveal(res.outputs), reveal(res.inputs));
            if (!r.id) {
                this.count("refresh-delete", res);
                return undefined;
            }
            const secrets = secretKeysOf(res.outputs);
            for (const k of res.additionalSecretOutputs ?? []) secrets.add(k);
            const outputs = remarkSecrets(r.properties, secrets);
            if (JSON.stringify(outputs) !== JSON.stringify(res.outputs)) this.count("refresh-update", res);
            const inputs = r.inputs && Object.keys(r.inputs).length ? remarkSecrets(r.inputs, secretKeysOf(res.inputs)) : res.inputs;
            return { ...res, id: r.id, outputs, inputs };
        })));
        this.state = { ...this.state, resources: kept.filter((r): r is StateResource => !!r) };
        this.old = new Map(this.state.resources.filter((r) => !r.pendingDelete).map((r) => [r.urn, r]));
    }

    async deleteOne(res: StateResource, host: ProviderHost | undefined, deleting: Set<string> = new Set()): Promise<void> {
        this.count("delete", res);
        if (this.opts.preview || !res.custom || res.retainOnDelete || !isDynamic(res.type)) return;
        // deletedWith: the resource it lives in goes in this same deployment, and takes it along.
        if (res.deletedWith && deleting.has(res.deletedWith)) return;
        if (!host) throw new Error(`${res.urn}: no provider host to delete it with`);
        await this.inflight(res, "deleting", () => host.delete(res.urn, res.id!, reveal(res.outputs), reveal(res.inputs)));
    }

    /**
     * Deletes in parallel, each resource only after everything that depends on it (children,
     * dependents, resources of a provider) is gone; a failed delete keeps what it depends on.
     */
    async deleteAll(victims: StateResource[], host: ProviderHost | undefined): Promise<void> {
        const key = (r: StateResource) => r.urn + (r.pendingDelete || this.pendingDeletes.includes(r) ? "#pending" : "");
        const dependents = new Map<StateResource, StateResource[]>(victims.map((v) => [v, []]));
        for (const r of victims) {
            for (const other of victims) {
                if (other === r) continue;
                const dependsOnR = other.parent === r.urn || other.dependencies.includes(r.urn) || (other.provider ?? "").startsWith(`${r.urn}::`);
                if (dependsOnR) dependents.get(r)!.push(other);
            }
        }
        const deleting = new Set(victims.map((v) => v.urn));
        const done = new Map<StateResource, Promise<boolean>>();
        const run = (r: StateResource): Promise<boolean> => {
            let p = done.get(r);
            if (!p) {
                p = (async () => {
                    const results = await Promise.all(dependents.get(r)!.map(run));
                    if (results.some((ok) => !ok)) return false;
                    try {
                        await this.limiter.run(() => this.deleteOne(r, host, deleting));
                        this.deleted.add(key(r));
                        this.checkpoint();
                        return true;
                    } catch (e) {
                        this.errors.push(e as Error);
                        this.log(`FAILED   delete ${r.urn.split("::").pop()}: ${(e as Error).message.split("\n")[0]}`);
                        return false;
                    }
                })();
                done.set(r, p);
            }
            return p;
        };
        await Promise.all(victims.map(run));
    }
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
    const project = projectOf(opts);
    await pulumi.runtime.setMocks(mocks, project, opts.stack ?? "test", !!opts.preview);
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.config ?? {})) config[`${project}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(config, (opts.secretConfig ?? []).map((k) => `${project}:${k}`));
    const monitor: any = pulumi.runtime.getMonitor();
    monitor.registerResource = (req: any, cb: (err: any, resp?: any) => void) => {
        d.track(d.register(req)).then((resp) => cb(null, resp), (err) => {
            if (err !== NOT_STARTED) d.errors.push(err);
            // The engine reports a failed step's error itself (once, on that resource), cancels the
            // deployment and answers the registration, and every one still waiting, with UNAVAILABLE
            // (pkg/resource/deploy/source_eval.go: "resource monitor shut down while waiting on
            // step's done channel"). The SDK takes that as the end: it stops its RPCs and rejects
            // nothing, so no dependent wraps the error again ("error serializing property …").
            d.terminate();
            cb(Object.assign(new Error("resource monitor shut down while waiting on step's done channel"), { code: 14 }));
        });
    };
    monitor.registerResourceOutputs = (req: any, cb: (err: any, resp?: any) => void) => {
        const res = d.registered.get(req.getUrn());
        if (res) res.outputs = req.getOutputs()?.toJavaScript() ?? {};
        cb(null, {});
    };
    // A failed registration rejects every output of that resource. Pulumi's language host owns
    // process-level rejections while a program runs and reports the registration error instead.
    const swallow = (e: unknown) => {
        if (!d.errors.includes(e as Error)) d.errors.push(e as Error);
    };
    // The SDK's "terminated" mark (set when the engine answered UNAVAILABLE) outlives setMocks.
    require("@pulumi/pulumi/runtime/state").getStore().terminated = false;
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

function report(d: Deployment, started: number, wireOutputs: Record<string, any>): Report {
    return { ops: d.ops, steps: d.steps, outputs: reveal(wireOutputs), wireOutputs, warnings: d.warnings, durationMs: Date.now() - started };
}

/** Registrations the SDK gave up on after the engine stopped (it logs them, the CLI shows nothing). */
const TERMINATING = /Resource monitor is terminating/;

function failure(d: Deployment): Error {
    const unique = [...new Set(d.errors.map((e) => e?.message ?? String(e)))].filter((m) => !TERMINATING.test(m));
    const err = new Error(`deployment failed:\n${unique.join("\n")}`);
    (err as any).errors = d.errors;
    return err;
}

function pendingWarning(d: Deployment): void {
    const ops = d.state.pendingOperations ?? [];
    if (!ops.length) return;
    const text = `Attempting to deploy or update resources with ${ops.length} pending operations from previous deployment.\n` +
        ops.map((op) => `  * ${op.resource.urn}, interrupted while ${op.type}`).join("\n");
    d.warnings.push(text);
    d.log(`warning: ${text}`);
}

/** The stored default provider's config (what refresh and destroy configure with), or the current one. */
function storedConfig(state: State, opts: HarnessOptions): Record<string, Wire> {
    const p = state.resources.find((r) => r.urn === defaultProviderUrn(opts));
    return opts.runProgram || !p ? currentProviderInputs(opts) : p.inputs;
}

const hasDynamic = (state: State) => state.resources.some((r) => r.custom && isDynamic(r.type));

/** `pulumi up` (or `pulumi preview` with opts.preview): runs the program and converges. */
export async function up(program: () => unknown, opts: HarnessOptions): Promise<Report> {
    const started = Date.now();
    const d = new Deployment(loadState(opts.stateFile), opts);
    try {
        const current = currentProviderInputs(opts);
        let refreshHost: ProviderHost | undefined;
        if (opts.refresh && hasDynamic(d.state)) {
            const cfg = storedConfig(d.state, opts);
            refreshHost = await d.startHost(cfg);
            await d.refresh(refreshHost);
            d.checkpoint();
            if (JSON.stringify(cfg) === JSON.stringify(current)) d.host = refreshHost;
        } else {
            pendingWarning(d);
        }
        d.host ??= await d.startHost(current);
        d.providerInputs = current;
        await withMonitor(d, opts, async () => {
            const ran = (async () => {
                try {
                    await pulumi.runtime.runInPulumiStack(async () => await program());
                } catch (e: any) {
                    if (!d.errors.includes(e)) d.errors.push(e);
                }
                await d.settle();
                // waitForRPCs is internal to the SDK but exported from its settings module.
                await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
            })();
            // After a failed step the engine waits for the steps in flight, not for the program
            // (whose outputs that depend on the failed resource never resolve).
            await Promise.race([ran, d.whenTerminated]);
            await d.settle();
        });
        const stack = [...d.registered.values()].find((r) => r.type === STACK_TYPE);
        if (d.errors.length) {
            d.checkpoint();
            throw failure(d);
        }
        const gone = d.state.resources.filter((r) => r.pendingDelete || !d.registered.has(r.urn));
        await d.deleteAll([...d.pendingDeletes, ...gone], d.host);
        d.checkpoint();
        if (d.errors.length) throw failure(d);
        return report(d, started, stack?.outputs ?? {});
    } finally {
        await d.stopHosts();
    }
}

export function preview(program: () => unknown, opts: HarnessOptions): Promise<Report> {
    return up(program, { ...opts, preview: true });
}

/** `pulumi refresh`: reads every resource back from the host and saves what it finds. */
export async function refresh(opts: RefreshOptions): Promise<Report> {
    const started = Date.now();
    const state = loadState(opts.stateFile);
    if (opts.clearPendingCreates) state.pendingOperations = (state.pendingOperations ?? []).filter((op) => op.type !== "creating");
    const d = new Deployment(state, opts);
    try {
        if (hasDynamic(state)) await d.refresh(await d.startHost(storedConfig(state, opts)));
        d.checkpoint();
        return report(d, started, {});
    } finally {
        await d.stopHosts();
    }
}

/** `pulumi destroy`: from the state alone (no program), refresh first when asked, then deletes. */
export async function destroy(opts: HarnessOptions): Promise<Report> {
    const started = Date.now();
    const d = new Deployment(loadState(opts.stateFile), opts);
    try {
        const host = hasDynamic(d.state) ? await d.startHost(storedConfig(d.state, opts)) : undefined;
        if (opts.refresh && host) {
            await d.refresh(host);
            d.checkpoint();
        }
        await d.deleteAll(d.state.resources, host);
        d.checkpoint();
        if (d.errors.length) throw failure(d);
        return report(d, started, {});
    } finally {
        await d.stopHosts();
    }
}

/** Create, update, replace and delete steps of resources (not of the default provider): "0" = a true no-op run. */
export function changeCount(r: Report): number {
    return r.steps.filter((s) => !isProvider(s.type) && ["create", "update", "replace", "delete"].includes(s.op)).length;
}
