// Helpers for provider tests: every provider under test is first serialized, packed as the
// resources store it, and loaded back exactly as the dynamic provider host does
// (requireFromString(text).handler()), and results
// cross a protobuf Struct, so the tests run the code `pulumi up` would run.
import * as childProcess from "node:child_process";
import { after, before } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { Connection, SshConnection } from "../../providers/host/connection";
import { closeAllConnections } from "../../providers/host/transport";
import { packProviderText } from "../../providers/packed-provider";
import { viaStruct } from "../harness/wire";
import { TestSshd, startSshd } from "./sshd";

const requireFromString = require("require-from-string");

export type Provider = Required<Pick<pulumi.dynamic.ResourceProvider, "check" | "diff" | "create" | "read" | "delete">> & pulumi.dynamic.ResourceProvider;

/**
 * The stack config the providers under test get in configure(), as the engine sends it: bare
 * keys here, read through a Config whose get() takes bare keys. Host "main" is this machine,
 * host "ssh" is the same machine through the test's sshd (see transports()).
 */
const testConfig: Record<string, unknown> = { host: "local" };

/** Sets stack config keys for the providers under test (e.g. to point a host elsewhere). */
export function setTestConfig(values: Record<string, unknown>): void {
    Object.assign(testConfig, values);
}

export async function serialized(provider: pulumi.dynamic.ResourceProvider): Promise<Provider> {
    const fn = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const loaded: Provider = requireFromString(packProviderText(fn.text)).handler();
    const get = (k: string) => testConfig[k];
    await loaded.configure?.({ config: { get, require: (k: string) => get(k) } } as any);
    return loaded;
}

/** Runs a shell command on this machine (the tests' host, reached locally and via 127.0.0.1). */
export function sh(cmd: string): string {
    return childProcess.execSync(cmd, { stdio: ["ignore", "pipe", "pipe"], shell: "/bin/bash" }).toString();
}

export function shOk(cmd: string): boolean {
    return childProcess.spawnSync("/bin/bash", ["-c", cmd], { stdio: "ignore" }).status === 0;
}

export interface Transport {
    name: "local" | "ssh";
    /** The process whose children run the host commands: this one (local), or the test's sshd. */
    hostPid: () => number;
    /** The host name resources carry. */
    host: string;
    /** The connection behind it (for tests that reach the host themselves). */
    connection: Connection;
}

/** Stack config that names this machine through a test sshd as host `name` (config `hosts`). */
export function sshHostConfig(name: string, c: SshConnection): Record<string, unknown> {
    return { [name]: { host: `ssh://${c.user}@${c.address}:${c.port}`, sshPrivateKey: c.privateKey, sshHostKey: c.hostKeySha256 } };
}

/**
 * The transports every provider test runs on: the local host ("main"), and the same host
 * through a real sshd on 127.0.0.1 as a non-root user with sudo (host "ssh", from config
 * `hosts`). Starts sshd before and stops it after the file.
 */
export function transports(): Transport[] {
    let sshd: TestSshd | undefined;
    const list: Transport[] = [
        { name: "local", host: "main", connection: { kind: "local" }, hostPid: () => process.pid },
        { name: "ssh", host: "ssh", connection: { kind: "local" }, hostPid: () => sshd!.pid },
    ];
    before(async () => {
        sshd = await startSshd();
        list[1].connection = sshd.sudoConnection;
        setTestConfig({ hosts: JSON.stringify(sshHostConfig("ssh", sshd.sudoConnection)) });
    });
    after(async () => {
        await closeAllConnections();
        await sshd?.stop();
    });
    return list;
}

/** check() must accept the inputs; returns the checked inputs as the engine passes them on. */
export async function checked(p: Provider, news: Record<string, unknown>, olds: Record<string, unknown> = {}): Promise<Record<string, any>> {
    // The SDK omits undefined inputs before they reach the engine.
    const r = await p.check(olds, viaStruct(JSON.parse(JSON.stringify(news))));
    if (r.failures?.length) throw new Error(`check failed: ${JSON.stringify(r.failures)}`);
    return viaStruct(r.inputs!);
}

export async function create(p: Provider, inputs: Record<string, any>): Promise<{ id: string; outs: Record<string, any> }> {
    const r = await p.create(inputs);
    return { id: r.id, outs: viaStruct(r.outs ?? {}) };
}

export async function read(p: Provider, id: string, props: Record<string, any>): Promise<{ id?: string; props: Record<string, any> }> {
    const r = await p.read!(id, props);
    return { id: r.id, props: viaStruct(r.props ?? {}) };
}

export async function update(p: Provider, id: string, olds: Record<string, any>, news: Record<string, any>): Promise<Record<string, any>> {
    const r = await p.update!(id, olds, news);
    return viaStruct(r?.outs ?? {});
}

/** A short random suffix so parallel or aborted runs never collide on names. */
export function suffix(): string {
    return Math.random().toString(36).slice(2, 8);
}
