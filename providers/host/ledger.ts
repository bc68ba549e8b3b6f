// The ownership ledger: a root-only record on the host of what this program created and what
// it found already there. It reconciles two rules that otherwise conflict:
//   - create must be safe to re-run after a crash midway (the object may already exist, made
//     by the crashed run), and
//   - delete must never remove what the program did not create (an object that existed before).
// An entry is written *before* the object is created, so a crashed run leaves an entry that
// says "created"; an object found without an entry was there before us ("adopted"), and the
// entry then keeps what is needed to put it back as it was.
import * as crypto from "node:crypto";
import { Host } from "./transport";
import { sh } from "./shell";
import { writeFileScript } from "./files";

export const LEDGER_DIR = "/var/lib/hotstack-os-ledger";

export interface LedgerEntry {
    kind: string;
    key: string;
    /** true: this program created the object; false: it existed before and was adopted. */
    created: boolean;
    /** For adopted objects: the attributes to restore on delete. */
    original?: Record<string, unknown>;
    /** For created objects: what else was made along with it (e.g. parent directories). */
    made?: string[];
}

/**
 * Where an entry lives. `dir` is the ledger's directory: LEDGER_DIR for host objects; objects
 * kept elsewhere (the cloud's, in its database) keep their ledger beside their data, so it goes
 * when their data goes.
 */
export function ledgerPath(kind: string, key: string, dir = LEDGER_DIR): string {
    const digest = crypto.createHash("sha256").update(key).digest("hex").slice(0, 40);
    return `${dir}/${kind}/${digest}.json`;
}

export async function readLedger(host: Host, kind: string, key: string, dir = LEDGER_DIR): Promise<LedgerEntry | undefined> {
    const file = ledgerPath(kind, key, dir);
    const r = await host.run(`f=${sh(file)}; [ -e "$f" ] || exit 0; cat -- "$f"`, { what: `read the ownership ledger entry of ${kind} ${key}` });
    if (r.stdout === "") return undefined;
    try {
        return JSON.parse(r.stdout) as LedgerEntry;
    } catch {
        // Guessing here would be worse than stopping: "no entry" would record the object as
        // found ("adopted") and a later delete would put back the wrong thing.
        throw new Error(`the ownership ledger entry ${file} on ${host.label} (${kind} ${key}) is not readable JSON; check it by hand, or remove it to treat the ${kind} as found on the host (adopted, never removed)`);
    }
}

export async function writeLedger(host: Host, entry: LedgerEntry, dir = LEDGER_DIR): Promise<void> {
    const file = ledgerPath(entry.kind, entry.key, dir);
    await host.run(`install -d -m 0700 ${sh(dir)} ${sh(file.slice(0, file.lastIndexOf("/")))}\n` + writeFileScript(file, { mode: "0600", owner: "root", group: "root" }), {
        stdin: JSON.stringify(entry),
        what: `record ${entry.kind} ${entry.key} in the ownership ledger`,
    });
}

/** Removes an entry, and the ledger directories once they are empty. */
export async function dropLedger(host: Host, kind: string, key: string, dir = LEDGER_DIR): Promise<void> {
    const file = ledgerPath(kind, key, dir);
    // rmdir of a directory that still holds entries fails, as intended.
    await host.run(`rm -f -- ${sh(file)}; rmdir ${sh(`${dir}/${kind}`)} ${sh(dir)} 2>/dev/null || true`);
}

/**
 * Decides who owns an object about to be created and records it before anything is made.
 * `found` is the object's current attributes on the host (undefined when absent): kept as
 * `original` for adopted objects. `made` lists what creating it will make besides.
 */
export async function claim(host: Host, kind: string, key: string, found: Record<string, unknown> | undefined, made?: string[], dir = LEDGER_DIR): Promise<LedgerEntry> {
    const entry = await readLedger(host, kind, key, dir);
    if (entry && (found || entry.created)) return entry;
    // No entry, or an adopted object that has since vanished: from now on it is ours.
    const fresh: LedgerEntry = found ? { kind, key, created: false, original: found } : { kind, key, created: true, made };
    await writeLedger(host, fresh, dir);
    return fresh;
}

/** Whether delete may remove the object: the ledger decides, the state's flag is the fallback. */
export function createdByUs(entry: LedgerEntry | undefined, adoptedInState: boolean | undefined): boolean {
    return entry ? entry.created : adoptedInState === false;
}

export interface Release {
    /** Removes an object this program created (the entry says what else was made with it). */
    remove(entry: LedgerEntry | undefined): Promise<void>;
    /** Puts back an adopted object as it was found (only called when the entry kept an original). */
    restore?(original: Record<string, unknown>, entry: LedgerEntry): Promise<void>;
}

/**
 * The other half of claim(): on delete, removes what the program created or restores what it
 * adopted, then drops the entry. The ledger decides; the state's `adopted` flag is the fallback.
 */
export async function release(host: Host, kind: string, key: string, adoptedInState: boolean | undefined, how: Release, dir = LEDGER_DIR): Promise<void> {
    const entry = await readLedger(host, kind, key, dir);
    if (createdByUs(entry, adoptedInState)) await how.remove(entry);
    else if (entry?.original && how.restore) await how.restore(entry.original, entry);
    await dropLedger(host, kind, key, dir);
}
