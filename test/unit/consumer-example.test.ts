// examples/openstack-consumer under pulumi.runtime.setMocks, with a mocked StackReference to a
// hotstack-os stack: the OpenStack provider is built from the stack's structured outputs (authUrl,
// region, the application credential), the credential's secret stays a secret, every cloud object
// goes through that provider, and the server gets the configured flavor and image (by the ids the
// stack made) on the network the example made. The example runs twice: with its defaults, and
// with every option set. (Importing its type makes the root `tsc` type-check the example too.)
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import type * as ConsumerProgram from "../../examples/openstack-consumer/index";

const EXAMPLE = path.resolve(__dirname, "../../examples/openstack-consumer");
const SECRET = "app-cred-secret-d41d8cd98f00b204e9800998ecf8427e";
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyForTheUnitTestOnly0123456789abcd unit@test";

/** What a hotstack-os stack with post-setup exports (components/hotstack.ts). */
const HOTSTACK_OUTPUTS = {
    authUrl: "http://keystone.hotstack-os.local:5000/v3",
    region: "RegionLab",
    adminPassword: "admin-password-not-for-consumers",
    cloudsYaml: "clouds:\n  hotstack-os-admin:\n    auth:\n      password: admin-password-not-for-consumers\n",
    endpoints: { identity: "http://keystone.hotstack-os.local:5000/v3/" },
    project: { id: "project-hotstack-id", name: "hotstack" },
    username: "hotstack",
    userPassword: "user-password",
    appCredentialId: "app-cred-id-0123456789abcdef",
    appCredentialSecret: SECRET,
    publicNetwork: { id: "public-net-id", name: "public", subnetId: "public-subnet-id" },
    privateNetwork: { id: "private-net-id", name: "private", subnetId: "private-subnet-id" },
    router: { id: "router1-id", name: "router1" },
    flavors: { "hotstack.small": "flavor-small-id", "hotstack.medium": "flavor-medium-id" },
    images: { cirros: "image-cirros-id", "ubuntu-noble-server": "image-ubuntu-id" },
    cloudSecretYaml: `hotstack_cloud_secrets:\n  application_credential_secret: "${SECRET}"\n`,
};
/** As the engine reports them for a StackReference: the outputs the referenced stack holds as secrets. */
const SECRET_OUTPUTS = ["adminPassword", "cloudsYaml", "userPassword", "appCredentialSecret", "cloudSecretYaml"];

interface Created {
    type: string;
    name: string;
    id: string;
    inputs: Record<string, any>;
    provider?: string;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";
const isSecretValue = (v: unknown): v is { value: unknown } => !!v && typeof v === "object" && (v as any)[SECRET_SIG] === SECRET_MARK;

interface Run {
    created: Created[];
    outputs: Record<string, unknown>;
}

const runs: Record<"defaults" | "configured", Run> = { defaults: { created: [], outputs: {} }, configured: { created: [], outputs: {} } };
let current: Run;

const outputOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

async function runExample(config: Record<string, string>, into: Run): Promise<void> {
    current = into;
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`openstack-consumer:${k}`, v])));
    const file = require.resolve(path.join(EXAMPLE, "index.ts"));
    delete require.cache[file];
    const program: typeof ConsumerProgram = require(file);
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    for (const [k, v] of Object.entries(program)) into.outputs[k] = pulumi.Output.isInstance(v) ? await outputOf(v) : v;
}

before(async () => {
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            const id = args.type === "pulumi:pulumi:StackReference" ? args.inputs.name : `${args.name}-id`;
            current.created.push({ type: args.type, name: args.name, id, inputs: args.inputs, provider: args.provider });
            if (args.type === "pulumi:pulumi:StackReference") {
                // The SDK reads `outputs` (and which of them are secrets) from the resource's state.
                return { id, state: { name: args.inputs.name, outputs: HOTSTACK_OUTPUTS, secretOutputNames: SECRET_OUTPUTS } };
            }
            const state: Record<string, any> = { ...args.inputs };
            if (args.type === "openstack:networking/floatingIp:FloatingIp") state.address = "172.31.0.150";
            return { id, state };
        },
        call: () => ({}),
    }, "openstack-consumer", "unit", false);
    await runExample({ sshPublicKey: SSH_KEY }, runs.defaults);
    await runExample({
        sshPublicKey: SSH_KEY,
        hotstackStack: "organization/hotstack-os/lab",
        flavor: "hotstack.medium",
        image: "ubuntu-noble-server",
        cidr: "10.42.0.0/24",
        ownRouter: "false",
        namePrefix: "demo",
    }, runs.configured);
});

