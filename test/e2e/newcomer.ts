// The newcomer's path on a deployed cloud (issue 22), as functions test/e2e/cloud.ts calls:
//   imageUrl404     — `up` with an image whose URL answers 404 (a local HTTP server on the test
//                     host) fails naming the image and the URL, and changes nothing else;
//   credsBesideMine — npm run creds writes clouds.yaml and cloud-secret.yaml beside a user's own
//                     cloud, which survives, both 0600 (the real command, fed the run's outputs);
//   logsAll         — npm run logs -- --all prints lines of at least two services;
//   guestCleanup    — npm run smoke -- --cleanup-guests deletes the project user's guest objects
//                     and no post-setup object: the next run makes 0 changes.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { HarnessOptions, Report, changeCount } from "../harness/engine";
import { Host } from "../../providers/host/transport";
import { cleanupGuests } from "../../tools/guests";
import { logsCommand, streamLogs } from "../../tools/logs";
import { onHost, onHostOk } from "../support/testhost";
import { Checks } from "./checks";
import { converge, log } from "./common";

const ROOT = path.resolve(__dirname, "../..");
const USER = "openstack --os-cloud hotstack-os";

/**
 * opts(images) gives the run's harness options with that `images` value (JSON); `images` is the
 * list the run uses now. The 404 image is added to it; afterwards the list is put back (the next
 * run must then change nothing).
 */
export async function imageUrl404(checks: Checks, opts: (images: string) => HarnessOptions, images: object[]): Promise<void> {
    await checks.step("an image whose URL answers 404: up fails naming the image and the URL, nothing else changes", async () => {
        const port = 18404;
        onHost(`mkdir -p /var/tmp/hs-404 && cd /var/tmp/hs-404 && (nohup python3 -m http.server ${port} --bind 127.0.0.1 >/var/tmp/hs-404/log 2>&1 & echo $! > /var/tmp/hs-404/pid)`);
        try {
            await checks.waitFor("a local HTTP server on the test host", 20, () => onHostOk(`curl -s -o /dev/null http://127.0.0.1:${port}/`), 1);
            const url = `http://127.0.0.1:${port}/no-such-image.qcow2`;
            checks.expect(onHost(`curl -s -o /dev/null -w '%{http_code}' ${url}`, { allowFailure: true }).trim() === "404", "the URL answers 404");
            const before = onHost(`${USER} image list -f value -c Name | sort`).trim();
            let message = "";
            let report: Report | undefined;
            try {
                report = await converge("images + one whose URL answers 404", opts(JSON.stringify([...images, { name: "e2e-missing", url, diskFormat: "qcow2", properties: {} }])));
            } catch (e) {
                message = (e as Error).message;
            }
            checks.expect(!report && message.includes("e2e-missing") && message.includes(url) && /\b404\b/.test(message.split(url).join("")), "the run fails, naming the image, its URL and the 404", message.split("\n").find((l) => l.includes("e2e-missing"))?.slice(0, 300) ?? message.slice(0, 300));
            checks.expect(onHost(`${USER} image list -f value -c Name | sort`).trim() === before, "no image was added or removed");
            const back = await converge("the image list as before", opts(JSON.stringify(images)));
            checks.expect(changeCount(back) === 0, "the next run with the old list changes nothing (nothing else was changed)", back.steps.map((s) => `${s.op} ${s.urn.split("::").pop()}`).join(", "));
        } finally {
            onHost("kill $(cat /var/tmp/hs-404/pid) 2>/dev/null; rm -rf /var/tmp/hs-404", { allowFailure: true });
        }
    });
}

