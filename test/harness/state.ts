// The harness's checkpoint file, kept the way the engine keeps a stack's state: secrets are
// never written in plain text but encrypted (AES-256-GCM, key from a passphrase and the
// state's salt — the passphrase secrets manager's shape: {sig: secret, ciphertext}), and the
// file is rewritten atomically after every step, so a run killed at any point leaves the state
// of every step that finished, plus the operations that were in flight.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SECRET_SIG, SIG_KEY, Wire, isSecret } from "./wire";

export interface StateResource {
    urn: string;
    type: string;
    custom: boolean;
    id?: string;
    parent?: string;
    /** The provider reference ("<provider urn>::<id>") of a custom resource. */
    provider?: string;
    dependencies: string[];
    /** Checked inputs, wire form. */
    inputs: Wire;
    /** Outputs, wire form (secrets wrapped). */
    outputs: Wire;
    deleteBeforeReplace?: boolean;
    retainOnDelete?: boolean;
    /** Its delete is skipped when this resource is deleted in the same deployment. */
    deletedWith?: string;
    additionalSecretOutputs?: string[];
    /** A create/update that failed after the object existed (ErrorResourceInitFailed): updated next run. */
    initErrors?: string[];
    /** The old half of a replacement whose delete has not happened yet: deleted next run. */
    pendingDelete?: boolean;
}

/** An operation that had started when the state was written last (the engine's pending_operations). */
export interface PendingOperation {
    type: "creating" | "updating" | "deleting";
    resource: StateResource;
}

export interface State {
    /** Salt of the key that encrypts secrets in this file. */
    secretsSalt?: string;
    resources: StateResource[];
    pendingOperations?: PendingOperation[];
}

const DEFAULT_PASSPHRASE = "hotstack-os-harness";

function passphrase(): string {
    return process.env.PULUMI_CONFIG_PASSPHRASE ?? DEFAULT_PASSPHRASE;
}

const keys = new Map<string, Buffer>();

/** The key for a salt (derived once per process: scrypt is slow on purpose). */
function keyOf(salt: string): Buffer {
    const id = `${passphrase()}\0${salt}`;
    let key = keys.get(id);
    if (!key) keys.set(id, (key = crypto.scryptSync(passphrase(), Buffer.from(salt, "base64"), 32)));
    return key;
}

function encrypt(key: Buffer, plaintext: string): string {
    const nonce = crypto.randomBytes(12);
    const c = crypto.createCipheriv("aes-256-gcm", key, nonce);
    const body = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
    return `v1:${Buffer.concat([nonce, body, c.getAuthTag()]).toString("base64")}`;
}

function decrypt(key: Buffer, ciphertext: string): string {
    const raw = Buffer.from(ciphertext.replace(/^v1:/, ""), "base64");
    const d = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString("utf8");
}

/** Replaces every secret's value by its ciphertext (or back), everywhere in a value. */
function mapSecrets(v: Wire, fn: (s: Record<string, any>) => Record<string, any>): Wire {
    if (isSecret(v)) return fn(v);
    if (Array.isArray(v)) return v.map((x) => mapSecrets(x, fn));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapSecrets(x, fn)]));
    return v;
}

function mapResource(r: StateResource, fn: (s: Record<string, any>) => Record<string, any>): StateResource {
    return { ...r, inputs: mapSecrets(r.inputs, fn), outputs: mapSecrets(r.outputs, fn) };
}

/** The state with secrets decrypted into the wire form ({sig, value}); empty when there is none. */
export function loadState(file: string): State {
    if (!fs.existsSync(file)) return { resources: [] };
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as State;
    if (!stored.secretsSalt) return stored;
    const key = keyOf(stored.secretsSalt);
    const open = (s: Record<string, any>) => ({ [SIG_KEY]: SECRET_SIG, value: "ciphertext" in s ? JSON.parse(decrypt(key, s.ciphertext)) : s.value });
    return {
        ...stored,
        resources: stored.resources.map((r) => mapResource(r, open)),
        pendingOperations: stored.pendingOperations?.map((op) => ({ ...op, resource: mapResource(op.resource, open) })),
    };
}

/** Writes the state atomically, every secret encrypted. */
export function saveState(file: string, state: State): void {
    const secretsSalt = state.secretsSalt ?? crypto.randomBytes(16).toString("base64");
    const key = keyOf(secretsSalt);
    const seal = (s: Record<string, any>) => ({ [SIG_KEY]: SECRET_SIG, ciphertext: encrypt(key, JSON.stringify(s.value)) });
    const stored: State = {
        secretsSalt,
        resources: state.resources.map((r) => mapResource(r, seal)),
        ...(state.pendingOperations?.length ? { pendingOperations: state.pendingOperations.map((op) => ({ ...op, resource: mapResource(op.resource, seal) })) } : {}),
    };
    state.secretsSalt = secretsSalt;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(stored, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, file);
}
