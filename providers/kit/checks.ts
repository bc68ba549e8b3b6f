// Input checks that name the field and the bad value, and the shapes they accept.
import type * as pulumi from "@pulumi/pulumi";
import { HOST_NAME } from "../host/connection";
import { isUnknown } from "./diff";

export interface Failure {
    property: string;
    reason: string;
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
