// Checks for the e2e scripts that cannot lie: every check and every wait is recorded and can
// fail; a wait that times out is a failed check (never an exception that skips the cleanup and
// the figures); figures are only printed from measurements that were taken.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { log } from "./common";

export class Checks {
    readonly failed: string[] = [];
    readonly passed: string[] = [];

    /** Records one check; returns whether it passed. */
    expect(ok: boolean, what: string, detail?: string): boolean {
        (ok ? this.passed : this.failed).push(what);
        log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
        return ok;
    }

    /** Runs a step; an exception is a failed check with its message (the run goes on). */
    async step<T>(what: string, fn: () => Promise<T> | T): Promise<T | undefined> {
        const t = Date.now();
        try {
            const r = await fn();
            log(`  ${((Date.now() - t) / 1000).toFixed(1).padStart(6)} s  ${what}`);
            return r;
        } catch (e) {
            this.expect(false, what, (e as Error).message.split("\n").slice(0, 8).join(" | "));
            return undefined;
        }
    }

    /**
     * Polls until `test` is true (every `everyS` seconds, at most `seconds`): the seconds it took,
     * or undefined after a failed check naming what was waited for.
     */
    async waitFor(what: string, seconds: number, test: () => boolean | Promise<boolean>, everyS = 3): Promise<number | undefined> {
        const t = Date.now();
        let last = "";
        for (;;) {
            try {
                if (await test()) {
                    const s = (Date.now() - t) / 1000;
                    this.expect(true, what, `${s.toFixed(1)} s`);
                    return s;
                }
            } catch (e) {
                last = (e as Error).message.split("\n")[0];
            }
            if (Date.now() - t > seconds * 1000) {
                this.expect(false, what, `not reached in ${seconds} s${last ? ` (last error: ${last})` : ""}`);
                return undefined;
            }
            await new Promise((r) => setTimeout(r, everyS * 1000));
        }
    }

    summary(): string {
        return this.failed.length ? `${this.failed.length} problem(s):\n  ${this.failed.join("\n  ")}` : `all ${this.passed.length} checks passed`;
    }
}

/** MiB in a size podman prints ("6.5GB", "512MiB", "1.2kB", "0B"); undefined when it cannot read it. */
export function mebibytes(text: string): number | undefined {
    const m = /^([\d.]+)\s*([kKMGT]?i?B)$/.exec(text.trim());
    if (!m) return undefined;
    const unit: Record<string, number> = { B: 1 / 1048576, kB: 1 / 1024, KB: 1 / 1024, KiB: 1 / 1024, MB: 1, MiB: 1, GB: 1024, GiB: 1024, TB: 1048576, TiB: 1048576 };
    const f = unit[m[2]];
    return f === undefined ? undefined : Number(m[1]) * f;
}

/**
 * Peak memory of a container (the test host, nested containers and guests included), sampled by
 * a separate process every few seconds for the whole run — so phases where this process waits in
 * a synchronous call are sampled too. stop() reads the samples; no sample is a failed check.
 */
export function memorySampler(container: string, everyS = 5): { stop: (checks: Checks) => number | undefined } {
    const file = path.join(os.tmpdir(), `hotstack-mem-${process.pid}.log`);
    fs.writeFileSync(file, "");
    // Ends by itself when the test process is gone (a killed run leaves no sampler behind).
    const child = childProcess.spawn("bash", ["-c", `while kill -0 ${process.pid} 2>/dev/null; do podman stats --no-stream --format '{{.MemUsage}}' ${container} >> ${file} 2>/dev/null; sleep ${everyS}; done`], { stdio: "ignore", detached: true });
    child.unref();
    return {
        stop(checks) {
            try {
                process.kill(-child.pid!, "SIGTERM");
            } catch {
                // already gone
            }
            const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
            fs.rmSync(file, { force: true });
            const values = lines.map((l) => mebibytes(l.split("/")[0]));
            const unreadable = lines.filter((_, i) => values[i] === undefined);
            const read = values.filter((v): v is number => v !== undefined);
            checks.expect(read.length > 0 && unreadable.length === 0, "memory was sampled for the whole run", `${read.length} samples${unreadable.length ? `, unreadable: ${JSON.stringify(unreadable.slice(0, 3))}` : ""}`);
            return read.length ? Math.round(Math.max(...read)) : undefined;
        },
    };
}
