// One `up` of the program through the harness, in a process of its own (options as JSON in
// HOTSTACK_E2E_OPTS), logging each step on stdout: for tests that kill a run at a chosen moment.
// HOTSTACK_E2E_PROGRAM names the program's index.ts when it runs from a work copy.
import { up } from "../harness/engine";
import { log, program } from "./common";

const file = process.env.HOTSTACK_E2E_PROGRAM;
up(file ? () => require(file)() : program, { ...JSON.parse(process.env.HOTSTACK_E2E_OPTS ?? "{}"), log: (l: string) => log(`    ${l}`) }).then(
    () => log("run finished"),
    (e) => {
        log(`run failed: ${(e as Error).message.split("\n")[0]}`);
        process.exitCode = 1;
    },
);
