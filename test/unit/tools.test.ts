// The user commands' arguments (tools/stack.ts parseArgs, one parser for smoke, status, logs and
// creds): --help, unknown options refused with the known ones listed; npm run creds writing the
// hand-off files beside a user's own clouds.yaml (run as the real command, with an outputs file
// standing in for `pulumi stack output`); the guest cleanup's choice of what to delete.
import * as assert from "node:assert/strict";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as yaml from "js-yaml";
import { CREDS_SPEC, cloudsWithOurs } from "../../tools/creds";
import { planGuestCleanup } from "../../tools/guests";
import { LOGS_SPEC } from "../../tools/logs";
import { SMOKE_SPEC } from "../../tools/smoke";
import { CONNECTION_OPTIONS, UsageError, helpText, parseArgs } from "../../tools/stack";
import { STATUS_SPEC } from "../../tools/status";

const ROOT = path.resolve(__dirname, "../..");
const tool = (name: string, args: string[]) => childProcess.spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "tools", `${name}.ts`), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, HOTSTACK_HOST: "" } });

describe("tools: one argument parser", () => {
    test("values, flags, short aliases, = forms, positional words", () => {
        const a = parseArgs(["--image", "guest", "--keep-stack", "--flavor=tiny", "--stack", "lab"], SMOKE_SPEC);
        assert.deepEqual([a.get("image"), a.get("flavor"), a.get("stack"), a.flag("keep-stack"), a.flag("cleanup-only"), a.help], ["guest", "tiny", "lab", true, false, false]);
        const l = parseArgs(["-f", "-n", "5", "keystone"], LOGS_SPEC);
        assert.deepEqual([l.flag("follow"), l.get("lines"), l.positional], [true, "5", ["keystone"]]);
    });

    test("an unknown option is refused, naming it and listing the known ones (HotStack-OS's --image-name is not ours)", () => {
        assert.throws(() => parseArgs(["--image-name", "centos"], SMOKE_SPEC), (e: Error) =>
            e instanceof UsageError && /^unknown option --image-name/.test(e.message) && e.message.includes("--image NAME") && e.message.includes("--cleanup-guests"));
        for (const spec of [SMOKE_SPEC, STATUS_SPEC, LOGS_SPEC, CREDS_SPEC]) {
            assert.throws(() => parseArgs(["--no-such-flag"], spec), /unknown option --no-such-flag/);
            assert.throws(() => parseArgs(["-x"], spec), /unknown option -x/);
        }
        assert.throws(() => parseArgs(["--keep-stack=yes"], SMOKE_SPEC), /--keep-stack takes no value/);
        assert.throws(() => parseArgs(["--image"], SMOKE_SPEC), /--image needs a value/);
        assert.throws(() => parseArgs(["cirros"], SMOKE_SPEC), /unexpected argument: cirros/);
        assert.throws(() => parseArgs(["a", "b"], LOGS_SPEC), /unexpected arguments: a b/);
    });

    test("--help on every tool lists every option; each tool takes the connection options", () => {
        for (const spec of [SMOKE_SPEC, STATUS_SPEC, LOGS_SPEC]) {
            assert.equal(parseArgs(["--help"], spec).help, true);
            assert.equal(parseArgs(["-h"], spec).help, true);
            const text = helpText(spec);
            for (const o of [...spec.options, ...CONNECTION_OPTIONS]) assert.ok(text.includes(`--${o.name}`), `${spec.usage}: --${o.name} in its help`);
        }
        for (const o of CREDS_SPEC.options) assert.ok(helpText(CREDS_SPEC).includes(`--${o.name}`));
    });

    test("the commands themselves: --help exits 0 with the usage, an unknown flag exits 2 before anything is reached", () => {
        for (const name of ["smoke", "status", "logs", "creds"]) {
            const h = tool(name, ["--help"]);
            assert.equal(h.status, 0, `${name} --help: ${h.stderr}`);
            assert.match(h.stdout, new RegExp(`^usage: npm run ${name} --`));
            const bad = tool(name, ["--image-name", "x"]);
            assert.equal(bad.status, 2, `${name} --image-name`);
            assert.match(bad.stderr, /unknown option --image-name/);
        }
    });
});

const OURS = "clouds:\n  hotstack-os-admin:\n    auth:\n      auth_url: http://keystone.hotstack-os.local:5000/v3\n      username: admin\n      password: \"pw1\"\n    region_name: RegionOne\n  hotstack-os:\n    auth:\n      auth_url: http://keystone.hotstack-os.local:5000/v3\n      username: hotstack\n      password: \"pw2\"\n    region_name: RegionOne\n";
const SECRET = "hotstack_cloud_secrets:\n  auth_url: http://keystone.hotstack-os.local:5000/v3\n  application_credential_id: abc\n  application_credential_secret: \"s3cret\"\n";

