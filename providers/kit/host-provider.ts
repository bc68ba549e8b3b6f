// The host wrapper every provider goes through: configure, host resolution, machine identity,
// code upgrades, errors the engine can store.
import type * as pulumi from "@pulumi/pulumi";
import { MAIN_HOST } from "../host/connection";
import { configureHosts, hostNamed } from "../host/hosts";
import { Host } from "../host/transport";
import { providerCodeId } from "../packed-provider";
import { defined } from "./checks";
import { isUnknown } from "./diff";

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
