// The harness from the command line, in a fresh process: proves the state file plus the
// serialized providers are enough (as for `pulumi destroy` / `pulumi refresh`).
//   node -r ts-node/register/transpile-only test/harness/cli.ts destroy|refresh <state.json>
// Prints the report as one JSON line.
import { destroy, refresh } from "./engine";

async function main(): Promise<void> {
    const [verb, stateFile] = process.argv.slice(2);
    if (!stateFile || !["destroy", "refresh"].includes(verb)) {
        console.error("usage: cli.ts destroy|refresh <state.json>");
        process.exit(2);
    }
    const report = verb === "destroy" ? await destroy({ stateFile }) : await refresh({ stateFile });
    console.log(JSON.stringify({ ops: report.ops, steps: report.steps.length, durationMs: report.durationMs }));
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
