// Field diffs for the engine, tolerant of values unknown during a preview.
import type * as pulumi from "@pulumi/pulumi";

/** The engine's marker for a value not known yet (preview). check() must let it through. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(isUnknown);
    if (v && typeof v === "object") return Object.values(v).some(isUnknown);
    return false;
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
