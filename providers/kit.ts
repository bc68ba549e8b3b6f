// What every provider shares: validation that names the field, diffs with detailedDiff and
// replaces, and tolerance for values that are unknown during a preview.
import type * as pulumi from "@pulumi/pulumi";
import { Connection, connectionProblems } from "./host/connection";
import { Host, connect } from "./host/transport";

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

export type PropertyDiffKind = "add" | "delete" | "update" | "add-replace" | "delete-replace" | "update-replace";

export interface DetailedDiffResult extends pulumi.dynamic.DiffResult {
    /** Per-property diff, as the engine's gRPC DiffResponse carries it. */
    readonly detailedDiff?: Record<string, { kind: PropertyDiffKind; inputDiff: boolean }>;
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
): DetailedDiffResult {
    const detailedDiff: Record<string, { kind: PropertyDiffKind; inputDiff: boolean }> = {};
    const replaces: string[] = [];
    for (const [field, effect] of Object.entries({ connection: "update" as Effect, ...fields })) {
        const before = oldValue(field);
        const after = newValue(field);
        if (!isUnknown(after) && same(before, after)) continue;
        const base = before === undefined ? "add" : after === undefined ? "delete" : "update";
        detailedDiff[field] = { kind: effect === "replace" ? (`${base}-replace` as PropertyDiffKind) : base, inputDiff: true };
        if (effect === "replace") replaces.push(field);
    }
    const changes = Object.keys(detailedDiff).length > 0;
    return { changes, replaces, detailedDiff, deleteBeforeReplace: replaces.length > 0 };
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
    if (!isUnknown(inputs.connection)) failures.push(...connectionProblems(inputs.connection));
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

/** A connection to the host the resource lives on. */
export function hostOf(props: { connection: Connection }): Promise<Host> {
    return connect(props.connection);
}

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
