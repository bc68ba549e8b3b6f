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
    if (name === MAIN_HOST) return connect(conn);
    const key = hostKeyName(name);
    let host: Host;
    try {
        host = await connect(conn);
    } catch (e) {
        throw new Error(`host "${name}" (${key}): ${(e as Error).message}`);
    }
    // A host that joins the cloud gets its own host layer: were it main's machine under another
    // name, two resources would own one object and retiring the name would remove main's.
    // Compared once per provider process (machine ids are cached).
    if (roleOf(name) !== undefined) {
        const main = await hostNamed(MAIN_HOST).then((m) => m.machineId()).catch((e: Error) => {
            throw new Error(`host "${name}" (${key}) joins the cloud: main is reached to check it is another machine, and could not be: ${e.message}`);
        });
        const own = await host.machineId();
        if (own !== "" && own === main) throw new Error(`host "${name}" (${key}) is the same machine as main (/etc/machine-id ${own}): a host that joins the cloud must be a machine of its own`);
    }
    return host;
}

/** The role of a host of `hosts` in the stack config, if it has one. */
function roleOf(name: string): unknown {
    let hosts = table().current?.get("hosts");
    try {
        if (typeof hosts === "string") hosts = JSON.parse(hosts);
    } catch {
        return undefined;
    }
    const entry = hosts && typeof hosts === "object" ? (hosts as Record<string, any>)[name] : undefined;
    return entry && typeof entry === "object" ? entry.role : undefined;
}

/** How messages name a host of `hosts`: its config key. */
export function hostKeyName(name: string): string {
    return `${table().current?.project ?? "hotstack-os"}:hosts.${name}`;
}
