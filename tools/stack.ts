// What the user commands (smoke, status, logs) share: their arguments, and the deployed stack's
// host, reached over the same connection as the program — from the stack's config read with
// the Pulumi CLI the user has, or from flags/environment where there is no CLI (tests, CI).
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT } from "../components/config";
import { MAIN_HOST, connectionFromConfig } from "../providers/host/connection";
import { Host, closeAllConnections, connect } from "../providers/host/transport";

const ROOT = path.resolve(__dirname, "..");

export interface Args {
    get(name: string): string | undefined;
    flag(name: string): boolean;
    positional: string[];
}

/** `--name value`, `--name=value`, `--flag`, and positional words. */
export function parseArgs(argv: string[], flags: string[] = []): Args {
    const values = new Map<string, string>();
    const set = new Set<string>();
    const positional: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) {
            positional.push(a);
            continue;
        }
        const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
        if (inline !== undefined) values.set(name, inline);
        else if (flags.includes(name) || /^(no-|keep-|cleanup-|follow$)/.test(name) || i + 1 >= argv.length || argv[i + 1].startsWith("--")) set.add(name);
        else values.set(name, argv[++i]);
    }
    return { get: (n) => values.get(n), flag: (n) => set.has(n), positional };
}

/** The stack's config as the Pulumi CLI shows it (secrets decrypted), bare keys. */
function pulumiConfig(stack: string | undefined): Record<string, unknown> {
    const r = childProcess.spawnSync("pulumi", ["config", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])], { cwd: ROOT, encoding: "utf8" });
    if (r.error || r.status !== 0) {
        throw new Error(`cannot read the stack's config with the Pulumi CLI (${r.error?.message ?? r.stderr.trim()}); give the host with --host local|ssh://user@address[:port] --ssh-key-file FILE --ssh-host-key SHA256:…`);
    }
    const parsed = JSON.parse(r.stdout) as Record<string, { value?: unknown; objectValue?: unknown }>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(parsed)) if (k.startsWith(`${PROJECT}:`)) out[k.slice(PROJECT.length + 1)] = v.objectValue ?? v.value;
    return out;
}

/**
 * The stack's config as the commands see it: with --host (or HOTSTACK_HOST) just the connection
 * from flags/environment, otherwise the whole stack config from the Pulumi CLI (bare keys).
 */
export function configFromCli(args: Args): Record<string, unknown> {
    const flagHost = args.get("host") ?? process.env.HOTSTACK_HOST;
    return flagHost
        ? {
            host: flagHost,
            sshPrivateKeyPath: args.get("ssh-key-file") ?? process.env.HOTSTACK_SSH_KEY_FILE,
            sshHostKey: args.get("ssh-host-key") ?? process.env.HOTSTACK_SSH_HOST_KEY,
            sshTrustOnFirstUse: args.flag("ssh-trust-on-first-use") ? "true" : undefined,
        }
        : pulumiConfig(args.get("stack"));
}

/** The deployed stack's main host, connected (`config`: what configFromCli read, to read it once). */
export async function hostFromCli(args: Args, config: Record<string, unknown> = configFromCli(args)): Promise<Host> {
    const { connection, problems } = connectionFromConfig(PROJECT, (k) => config[k], MAIN_HOST, (p) => fs.readFileSync(p, "utf8"), os.homedir);
    if (problems.length) throw new Error(`cannot reach the stack's host:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return connect(connection);
}

/**
 * Runs a tool's main: its connections are closed when it ends; an error is one line on stderr
 * and exit status 2 (1 is the tool's own "something is down/failed").
 */
export function runMain(main: () => Promise<void>): void {
    main()
        .finally(() => closeAllConnections())
        .catch((e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(2);
        });
}
