// npm run logs -- <service>|--all [-f|--follow] [--lines N] — a service's journal on the stack's host:
// `journalctl -u hotstack-os-<service> -n 200 --no-pager`, streamed as it arrives; -f keeps
// following (Ctrl-C ends it). <service> is one of the stack's services (SERVICE_NAMES: keystone,
// nova-compute, …) or a host unit (fabric, nat, shared-mounts, libvirtd-session); the
// hotstack-os- prefix and .service suffix may be given too. --all: every hotstack-os unit at once,
// interleaved by time (`journalctl -u 'hotstack-os*'`, as HotStack-OS users follow theirs).
//
//   The host comes from the Pulumi stack's config (`pulumi config --json --show-secrets`, the
//   current stack or --stack NAME), or from --host local|ssh://user@address[:port] with
//   --ssh-key-file FILE and --ssh-host-key SHA256:… (or HOTSTACK_HOST / HOTSTACK_SSH_KEY_FILE /
//   HOTSTACK_SSH_HOST_KEY).
import { FABRIC_UNIT, NAT_UNIT, SHARED_MOUNTS_UNIT } from "../components/host-plan";
import { SERVICE_NAMES } from "../components/services/index";
import { Host } from "../providers/host/transport";
import { Args, CONNECTION_OPTIONS, ToolSpec, helpText, hostFromCli, parseArgs, runMain } from "./stack";
import { LIBVIRT_SESSION_UNIT } from "./status";

/** Units of the host layer, by the short name `logs` takes. */
export const HOST_UNITS: Record<string, string> = {
    fabric: FABRIC_UNIT,
    nat: NAT_UNIT,
    "shared-mounts": SHARED_MOUNTS_UNIT,
    "libvirtd-session": LIBVIRT_SESSION_UNIT,
};

export interface LogsOptions {
    follow: boolean;
    lines: number;
    /** Every hotstack-os unit instead of one. */
    all?: boolean;
}

export const LOGS_SPEC: ToolSpec = {
    usage: "npm run logs -- <service> | --all [-f] [--lines N] [connection options]",
    about: `A service's journal on the stack's host (services: ${SERVICE_NAMES.join(", ")}; host units: ${Object.keys(HOST_UNITS).join(", ")}), or with --all every hotstack-os unit's, interleaved.`,
    positional: 1,
    options: [
        { name: "all", help: "every hotstack-os unit (journalctl -u 'hotstack-os*')" },
        { name: "follow", short: "f", help: "keep following (Ctrl-C ends it)" },
        { name: "lines", short: "n", value: "N", help: "lines of history first (default 200)" },
        ...CONNECTION_OPTIONS,
    ],
};

/** The journalctl command for a service or host unit; throws with the known names when it is neither. */
export function logsCommand(name: string, o: LogsOptions): string {
    const short = name.trim().replace(/^hotstack-os-/, "").replace(/\.service$/, "");
    if (!Number.isInteger(o.lines) || o.lines < 0) throw new Error(`--lines must be a whole number, got ${o.lines}`);
    const tail = `-n ${o.lines} --no-pager${o.follow ? " -f" : ""}`;
    if (o.all) {
        if (short) throw new Error(`--all or one service, not both (got ${name.trim()})`);
        return `journalctl -u 'hotstack-os*' ${tail}`;
    }
    if ((SERVICE_NAMES as readonly string[]).includes(short)) return `journalctl -u hotstack-os-${short}.service ${tail}`;
    const unit = HOST_UNITS[short];
    // The libvirt session is a user unit of hotstack: its lines carry _SYSTEMD_USER_UNIT.
    if (unit === LIBVIRT_SESSION_UNIT) return `journalctl _SYSTEMD_USER_UNIT=${unit} ${tail}`;
    if (unit) return `journalctl -u ${unit} ${tail}`;
    const close = [...SERVICE_NAMES, ...Object.keys(HOST_UNITS)].filter((n) => short && (n.includes(short) || short.includes(n)));
    throw new Error([
        name.trim() ? `"${name.trim()}" is not a hotstack-os service${close.length ? ` (did you mean ${close.join(", ")}?)` : ""}.` : "which service? npm run logs -- <service> [-f], or --all",
        `services: ${SERVICE_NAMES.join(", ")}`,
        `host units: ${Object.keys(HOST_UNITS).join(", ")}`,
    ].join("\n"));
}

/** Parses `<service>|--all [-f|--follow] [-n N|--lines N]` and the connection options (refusing any other). */
export function logsArgs(argv: string[]): { name: string; options: LogsOptions; args: Args } {
    let args: Args;
    try {
        args = parseArgs(argv, LOGS_SPEC);
    } catch (e) {
        // more than one word: say so plainly (the usual mistake is two services)
        const extra = /^unexpected arguments: (.*)$/m.exec((e as Error).message);
        if (extra) throw new Error(`one service at a time, got ${extra[1]}`);
        throw e;
    }
    const lines = args.get("lines") === undefined ? 200 : Number(args.get("lines"));
    return { name: args.positional[0] ?? "", options: { follow: args.flag("follow"), lines, all: args.flag("all") }, args };
}

/** Runs the journalctl on the host, handing its output to `write` as it arrives; journalctl's exit status. */
export async function streamLogs(host: Host, script: string, write: (stream: "stdout" | "stderr", text: string) => void): Promise<number> {
    const r = await host.run(script, { check: false, what: script, onOutput: write });
    return r.code;
}

async function main(): Promise<void> {
    const { name, options, args } = logsArgs(process.argv.slice(2));
    if (args.help) {
        console.log(helpText(LOGS_SPEC));
        return;
    }
    const script = logsCommand(name, options); // before connecting: a wrong name fails at once
    const host = await hostFromCli(args);
    // Streamed as it arrives (with -f until Ctrl-C, which ends this process and the connection).
    const code = await streamLogs(host, script, (stream, text) => (stream === "stdout" ? process.stdout : process.stderr).write(text));
    process.exitCode = code === 0 ? 0 : 1;
}

if (require.main === module) runMain(main);
