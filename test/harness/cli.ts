// The harness from the command line, in a fresh process: proves the state file plus the
// serialized providers are enough (as for `pulumi destroy` / `pulumi refresh`, which never run
// the program and configure the provider with the config stored in the state).
//   node -r ts-node/register/transpile-only test/harness/cli.ts destroy|refresh <state.json> [--refresh]
// Prints the report as one JSON line.
import { destroy, refresh } from "./engine";

async function main(): Promise<void> {
    const [verb, stateFile, ...flags] = process.argv.slice(2);
    if (!stateFile || !["destroy", "refresh"].includes(verb)) {
        console.error("usage: cli.ts destroy|refresh <state.json> [--refresh]");
        process.exit(2);
    }
    const log = (l: string) => console.error(l);
    const report = verb === "destroy" ? await destroy({ stateFile, refresh: flags.includes("--refresh"), log }) : await refresh({ stateFile, log });
    console.log(JSON.stringify({ ops: report.ops, steps: report.steps.length, durationMs: report.durationMs }));
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