/** npm run creds, the real command, with the run's outputs in a file (standing in for `pulumi stack output`). */
export async function credsBesideMine(checks: Checks, outputs: Record<string, unknown>): Promise<void> {
    await checks.step("npm run creds: clouds.yaml block beside the user's own cloud, cloud-secret.yaml, both 0600", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-e2e-creds-"));
        try {
            const clouds = path.join(dir, "clouds.yaml");
            fs.writeFileSync(clouds, "clouds:\n  mine:\n    auth:\n      auth_url: https://example.org:5000/v3\n    region_name: Mine\n");
            const out = path.join(dir, "outputs.json");
            fs.writeFileSync(out, JSON.stringify(outputs), { mode: 0o600 });
            const secret = path.join(dir, "cloud-secret.yaml");
            const r = childProcess.spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "tools/creds.ts"), "--clouds-yaml", clouds, "--cloud-secret", secret, "--outputs-file", out], { cwd: ROOT, encoding: "utf8" });
            checks.expect(r.status === 0, "npm run creds exits 0", r.stderr.trim());
            const doc = yaml.load(fs.readFileSync(clouds, "utf8")) as any;
            checks.expect(doc?.clouds?.mine?.region_name === "Mine" && !!doc.clouds["hotstack-os"] && !!doc.clouds["hotstack-os-admin"], "clouds.yaml: the user's cloud kept, both of ours added", Object.keys(doc?.clouds ?? {}).join(","));
            checks.expect(fs.readFileSync(secret, "utf8").trim() === String(outputs.cloudSecretYaml).trim(), "cloud-secret.yaml is the stack's cloudSecretYaml");
            checks.expect([clouds, secret].every((f) => (fs.statSync(f).mode & 0o777) === 0o600), "both files are 0600");
            checks.expect(!r.stdout.includes(String(outputs.appCredentialSecret)), "no secret printed");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
}

/** npm run logs -- --all: what it runs on the host, through the tool's own code. */
export async function logsAll(checks: Checks, host: Host): Promise<void> {
    await checks.step("npm run logs -- --all prints lines of at least two services", async () => {
        let text = "";
        const code = await streamLogs(host, `${logsCommand("", { all: true, follow: false, lines: 400 })} -o short`, (_s, t) => (text += t));
        // short format: "Mon DD HH:MM:SS host IDENT[PID]: message"; the identifiers are the containers'
        const units = new Set(onHost(`journalctl -u 'hotstack-os*' -n 400 --no-pager -o json | python3 -c 'import sys,json; [print(json.loads(l).get("_SYSTEMD_UNIT","")) for l in sys.stdin]' | sort -u`).trim().split("\n").filter(Boolean));
        checks.expect(code === 0 && text.split("\n").length > 10 && units.size >= 2, "logs --all: lines of two or more units", `${units.size} units: ${[...units].slice(0, 6).join(", ")}`);
    });
}

/**
 * A guest of the project user's (server, its floating IP, a free port, a volume), then
 * cleanupGuests (npm run smoke -- --cleanup-guests): all of them gone, the admin's objects there,
 * and the next run (`next`) makes 0 changes.
 */
export async function guestCleanup(checks: Checks, host: Host, o: { image: string; flavor: string; next: () => Promise<Report> }): Promise<void> {
    await checks.step("guest cleanup deletes the project's guests and leaves every post-setup object (the next run makes 0 changes)", async () => {
        const adminServers = onHost("openstack --os-cloud hotstack-os-admin server list --all-projects -f value -c ID | sort").trim();
        onHost(`${USER} server create e2e-guest --image ${o.image} --flavor ${o.flavor} --network private --wait -f value -c id`);
        onHost(`${USER} port create --network private e2e-free-port -f value -c id`);
        onHost(`${USER} volume create --size 1 e2e-volume -f value -c id`);
        onHost(`${USER} floating ip create public -f value -c id`);
        const r = await cleanupGuests(host, { cloud: "hotstack-os", log: (l) => log(`  [cleanup-guests] ${l}`) });
        checks.expect(r.failed.length === 0, "cleanup-guests reports no failure", r.failed.join("; "));
        const left = ["server list", "floating ip list", "volume list"].map((w) => onHost(`${USER} ${w} -f value -c ID`, { allowFailure: true }).trim()).join("");
        const ports = onHost(`${USER} port list --long -f value -c ID -c 'Device Owner'`, { allowFailure: true }).trim().split("\n").filter((l) => l && !/ network:/.test(l));
        checks.expect(left === "" && ports.length === 0, "the project's servers, floating IPs, volumes and free ports are gone", `${left} ${ports.join(" ")}`);
        const admin = onHost("openstack --os-cloud hotstack-os-admin server list --all-projects -f value -c ID | sort").trim();
        checks.expect(admin === adminServers, "the admin's servers are untouched");
        checks.expect(onHostOk("openstack --os-cloud hotstack-os-admin router show router1 -f value -c id") && onHostOk(`${USER} network show private -f value -c id`), "router1 and private are there");
        const next = await o.next();
        checks.expect(changeCount(next) === 0, "the next run makes 0 changes", next.steps.map((s) => `${s.op} ${s.urn.split("::").pop()}`).join(", "));
    });
}
