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
    /** --help or -h was given: the tool prints helpText(spec) and stops. */
    help: boolean;
}

/** One option of a tool: `--name` (a flag) or `--name VALUE`; `short` is a one-letter alias (`-f`). */
export interface OptionSpec {
    name: string;
    value?: string;
    short?: string;
    help: string;
}

/** What a tool accepts: its options and how many positional words (default none). */
export interface ToolSpec {
    usage: string;
    about: string;
    options: OptionSpec[];
    positional?: number;
}

/** How the tools reach the stack's host (every tool takes these). */
export const CONNECTION_OPTIONS: OptionSpec[] = [
    { name: "stack", value: "NAME", help: "the Pulumi stack to read the connection from (default: the selected stack)" },
    { name: "host", value: "local|ssh://user@addr[:port]", help: "the host, without the Pulumi CLI (or HOTSTACK_HOST)" },
    { name: "ssh-key-file", value: "FILE", help: "private key for --host ssh://… (or HOTSTACK_SSH_KEY_FILE)" },
    { name: "ssh-host-key", value: "SHA256:…", help: "the host key's fingerprint for --host ssh://… (or HOTSTACK_SSH_HOST_KEY)" },
    { name: "ssh-trust-on-first-use", help: "accept an unknown host key (not recommended)" },
];

export class UsageError extends Error {}

/**
 * `--name value`, `--name=value`, `--flag`, `-x` for a short alias, and positional words, checked
 * against the tool's spec: an unknown option or a missing value is refused with the known ones
 * listed (a typo must never be ignored silently).
 */
export function parseArgs(argv: string[], spec: ToolSpec): Args {
    const byName = new Map(spec.options.map((o) => [o.name, o]));
    const byShort = new Map(spec.options.filter((o) => o.short).map((o) => [o.short!, o]));
    const values = new Map<string, string>();
    const set = new Set<string>();
    const positional: string[] = [];
    let help = false;
    const refuse = (why: string) => new UsageError(`${why}\n\n${helpText(spec)}`);
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") {
            help = true;
            continue;
        }
        if (a === "--" || !a.startsWith("-") || a === "-") {
            positional.push(...(a === "--" ? argv.slice(i + 1) : [a]));
            if (a === "--") break;
            continue;
        }
        const [key, inline] = a.startsWith("--") ? a.slice(2).split(/=(.*)/s, 2) : [a.slice(1), undefined];
        const o = a.startsWith("--") ? byName.get(key) : byShort.get(key);
        if (!o) throw refuse(`unknown option ${a.split("=")[0]}`);
        if (!o.value) {
            if (inline !== undefined) throw refuse(`--${o.name} takes no value`);
            set.add(o.name);
        } else if (inline !== undefined) values.set(o.name, inline);
        else if (i + 1 < argv.length) values.set(o.name, argv[++i]);
        else throw refuse(`--${o.name} needs a value (${o.value})`);
    }
    if (!help && positional.length > (spec.positional ?? 0)) throw refuse(`unexpected argument${positional.length > 1 ? "s" : ""}: ${positional.join(" ")}`);
    return { get: (n) => values.get(n), flag: (n) => set.has(n), positional, help };
}

/** The usage text of a tool: its synopsis, what it does, and every option. */
export function helpText(spec: ToolSpec): string {
    const left = (o: OptionSpec) => `${o.short ? `-${o.short}, ` : ""}--${o.name}${o.value ? ` ${o.value}` : ""}`;
    const width = Math.max(...spec.options.map((o) => left(o).length), 10);
    return [`usage: ${spec.usage}`, "", spec.about, "", "options:", ...spec.options.map((o) => `  ${left(o).padEnd(width)}  ${o.help}`), `  ${"-h, --help".padEnd(width)}  this text`].join("\n");
}

/** Parses a tool's arguments; prints its help and exits 0 on --help, or 2 with the reason on a bad argument. */
export function argsOrExit(argv: string[], spec: ToolSpec): Args {
    let args: Args;
    try {
        args = parseArgs(argv, spec);
    } catch (e) {
        console.error((e as Error).message);
        process.exit(2);
    }
    if (args.help) {
        console.log(helpText(spec));
        process.exit(0);
    }
    return args;
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

/** A host of the deployed stack (default main), connected (`config`: what configFromCli read, to read it once). */
export async function hostFromCli(args: Args, config: Record<string, unknown> = configFromCli(args), name = MAIN_HOST): Promise<Host> {
    const { connection, problems } = connectionFromConfig(PROJECT, (k) => config[k], name, (p) => fs.readFileSync(p, "utf8"), os.homedir);
    const which = name === MAIN_HOST ? "the stack's host" : `host "${name}"`;
    if (problems.length) throw new Error(`cannot reach ${which}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
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
