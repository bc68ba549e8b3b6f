// The real dynamic provider host, driven as the Pulumi engine drives it: one
// `@pulumi/pulumi/cmd/dynamic-provider` process per provider instance (the engine starts
// `pulumi-resource-pulumi-nodejs`, which runs exactly that file), with the environment the
// engine gives it, its port read from the first line it prints, then Configure / Check / Diff /
// Create / Read / Update / Delete over gRPC with the SDK's generated stubs. Nothing here
// re-implements how a serialized provider is loaded or called: that is the host's code.
import * as childProcess from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { Wire, secret } from "./wire";
import { encodeMessage } from "./wire-encode";

const grpc = require("@grpc/grpc-js");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

export const DYNAMIC_PROVIDER = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");

/** An error from the provider host; `initFailed` when the object exists but did not come up. */
export interface ProviderError extends Error {
    initFailed?: { id: string; properties: Record<string, any>; reasons: string[] };
}

export interface ProviderHostOptions {
    project: string;
    /** Project directory: the engine starts plugins there (require() of the providers resolves from it). */
    cwd: string;
    /** The default provider's inputs: the whole stack config, namespaced keys, secrets wrapped. */
    config: Record<string, Wire>;
    /** Pulumi.yaml runtime options, passed as PULUMI_RUNTIME_<NAME> (e.g. typescript: true). */
    runtimeOptions?: Record<string, unknown>;
    /** Where the provider's own output goes (the CLI shows it as diagnostics). */
    log?: (line: string) => void;
}

const toStruct = (o: Record<string, unknown>) => structproto.Struct.fromJavaScript(o);

/**
 * The provider's CRUD methods with requests encoded by wire-encode.ts (the bytes of the same
 * protobuf messages) and responses decoded by the SDK's generated stubs.
 */
