// What every provider shares: the host wrapper (configure, host resolution, machine identity,
// code upgrades, errors the engine can store), validation that names the field, field diffs, and
// tolerance for values that are unknown during a preview.
import type * as pulumi from "@pulumi/pulumi";
import * as crypto from "node:crypto";
import { HOST_NAME, MAIN_HOST } from "./host/connection";
import { configureHosts, hostNamed } from "./host/hosts";
import { Host } from "./host/transport";
import { providerCodeId } from "./packed-provider";

/** The engine's marker for a value not known yet (preview). check() must let it through. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(isUnknown);
    if (v && typeof v === "object") return Object.values(v).some(isUnknown);
    return false;
}

export interface Failure {
    property: string;
    reason: string;
}

/** Deep equality that ignores key order and treats missing and undefined alike. */
export function same(a: unknown, b: unknown): boolean {
    return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
    return JSON.stringify(v, (_k, value) =>
        value && typeof value === "object" && !Array.isArray(value)
            ? Object.fromEntries(Object.keys(value).sort().filter((k) => value[k] !== undefined).map((k) => [k, value[k]]))
            : value,
    ) ?? "undefined";
}

export type Effect = "update" | "replace";

/** What a diff tells the engine. The dynamic provider host forwards nothing else (no detailedDiff). */
export interface FieldDiff extends pulumi.dynamic.DiffResult {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace: boolean;
    /** The fields that differ: for this module's tests and messages, never seen by the engine. */
    readonly fields: string[];
}

/**
 * Compares old outputs (refreshed from the host) with new inputs field by field. Unknown new
 * values count as changes. Names are unique on the host, so replacements delete first.
 */
export function diffFields(
    olds: Record<string, any>,
    news: Record<string, any>,
    fields: Record<string, Effect>,
    oldValue: (field: string) => unknown = (f) => olds[f],
    newValue: (field: string) => unknown = (f) => news[f],
): FieldDiff {
    const changed: string[] = [];
    const replaces: string[] = [];
    for (const [field, effect] of Object.entries(fields)) {
        const after = newValue(field);
        if (!isUnknown(after) && same(oldValue(field), after)) continue;
        changed.push(field);
        if (effect === "replace") replaces.push(field);
    }
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0, fields: changed };
}

export interface Checker {
    readonly inputs: Record<string, any>;
    fail(field: string, reason: string): Checker;
    /** Runs `test` on the field's value unless it is unknown or (when optional) absent. */
    check(field: string, test: (v: any) => string | undefined, optional?: boolean): Checker;
    absolutePath(field: string, optional?: boolean): Checker;
    mode(field: string): Checker;
    name(field: string, pattern: RegExp, what: string, optional?: boolean): Checker;
    integer(field: string, min: number, max: number, optional?: boolean): Checker;
    oneOf(field: string, allowed: readonly string[], optional?: boolean): Checker;
    boolean(field: string, optional?: boolean): Checker;
    result(): pulumi.dynamic.CheckResult;
}

/**
 * Collects failures, each naming the field and the value; skips values that are unknown
 * (preview). Closures rather than a class: serialized classes lose their field initializers.
 */
export function checker(inputs: Record<string, any>): Checker {
    const failures: Failure[] = [];
    if (!isUnknown(inputs.host) && !(typeof inputs.host === "string" && HOST_NAME.test(inputs.host))) {
        failures.push({ property: "host", reason: `must be a host name like "main" (a key of the stack config's hosts), got ${JSON.stringify(inputs.host)}` });
    }
    const c: Checker = {
        inputs,
        fail(field, reason) {
            failures.push({ property: field, reason });
            return c;
        },
        check(field, test, optional = false) {
            const v = inputs[field];
            if (isUnknown(v)) return c;
            if (v === undefined || v === null) return optional ? c : c.fail(field, "is required");
            const why = test(v);
            return why ? c.fail(field, `${why}, got ${JSON.stringify(v)}`) : c;
        },
        absolutePath: (field, optional = false) =>
            c.check(field, (v) => (typeof v === "string" && /^\/[^\0]*$/.test(v) && !/(^|\/)\.\.?(\/|$)/.test(v) ? undefined : "must be an absolute path without . or .. parts"), optional),
        mode: (field) => c.check(field, (v) => (typeof v === "string" && /^[0-7]{3,4}$/.test(v) ? undefined : 'must be an octal mode like "0755" or "2775"')),
        name: (field, pattern, what, optional = false) => c.check(field, (v) => (typeof v === "string" && pattern.test(v) ? undefined : `must be ${what}`), optional),
        integer: (field, min, max, optional = false) =>
            c.check(field, (v) => (Number.isInteger(v) && v >= min && v <= max ? undefined : `must be an integer from ${min} to ${max}`), optional),
        oneOf: (field, allowed, optional = false) => c.check(field, (v) => (allowed.includes(v) ? undefined : `must be one of ${allowed.join(", ")}`), optional),
        boolean: (field, optional = false) => c.check(field, (v) => (typeof v === "boolean" ? undefined : "must be true or false"), optional),
        result: () => ({ inputs, failures }),
    };
    return c;
}