const one = (run: Run, type: string): Created => {
    const all = run.created.filter((c) => c.type === type);
    assert.equal(all.length, 1, `one ${type} (got ${all.length})`);
    return all[0];
};
const idOf = (run: Run, type: string) => one(run, type).id;

describe("examples/openstack-consumer (setMocks, mocked StackReference)", () => {
    for (const [label, stack] of [["defaults", "organization/hotstack-os/dev"], ["configured", "organization/hotstack-os/lab"]] as const) {
        test(`${label}: reads the stack ${stack}`, () => {
            const ref = one(runs[label], "pulumi:pulumi:StackReference");
            assert.equal(ref.inputs.name, stack);
        });
    }

    test("the provider is built from the stack's authUrl, region and application credential", () => {
        for (const run of Object.values(runs)) {
            const p = one(run, "pulumi:providers:openstack").inputs;
            assert.equal(p.authUrl, HOTSTACK_OUTPUTS.authUrl);
            assert.equal(p.region, "RegionLab");
            assert.equal(p.applicationCredentialId, HOTSTACK_OUTPUTS.appCredentialId);
            assert.ok(isSecretValue(p.applicationCredentialSecret), "the credential secret reaches the provider as a secret");
            assert.equal((p.applicationCredentialSecret as { value: unknown }).value, SECRET);
            for (const k of ["password", "userName", "cloud", "tenantName", "token"]) assert.equal(p[k], undefined, `no ${k}: the application credential only`);
        }
    });

    test("the secret stays secret: it appears nowhere else in plain text, and never in the outputs", () => {
        const plain = (v: unknown, where: string): void => {
            if (isSecretValue(v)) return;
            if (typeof v === "string") assert.ok(!v.includes(SECRET) && !v.includes("admin-password"), `${where} holds a secret in plain text`);
            else if (Array.isArray(v)) v.forEach((x, i) => plain(x, `${where}[${i}]`));
            else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) plain(x, `${where}.${k}`);
        };
        for (const run of Object.values(runs)) {
            for (const c of run.created.filter((x) => x.type !== "pulumi:pulumi:StackReference")) plain(c.inputs, `${c.type} ${c.name}`);
            plain(run.outputs, "stack outputs");
        }
    });

    test("every cloud object goes through that provider, none through a default one", () => {
        for (const run of Object.values(runs)) {
            const provider = one(run, "pulumi:providers:openstack");
            const objects = run.created.filter((c) => c.type.startsWith("openstack:"));
            assert.ok(objects.length >= 9);
            for (const c of objects) assert.match(c.provider ?? "", new RegExp(`::pulumi:providers:openstack::${provider.name}::${provider.id}$`), `${c.type} ${c.name}`);
        }
    });

    test("defaults: the server gets flavor hotstack.small and image cirros, by the stack's ids, on the network made here", () => {
        const run = runs.defaults;
        const server = one(run, "openstack:compute/instance:Instance").inputs;
        assert.equal(server.flavorId, "flavor-small-id");
        assert.equal(server.imageId, "image-cirros-id");
        const port = one(run, "openstack:networking/port:Port");
        assert.deepEqual(server.networks, [{ port: port.id }]);
        assert.equal(port.inputs.networkId, idOf(run, "openstack:networking/network:Network"));
        assert.deepEqual(port.inputs.fixedIps, [{ subnetId: idOf(run, "openstack:networking/subnet:Subnet") }]);
        assert.deepEqual(port.inputs.securityGroupIds, [idOf(run, "openstack:networking/secGroup:SecGroup")]);
        assert.equal(server.keyPair, one(run, "openstack:compute/keypair:Keypair").inputs.name);
        assert.equal(one(run, "openstack:compute/keypair:Keypair").inputs.publicKey, SSH_KEY);
        assert.equal(one(run, "openstack:networking/subnet:Subnet").inputs.cidr, "192.168.200.0/24");
        assert.equal(server.name, "openstack-consumer-unit-server");
    });

    test("configured: the server gets the configured flavor and image", () => {
        const server = one(runs.configured, "openstack:compute/instance:Instance").inputs;
        assert.equal(server.flavorId, "flavor-medium-id");
        assert.equal(server.imageId, "image-ubuntu-id");
        assert.equal(server.name, "demo-server");
        assert.equal(one(runs.configured, "openstack:networking/subnet:Subnet").inputs.cidr, "10.42.0.0/24");
    });

    test("by default a router of its own on the public network (router1 is the admin project's); ownRouter false joins router1", () => {
        const router = one(runs.defaults, "openstack:networking/router:Router");
        assert.equal(router.inputs.externalNetworkId, "public-net-id");
        const iface = one(runs.defaults, "openstack:networking/routerInterface:RouterInterface").inputs;
        assert.equal(iface.routerId, router.id);
        assert.equal(iface.subnetId, idOf(runs.defaults, "openstack:networking/subnet:Subnet"));
        assert.equal(one(runs.configured, "openstack:networking/routerInterface:RouterInterface").inputs.routerId, "router1-id");
        assert.equal(runs.configured.created.filter((c) => c.type === "openstack:networking/router:Router").length, 0);
    });

    test("ssh and icmp rules on the security group; a floating IP from the public network on the server's port", () => {
        const run = runs.defaults;
        const sg = idOf(run, "openstack:networking/secGroup:SecGroup");
        const rules = run.created.filter((c) => c.type === "openstack:networking/secGroupRule:SecGroupRule").map((c) => c.inputs);
        assert.deepEqual(rules.map((r) => [r.securityGroupId, r.direction, r.ethertype, r.protocol, r.portRangeMin ?? null, r.portRangeMax ?? null, r.remoteIpPrefix]).sort((a, b) => String(b[3]).localeCompare(String(a[3]))), [
            [sg, "ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0"],
            [sg, "ingress", "IPv4", "icmp", null, null, "0.0.0.0/0"],
        ]);
        const fip = one(run, "openstack:networking/floatingIp:FloatingIp").inputs;
        assert.equal(fip.pool, "public");
        assert.equal(fip.portId, idOf(run, "openstack:networking/port:Port"));
        assert.equal(run.outputs.address, "172.31.0.150");
        assert.equal(run.outputs.sshCommand, "ssh cirros@172.31.0.150");
    });

    test("the code's defaults are the ones Pulumi.yaml declares", () => {
        const project = yaml.load(fs.readFileSync(path.join(EXAMPLE, "Pulumi.yaml"), "utf8")) as { name: string; runtime: any; config: Record<string, { default?: unknown }> };
        assert.equal(project.name, "openstack-consumer");
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
        const defaults = Object.fromEntries(Object.entries(project.config).map(([k, v]) => [k, v.default]));
        assert.deepEqual(defaults, {
            hotstackStack: "organization/hotstack-os/dev", sshPublicKey: undefined, flavor: "hotstack.small", image: "cirros",
            cidr: "192.168.200.0/24", ownRouter: true, namePrefix: "",
        });
        const pkg = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "package.json"), "utf8"));
        const root = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "../../package.json"), "utf8"));
        assert.equal(pkg.dependencies["@pulumi/openstack"], root.devDependencies["@pulumi/openstack"], "the example and the root test the same @pulumi/openstack");
        assert.equal(pkg.dependencies["@pulumi/pulumi"], root.dependencies["@pulumi/pulumi"]);
    });
});
