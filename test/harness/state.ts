// The harness's checkpoint file, kept the way the engine keeps a stack's state: secrets are
// never written in plain text but encrypted (AES-256-GCM, key from a passphrase and the
// state's salt — the passphrase secrets manager's shape: {sig: secret, ciphertext}), and the
// file is rewritten atomically after every step, so a run killed at any point leaves the state
// of every step that finished, plus the operations that were in flight.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SECRET_SIG, SIG_KEY, Wire, isSecret } from "./wire";
import { PACKED_MARK, unpackProviderText } from "../../providers/packed-provider";

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

/**
 * On disk, each serialized provider text (tens of KB, one per resource kind) is written once,
 * in `providers`, and resources name it by its hash: the file is rewritten after every step, and
 * most of an engine checkpoint would otherwise be copies of the same few texts.
 */
interface StoredState extends State {
    providers?: Record<string, string>;
}

const PROVIDER_REF = "hotstack-harness-provider:";

/** Provider texts by content: a checkpoint after every step would otherwise hash them all again each time. */
const providerHashes = new Map<string, string>();

function providerHash(text: string): string {
    let h = providerHashes.get(text);
    if (!h) providerHashes.set(text, (h = crypto.createHash("sha256").update(text).digest("hex").slice(0, 24)));
    return h;
}

function dedupProviders(state: State): { resources: StateResource[]; providers: Record<string, string> } {
    const providers: Record<string, string> = {};
    const ref = (v: Wire): Wire => {
        if (typeof v !== "string" || v.length < 256) return v;
        const h = providerHash(v);
        providers[h] = v;
        return PROVIDER_REF + h;
    };
    const strip = (props: Wire) => (props && typeof props === "object" && "__provider" in props ? { ...props, __provider: ref(props.__provider) } : props);
    return { resources: state.resources.map((r) => ({ ...r, inputs: strip(r.inputs), outputs: strip(r.outputs) })), providers };
}

function restoreProviders(resources: StateResource[], providers: Record<string, string>): StateResource[] {
    const back = (props: Wire) => {
        const v = props?.__provider;
        return typeof v === "string" && v.startsWith(PROVIDER_REF) ? { ...props, __provider: providers[v.slice(PROVIDER_REF.length)] } : props;
    };
    return resources.map((r) => ({ ...r, inputs: back(r.inputs), outputs: back(r.outputs) }));
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
    const read = JSON.parse(fs.readFileSync(file, "utf8")) as StoredState;
    const { providers, ...rest } = read;
    const stored: State = { ...rest, resources: restoreProviders(read.resources, providers ?? {}) };
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
    const { resources, providers } = dedupProviders(state);
    const stored: StoredState = {
        secretsSalt,
        providers,
        resources: resources.map((r) => mapResource(r, seal)),
        ...(state.pendingOperations?.length ? { pendingOperations: state.pendingOperations.map((op) => ({ ...op, resource: mapResource(op.resource, seal) })) } : {}),
    };
    state.secretsSalt = secretsSalt;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(stored, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, file);
}

/** Every provider's code stored in a state file, unpacked. */
export function storedProviderTexts(stateText: string): string[] {
    const texts: string[] = [];
    const walk = (v: unknown): void => {
        if (typeof v === "string" && v.startsWith(PACKED_MARK)) texts.push(unpackProviderText(v));
        else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(JSON.parse(stateText));
    return texts;
}

/** JSON text with the provider code it holds appended unpacked: what a search for a leaked secret must read. */
export function withProviderCode(jsonText: string): string {
    return [jsonText, ...storedProviderTexts(jsonText)].join("\n");
}