/** Account and group names as useradd accepts them. */
export const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}\$?$/;

/** Pads "755" to "0755" so modes compare equal however they were written (invalid ones stay as given). */
export function normaliseMode(mode: string): string {
    return /^[0-7]{3}$/.test(mode) ? `0${mode}` : mode;
}

/** What read() returns for an object that no longer exists: the engine drops it from state. */
export const GONE = { id: "", props: {} };

/** User or group: a name, or a numeric id. */
export const OWNER = /^([a-z_][a-z0-9_-]{0,31}|[0-9]+)$/;

/** Drops undefined values: the dynamic provider host's protobuf Struct rejects them. */
export function defined<T extends Record<string, unknown>>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** Host names and FQDNs (RFC 1123 labels). */
export const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Dotted-quad IPv4 address. */
export function isIpv4(v: unknown): boolean {
    return typeof v === "string" && /^(\d{1,3})(\.\d{1,3}){3}$/.test(v) && v.split(".").every((o) => Number(o) <= 255 && String(Number(o)) === o);
}

/** IPv4 CIDR "a.b.c.d/n". */
export function isCidr(v: unknown): boolean {
    if (typeof v !== "string") return false;
    const [ip, bits, ...rest] = v.split("/");
    return rest.length === 0 && isIpv4(ip) && /^\d{1,2}$/.test(bits ?? "") && Number(bits) <= 32;
}

/** sha256 (hex) of a text. */
export function sha256(text: string | Buffer): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/** Values of "key=value" lines (the first one for each key), as the probe scripts print them. */
export function keyValues(text: string): (key: string) => string | undefined {
    const values = new Map<string, string>();
    for (const line of text.split("\n")) {
        const at = line.indexOf("=");
        if (at > 0 && !values.has(line.slice(0, at))) values.set(line.slice(0, at), line.slice(at + 1));
    }
    return (key) => values.get(key);
}

// ---- progress ------------------------------------------------------------------------------

/**
 * Progress of a long step (an image build, a wait for health), as lines on the provider
 * process's output: the Pulumi CLI shows them (unattached to the resource in 3.270: a dynamic
 * provider has no engine connection), so each names its resource. At most one line every
 * `everyMs` per resource, except the first and `force`d ones.
 */
export function progress(resource: string, message: string, force = false, everyMs = 3000): void {
    const g = globalThis as any;
    const last: Map<string, number> = (g[Symbol.for("hotstack-os.progress")] ??= new Map<string, number>());
    const now = Date.now();
    if (!force && now - (last.get(resource) ?? 0) < everyMs) return;
    last.set(resource, now);
    console.log(`hotstack-os ${resource}: ${message}`);
}

/** Feeds complete output lines to `onLine` (for RunOptions.onOutput). */
export function lines(onLine: (line: string) => void): (stream: "stdout" | "stderr", text: string) => void {
    let rest = "";
    return (_stream, text) => {
        const parts = (rest + text).split("\n");
        rest = parts.pop() ?? "";
        for (const l of parts) if (l.trim()) onLine(l);
    };
}

// ---- the host wrapper ---------------------------------------------------------------------

/** Fields the wrapper adds to every resource: its host's name, the code version, the machine. */
export interface HostFields {
    host: string;
    providerVersion?: string;
    machineId?: string;
}

/** One resource kind's operations; the wrapper resolves the host and handles what all share. */
export interface HostOps {
    check(olds: Record<string, any>, news: Record<string, any>): Promise<pulumi.dynamic.CheckResult>;
    /** olds are the old outputs, news the checked inputs. */
    diff(olds: Record<string, any>, news: Record<string, any>): Promise<pulumi.dynamic.DiffResult>;
    create(host: Host, inputs: Record<string, any>): Promise<pulumi.dynamic.CreateResult>;
    /** GONE for anything absent; throw only for real errors (unreachable, permission denied). */
    read(host: Host, id: string, props: Record<string, any>): Promise<pulumi.dynamic.ReadResult>;
    update?(host: Host, id: string, olds: Record<string, any>, news: Record<string, any>): Promise<pulumi.dynamic.UpdateResult>;
    delete(host: Host, id: string, props: Record<string, any>): Promise<void>;
}

/**
 * An error as the dynamic provider host can pass it to the engine: a plain Error (a numeric
 * `code` would be read as a gRPC status), and for an object that exists but failed to come up
 * (`id` set), properties that keep `__provider` — the host stores them exactly as thrown, and a
 * resource without its provider wedges every later refresh and destroy.
 */
export function forEngine(e: unknown, keep: Record<string, unknown>): Error {
    const err = e as { message?: string; stack?: string; id?: string; properties?: Record<string, unknown>; reasons?: string[] };
    const out = new Error(err?.message ?? String(e));
    out.stack = err?.stack ?? out.stack;
    if (err?.id) {
        Object.assign(out, {
            id: err.id,
            properties: defined({ ...(err.properties ?? {}), ...keep, initFailed: true }),
            reasons: err.reasons ?? [out.message],
        });
    }
    return out;
}