function rawMethod(name: string, response: any) {
    return {
        path: `/pulumirpc.ResourceProvider/${name}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (m: any) => Buffer.from(m.serializeBinary()),
        responseDeserialize: (b: Buffer) => response.deserializeBinary(new Uint8Array(b)),
    };
}

const RawProviderClient = grpc.makeGenericClientConstructor({
    check: rawMethod("Check", provproto.CheckResponse),
    diff: rawMethod("Diff", provproto.DiffResponse),
    create: rawMethod("Create", provproto.CreateResponse),
    read: rawMethod("Read", provproto.ReadResponse),
    update: rawMethod("Update", provproto.UpdateResponse),
    delete: rawMethod("Delete", emptyproto.Empty),
}, "ResourceProvider");

export class ProviderHost {
    private constructor(
        private readonly child: childProcess.ChildProcess,
        private readonly client: any,
        private readonly raw: any,
        readonly label: string,
    ) {}

    /** Starts the host, connects and configures it with the stack config. */
    static async start(opts: ProviderHostOptions): Promise<ProviderHost> {
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            // What the engine puts in a provider plugin's environment (pkg/resource/plugin/provider_plugin.go):
            PULUMI_NODEJS_PROJECT: opts.project,
            PULUMI_PROJECT: opts.project,
            // only config of the plugin's own namespace ("pulumi-nodejs"): none here
            PULUMI_CONFIG: "{}",
        };
        for (const [k, v] of Object.entries(opts.runtimeOptions ?? {})) env[`PULUMI_RUNTIME_${k.toUpperCase()}`] = String(v);
        // The engine passes its own address; the dynamic provider only checks that it is there.
        // HARNESS_PROVIDER_NODE_ARGS: extra node flags for the provider process (e.g. --cpu-prof when profiling).
        const nodeArgs = (process.env.HARNESS_PROVIDER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
        const child = childProcess.spawn(process.execPath, [...nodeArgs, DYNAMIC_PROVIDER, "127.0.0.1:1"], { cwd: opts.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        const log = opts.log ?? (() => undefined);
        const port = await new Promise<number>((resolve, reject) => {
            const lines = readline.createInterface({ input: child.stdout! });
            let first = true;
            lines.on("line", (line) => {
                if (first) {
                    first = false;
                    const p = Number(line.trim());
                    if (Number.isInteger(p) && p > 0) resolve(p);
                    else reject(new Error(`dynamic provider host printed ${JSON.stringify(line)} instead of its port`));
                    return;
                }
                log(line);
            });
            readline.createInterface({ input: child.stderr! }).on("line", log);
            child.once("exit", (code, signal) => reject(new Error(`dynamic provider host exited before it listened (code ${code}, signal ${signal})`)));
            child.once("error", reject);
        });
        const channelOptions = { "grpc.max_receive_message_length": 256 * 1024 * 1024, "grpc.max_send_message_length": 256 * 1024 * 1024 };
        const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions);
        const raw = new RawProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions);
        const host = new ProviderHost(child, client, raw, `${path.basename(DYNAMIC_PROVIDER)} pid ${child.pid}`);
        const req = new provproto.ConfigureRequest();
        req.setArgs(toStruct(opts.config));
        req.setAcceptsecrets(true);
        req.setAcceptresources(true);
        await host.call("configure", req);
        return host;
    }

    get pid(): number | undefined {
        return this.child.pid;
    }

    private call(method: string, req: unknown, client: any = this.client): Promise<any> {
        return new Promise((resolve, reject) => {
            client[method](req, (err: any, resp: any) => {
                if (err) reject(providerError(err));
                else resolve(resp);
            });
        });
    }

    async check(urn: string, olds: Record<string, any>, news: Record<string, any>): Promise<{ inputs: Record<string, any>; failures: { property: string; reason: string }[] }> {
        const resp = await this.call("check", encodeMessage([[1, "string", urn], [2, "struct", olds], [3, "struct", news]]), this.raw);
        return {
            inputs: resp.getInputs()?.toJavaScript() ?? {},
            failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(urn: string, id: string, olds: Record<string, any>, news: Record<string, any>, oldInputs: Record<string, any>): Promise<{ changes?: boolean; replaces: string[]; deleteBeforeReplace: boolean }> {
        const resp = await this.call("diff", encodeMessage([[1, "string", id], [2, "string", urn], [3, "struct", olds], [4, "struct", news], [6, "struct", oldInputs]]), this.raw);
        const c = resp.getChanges();
        const D = provproto.DiffResponse.DiffChanges;
        return {
            changes: c === D.DIFF_SOME ? true : c === D.DIFF_NONE ? false : undefined,
            replaces: resp.getReplacesList(),
            deleteBeforeReplace: resp.getDeletebeforereplace(),
        };
    }

    async create(urn: string, properties: Record<string, any>): Promise<{ id: string; properties: Record<string, any> }> {
        const resp = await this.call("create", encodeMessage([[1, "string", urn], [2, "struct", properties]]), this.raw);
        return { id: resp.getId(), properties: resp.getProperties()?.toJavaScript() ?? {} };
    }

    async read(urn: string, id: string, properties: Record<string, any>, inputs: Record<string, any>): Promise<{ id: string; properties: Record<string, any>; inputs?: Record<string, any> }> {
        const resp = await this.call("read", encodeMessage([[1, "string", id], [2, "string", urn], [3, "struct", properties], [4, "struct", inputs]]), this.raw);
        return { id: resp.getId(), properties: resp.getProperties()?.toJavaScript() ?? {}, inputs: resp.getInputs()?.toJavaScript() };
    }

    async update(urn: string, id: string, olds: Record<string, any>, news: Record<string, any>, oldInputs: Record<string, any>): Promise<Record<string, any>> {
        const resp = await this.call("update", encodeMessage([[1, "string", id], [2, "string", urn], [3, "struct", olds], [4, "struct", news], [8, "struct", oldInputs]]), this.raw);
        return resp.getProperties()?.toJavaScript() ?? {};
    }

    async delete(urn: string, id: string, properties: Record<string, any>, oldInputs: Record<string, any>): Promise<void> {
        await this.call("delete", encodeMessage([[1, "string", id], [2, "string", urn], [3, "struct", properties], [5, "struct", oldInputs]]), this.raw);
    }

    /** The engine closes its connection and the plugin exits with it. */
    async stop(): Promise<void> {
        this.client.close();
        this.raw.close();
        if (this.child.exitCode !== null || this.child.signalCode !== null) return;
        const exited = new Promise((r) => this.child.once("exit", r));
        this.child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    }
}

/** A gRPC error as the engine reads it: the message, and ErrorResourceInitFailed details if any. */
function providerError(err: any): ProviderError {
    const e: ProviderError = new Error(err?.details || err?.message || String(err));
    const bin = err?.metadata?.get?.("grpc-status-details-bin")?.[0];
    if (bin) {
        const status = statusproto.Status.deserializeBinary(new Uint8Array(bin));
        for (const any of status.getDetailsList()) {
            if (!String(any.getTypeUrl()).endsWith("pulumirpc.ErrorResourceInitFailed")) continue;
            const d = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
            e.initFailed = { id: d.getId(), properties: d.getProperties()?.toJavaScript() ?? {}, reasons: d.getReasonsList() };
        }
    }
    return e;
}

/** The default provider's inputs: every config key namespaced, secret ones wrapped (as the engine keeps them). */
export function providerConfig(project: string, config: Record<string, unknown>, secretKeys: string[]): Record<string, Wire> {
    const out: Record<string, Wire> = {};
    for (const [k, v] of Object.entries(config)) {
        const key = k.includes(":") ? k : `${project}:${k}`;
        const text = typeof v === "string" ? v : JSON.stringify(v);
        out[key] = secretKeys.includes(k) ? secret(text) : text;
    }
    return out;
}

