// The hosts one provider process can reach. The engine sends every dynamic provider the whole
// stack config in configure() (before check/diff/create/read/update/delete, in up, preview,
// refresh and destroy alike); this module keeps it and resolves a resource's host name to a
// connection when an operation needs one. Kept on globalThis: each provider type carries its own
// serialized copy of this module, and all of them must see the one configure().
import * as fs from "node:fs";
import * as os from "node:os";
import { ConfigGetter, Connection, MAIN_HOST, connectionFromConfig } from "./connection";
import { Host, connect } from "./transport";

interface HostTable {
    project: string;
    get: ConfigGetter;
}

function table(): { current?: HostTable } {
    const g = globalThis as any;
    return (g[Symbol.for("hotstack-os.hosts")] ??= {});
}

/** Called from every provider's configure(); the last call wins (the engine sends one config per process). */
export function configureHosts(project: string, get: ConfigGetter): void {
    table().current = { project, get };
}

/** The connection of a named host, or an error that says which config keys are wrong. */
export function connectionOf(name: string): Connection {
    const t = table().current;
    if (!t) throw new Error(`no stack config reached this provider process, so host "${name}" cannot be resolved (configure() was not called)`);
    const { connection, problems } = connectionFromConfig(t.project, t.get, name, (p) => fs.readFileSync(p, "utf8"), () => os.homedir());
    if (problems.length) throw new Error(`cannot reach host "${name}": the stack config is not usable:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return connection;
}

/**
 * A (pooled) connection to a named host. A host of `hosts` that cannot be reached is named with
 * its config key: with several hosts, the address alone does not say which one is down.
 */
export async function hostNamed(name: string): Promise<Host> {
    const conn = connectionOf(name);
    try {
        return await connect(conn);
    } catch (e) {
        if (name === MAIN_HOST) throw e;
        throw new Error(`host "${name}" (${table().current!.project}:hosts.${name}): ${(e as Error).message}`);
    }
}
