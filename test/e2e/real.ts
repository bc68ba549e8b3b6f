// npm run e2e:real — for maintainers who have the Pulumi CLI: the host layer converged on the
// disposable test host by the real engine (not the harness): `pulumi preview`, `up`, `up` again
// with --expect-no-changes, `destroy`, on a throwaway stack in a local file backend. Where the CLI
// is missing it says so and reports itself skipped (exit 0 with a SKIPPED line, never "passed").
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { onHostOk, startTestHost, stopTestHost } from "../support/testhost";
import { log } from "./common";

const ROOT = path.resolve(__dirname, "../..");

function pulumiVersion(): string | undefined {
    const r = childProcess.spawnSync("pulumi", ["version"], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

function main(): void {
    const version = pulumiVersion();
    if (!version) {
        console.log("e2e:real SKIPPED: the Pulumi CLI is not installed here (`pulumi version` failed); this check needs the real engine. Install it (https://www.pulumi.com/docs/install/) and run npm run e2e:real.");
        return;
    }
    log(`pulumi ${version}`);
    const conn = startTestHost(true);
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-e2e-real-"));
    const env = { ...process.env, PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: "e2e-real", PULUMI_SKIP_UPDATE_CHECK: "true" };
    const stack = "e2e-real";
    const pulumi = (args: string[], input?: string) => {
        log(`$ pulumi ${args.join(" ")}`);
        const r = childProcess.spawnSync("pulumi", [...args, "--non-interactive", "--stack", stack], { cwd: ROOT, env, input, stdio: [input === undefined ? "ignore" : "pipe", "inherit", "inherit"] });
        if (r.status !== 0) throw new Error(`pulumi ${args[0]} failed (exit ${r.status})`);
    };
    try {
        childProcess.execFileSync("pulumi", ["stack", "init", stack, "--non-interactive"], { cwd: ROOT, env, stdio: "inherit" });
        const set = (k: string, v: string) => pulumi(["config", "set", k, v]);
        set("host", `ssh://root@127.0.0.1:${conn.port}`);
        set("sshHostKey", conn.hostKeySha256!);
        pulumi(["config", "set", "--secret", "sshPrivateKey"], conn.privateKey);
        set("ovsDatapathType", "netdev");
        set("virtType", "qemu");
        set("serviceSet", "host");
        pulumi(["preview", "--diff"]);
        pulumi(["up", "--yes", "--skip-preview"]);
        pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
        pulumi(["destroy", "--yes", "--skip-preview"]);
        const left = [["bridge hot-ex", "ovs-vsctl br-exists hot-ex"], ["user hotstack", "id hotstack"], ["data dir", "test -e /var/lib/hotstack-os"]]
            .filter(([, c]) => onHostOk(c)).map(([w]) => w);
        if (left.length) throw new Error(`destroy left: ${left.join(", ")}`);
        console.log("e2e:real passed: preview, up, up (no changes), destroy under the real engine");
    } finally {
        childProcess.spawnSync("pulumi", ["stack", "rm", stack, "--yes", "--force", "--non-interactive"], { cwd: ROOT, env, stdio: "ignore" });
        fs.rmSync(backend, { recursive: true, force: true });
        if (!process.env.KEEP_TESTHOST) stopTestHost();
    }
}

try {
    main();
} catch (e) {
    console.error(e);
    process.exit(1);
}