/** The machine behind a host name must be the one the resource was made on. */
async function sameMachine(host: Host, name: string, recorded: unknown): Promise<string> {
    const id = await host.machineId();
    if (!/^[0-9a-f]{16,64}$/i.test(id)) throw new Error(`host "${name}" (${host.label}) has no usable /etc/machine-id (${JSON.stringify(id)}): it identifies the machine in the stack's state; create it with systemd-machine-id-setup`);
    if (typeof recorded === "string" && recorded !== "" && recorded !== id) {
        throw new Error(
            `host "${name}" (${host.label}) is not the machine this resource was made on: its /etc/machine-id is ${id}, the stack's state says ${recorded}. ` +
            "Nothing was changed. If the stack config now points at another machine, point it back. If that machine was reinstalled, " +
            "the state describes objects that are gone: remove them from the state (`pulumi stack rm --force`, or `pulumi state delete <urn>`) and deploy a new stack.",
        );
    }
    return id;
}

/** The program's code changed (a new version or serialized provider) while the object did not. */
function codeChanged(olds: Record<string, any>, news: Record<string, any>): boolean {
    const differs = (k: string, id = (v: unknown) => v) => news[k] !== undefined && !isUnknown(news[k]) && id(olds[k]) !== id(news[k]);
    const code = (v: unknown) => (typeof v === "string" ? providerCodeId(v) : v);
    return differs("providerVersion") || differs("__provider", code);
}

/**
 * A dynamic provider for one resource kind on a named host. Besides the kind's own operations:
 * the stack config from configure() says how to reach each host; every object records the
 * machine it was made on and refuses to act on another; an upgrade of the program's code
 * updates each resource once without touching the host, so the engine stores the new
 * serialized provider (which refresh and destroy run); errors reach the engine intact.
 */
export function hostProvider(ops: HostOps): pulumi.dynamic.ResourceProvider {
    return {
        async configure(req) {
            configureHosts(process.env.PULUMI_NODEJS_PROJECT || "hotstack-os", (k) => req.config.get(k));
        },

        async check(olds, news) {
            try {
                return await ops.check(olds, { ...news, host: news.host ?? MAIN_HOST });
            } catch (e) {
                throw forEngine(e, {});
            }
        },

        async diff(_id, olds, news) {
            try {
                const name = news.host ?? MAIN_HOST;
                // Another host: a new object there. Deleted first, in case both names reach one machine.
                if (!isUnknown(name) && (olds.host ?? MAIN_HOST) !== name) return { changes: true, replaces: ["host"], deleteBeforeReplace: true };
                const d = await ops.diff(olds, news);
                if (d.changes || !(olds.initFailed || codeChanged(olds, news))) return d;
                return { changes: true, replaces: [], deleteBeforeReplace: false };
            } catch (e) {
                throw forEngine(e, {});
            }
        },

        async create(inputs) {
            const keep: Record<string, unknown> = { host: inputs.host, providerVersion: inputs.providerVersion, __provider: inputs.__provider };
            try {
                const host = await hostNamed(inputs.host);
                keep.machineId = await host.machineId();
                const r = await ops.create(host, inputs);
                return { id: r.id, outs: defined({ ...r.outs, ...keep, __provider: undefined }) };
            } catch (e) {
                throw forEngine(e, keep);
            }
        },

        async read(id, props) {
            try {
                const name = props.host ?? MAIN_HOST;
                const host = await hostNamed(name);
                const machineId = await sameMachine(host, name, props.machineId);
                const r = await ops.read(host, id, props);
                if (!r.id) return r;
                return { id: r.id, props: defined({ ...r.props, host: name, providerVersion: props.providerVersion, machineId, initFailed: props.initFailed }) };
            } catch (e) {
                throw forEngine(e, {});
            }
        },

        async update(id, olds, news) {
            const keep: Record<string, unknown> = { host: news.host, providerVersion: news.providerVersion, __provider: news.__provider };
            try {
                const d = await ops.diff(olds, news);
                if (!d.changes && !olds.initFailed) {
                    // Only the code changed: the engine stores the new __provider, the host is not touched.
                    // (A state from before host names may still carry the old connection input: dropped here.)
                    const { __provider: _old, connection: _conn, ...kept } = olds;
                    return { outs: defined({ ...kept, providerVersion: news.providerVersion }) };
                }
                if (!ops.update) throw new Error(`this resource cannot be changed in place (${Object.keys(news).join(", ")})`);
                const host = await hostNamed(news.host);
                keep.machineId = await sameMachine(host, news.host, olds.machineId);
                const r = await ops.update(host, id, olds, news);
                return { outs: defined({ ...(r.outs ?? {}), ...keep, __provider: undefined, initFailed: undefined }) };
            } catch (e) {
                throw forEngine(e, keep);
            }
        },

        async delete(id, props) {
            try {
                const name = props.host ?? MAIN_HOST;
                const host = await hostNamed(name);
                await sameMachine(host, name, props.machineId);
                await ops.delete(host, id, props);
            } catch (e) {
                throw forEngine(e, {});
            }
        },
    };
}