describe("npm run creds", () => {
    test("writes both files 0600; the user's own cloud and comments survive; a second run replaces only the block", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-creds-"));
        try {
            const clouds = path.join(dir, "openstack", "clouds.yaml");
            fs.mkdirSync(path.dirname(clouds));
            const mine = "# my clouds\nclouds:\n  mylab:\n    auth:\n      auth_url: https://lab.example.org:5000/v3\n    region_name: Lab\n";
            fs.writeFileSync(clouds, mine, { mode: 0o644 });
            const outputs = path.join(dir, "outputs.json");
            fs.writeFileSync(outputs, JSON.stringify({ cloudsYaml: OURS, cloudSecretYaml: SECRET, authUrl: "x" }));
            const secret = path.join(dir, "cloud-secret.yaml");
            const run = () => tool("creds", ["--clouds-yaml", clouds, "--cloud-secret", secret, "--outputs-file", outputs]);
            const r = run();
            assert.equal(r.status, 0, r.stderr);
            const doc = yaml.load(fs.readFileSync(clouds, "utf8")) as any;
            assert.deepEqual(Object.keys(doc.clouds).sort(), ["hotstack-os", "hotstack-os-admin", "mylab"]);
            assert.equal(doc.clouds.mylab.region_name, "Lab");
            assert.equal(doc.clouds["hotstack-os"].auth.password, "pw2");
            assert.ok(fs.readFileSync(clouds, "utf8").startsWith("# my clouds\n"));
            assert.equal(fs.readFileSync(secret, "utf8"), SECRET);
            for (const f of [clouds, secret]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
            // again, with a rotated password: one block, the new password
            fs.writeFileSync(outputs, JSON.stringify({ cloudsYaml: OURS.replace("pw1", "pw9"), cloudSecretYaml: SECRET }));
            assert.equal(run().status, 0);
            const text = fs.readFileSync(clouds, "utf8");
            assert.equal(text.match(/# BEGIN hotstack-os clouds/g)?.length, 1);
            assert.equal((yaml.load(text) as any).clouds["hotstack-os-admin"].auth.password, "pw9");
            assert.equal(text.replace(/# BEGIN[\s\S]*# END[^\n]*\n/, ""), mine);
            assert.ok(!r.stdout.includes("pw1") && !r.stdout.includes("s3cret"), "no secret printed");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("a new file, a 4-space clouds.yaml, and a file it cannot merge safely", () => {
        assert.deepEqual(Object.keys((yaml.load(cloudsWithOurs("", OURS)) as any).clouds), ["hotstack-os-admin", "hotstack-os"]);
        const four = "clouds:\n    mine:\n        region_name: X\n";
        const merged = yaml.load(cloudsWithOurs(four, OURS)) as any;
        assert.deepEqual(Object.keys(merged.clouds).sort(), ["hotstack-os", "hotstack-os-admin", "mine"]);
        assert.throws(() => cloudsWithOurs("clouds: {mine: {region_name: X}}\n", OURS), /no top-level `clouds:` line/);
        assert.throws(() => cloudsWithOurs("clouds:\n  mine: {}\n", "not clouds"), /not a `clouds:` document/);
    });
});

describe("guest cleanup (npm run smoke -- --cleanup-guests)", () => {
    test("deletes servers, trunks, floating IPs, volumes and free ports; never a port Neutron owns (router interface or gateway, DHCP, metadata)", () => {
        const plan = planGuestCleanup({
            servers: [{ ID: "s1", Name: "vm" }],
            trunks: [{ ID: "t1", Name: "trunk" }],
            floatingIps: [{ ID: "f1", "Floating IP Address": "172.31.0.140" }],
            volumes: [{ ID: "v1", Name: "data" }],
            ports: [
                { ID: "p-vm", Name: "", "Device Owner": "compute:nova" },
                { ID: "p-free", Name: "mine", "Device Owner": "" },
                { ID: "p-sub", Name: "sub", "Device Owner": "trunk:subport" },
                { ID: "p-ri", Name: "", "Device Owner": "network:router_interface" },
                { ID: "p-gw", Name: "", "Device Owner": "network:router_gateway" },
                { ID: "p-dhcp", Name: "", "Device Owner": "network:dhcp" },
                { ID: "p-md", Name: "", "Device Owner": "network:distributed" },
            ],
        });
        assert.deepEqual(plan, { trunks: ["t1"], servers: ["s1"], floatingIps: ["f1"], ports: ["p-vm", "p-free", "p-sub"], volumes: ["v1"] });
    });
});
