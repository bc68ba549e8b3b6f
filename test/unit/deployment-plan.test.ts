// The deployment plan keyed by host, without a Pulumi runtime: one host is the single-host cloud
// (every container, every host-layer piece on main); compute hosts get the compute containers,
// the guests' directories and hot-int; a controller-only main keeps the control plane alone.
// And the config keys that place hosts, each refusal naming key and value.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HotStackConfig, parseConfig } from "../../components/config";
import { deploymentPlan, onHost } from "../../components/deployment-plan";
import { computeHostPlan, hostPlan } from "../../components/host-plan";
import { SERVICE_NAMES } from "../../components/services/index";

const COMPUTE = ["ovn-controller", "neutron-ovn-agent", "nova-compute"];
const withHosts = (extra: Partial<HotStackConfig>): HotStackConfig => ({ ...parseConfig({}), ...extra });

describe("deployment plan", () => {
    test("one host: main is controller and compute, runs every container and every host-layer piece", () => {
        const plan = deploymentPlan(parseConfig({}));
        assert.deepEqual(plan.hosts.map((h) => h.name), ["main"]);
        const main = onHost(plan, "main");
        assert.deepEqual(main.roles, ["controller", "compute"]);
        assert.deepEqual(main.containers, [...SERVICE_NAMES]);
        assert.deepEqual(main.hostLayer.bridges, ["hot-int", "hot-ex"]);
        assert.ok(main.hostLayer.packages && main.hostLayer.libvirtSession);
        assert.ok(["data", "nova-instances", "nova-mnt", "cinder-nfs", "config"].every((d) => main.hostLayer.directories.includes(d)));
        assert.deepEqual(onHost(deploymentPlan(parseConfig({ serviceSet: "identity" })), "main").containers, ["mariadb", "rabbitmq", "memcached", "dnsmasq", "haproxy", "keystone"]);
        assert.deepEqual(onHost(deploymentPlan(parseConfig({ serviceSet: "host" })), "main").containers, []);
    });

    test("two hosts: compute1 runs the compute containers on hot-int with the guests' directories", () => {
        const plan = deploymentPlan(withHosts({ computeHosts: [{ name: "compute1", tunnelIp: "192.0.2.11", mtu: 1500 }] }));
        assert.deepEqual(plan.hosts.map((h) => h.name), ["main", "compute1"]);
        const c = onHost(plan, "compute1");
        assert.deepEqual(c.roles, ["compute"]);
        assert.deepEqual([...c.containers].sort(), [...COMPUTE].sort());
        assert.deepEqual(c.hostLayer.bridges, ["hot-int"], "floating IPs stay on main's gateway chassis");
        assert.deepEqual(c.hostLayer.directories, ["data", "nova-instances", "nova-mnt"]);
        assert.equal(c.tunnelIp, "192.0.2.11");
        assert.equal(c.mtu, 1500);
        assert.deepEqual(onHost(plan, "main").containers, [...SERVICE_NAMES], "main stays controller and compute");
    });

    test("three hosts, main controller-only: the guests' containers run on the compute hosts alone, main stays the gateway chassis", () => {
        const plan = deploymentPlan(withHosts({ mainCompute: false, computeHosts: [{ name: "compute1" }, { name: "compute2" }] }));
        const main = onHost(plan, "main");
        assert.deepEqual(main.roles, ["controller"]);
        assert.ok(["nova-compute", "neutron-ovn-agent"].every((n) => !main.containers.includes(n)));
        assert.ok(main.containers.includes("ovn-controller"), "the gateway chassis (hot-ex) is main's ovn-controller");
        assert.equal(main.containers.length, SERVICE_NAMES.length - 2);
        for (const n of ["compute1", "compute2"]) assert.deepEqual([...onHost(plan, n).containers].sort(), [...COMPUTE].sort());
        assert.equal(onHost(plan, "compute2").tunnelIp, undefined, "unset: read from the host");
        const everywhere = plan.hosts.flatMap((h) => h.containers);
        assert.ok(SERVICE_NAMES.every((n) => everywhere.includes(n)), "every container runs somewhere");
        assert.throws(() => onHost(plan, "compute3"), /no host compute3/);
    });
});

describe("config: hosts that join the cloud", () => {
    const problems = (raw: Record<string, string>) => {
        try {
            parseConfig(raw);
            return "";
        } catch (e) {
            return (e as Error).message;
        }
    };
    const hosts = (entry: object) => ({ hosts: JSON.stringify({ compute1: { host: "ssh://root@192.0.2.11", sshHostKey: `SHA256:${"A".repeat(43)}`, sshAgent: true, ...entry } }) });

    test("each bad value is named with its key", () => {
        assert.match(problems(hosts({ role: "storage" })), /hotstack-os:hosts\.compute1\.role = "storage": must be one of compute/);
        assert.match(problems(hosts({ role: "compute", tunnelIp: "192.0.2" })), /hotstack-os:hosts\.compute1\.tunnelIp = "192\.0\.2": must be an IPv4 address/);
        assert.match(problems(hosts({ role: "compute", mtu: 90000 })), /hotstack-os:hosts\.compute1\.mtu = 90000: must be an integer from 1280 to 9216/);
        assert.match(problems(hosts({ tunnelIp: "192.0.2.11" })), /hotstack-os:hosts\.compute1\.tunnelIp = "192\.0\.2\.11": means something only with hotstack-os:hosts\.compute1\.role = "compute"/);
        assert.match(problems(hosts({ rol: "compute" })), /hotstack-os:hosts\.compute1\.rol: is not a key of a host \(known: host, .*role, tunnelIp, mtu\)/);
    });

    test("compute hosts get their host layer (serviceSet host); a cloud with them and a controller-only main are refused until their containers are built", () => {
        assert.match(problems(hosts({ role: "compute", tunnelIp: "192.0.2.11", mtu: 1500 })), /hotstack-os:hosts\.compute1\.role = "compute": this version builds a compute host's host layer only \(hotstack-os:serviceSet = "host"\), not its nova-compute and ovn-controller yet; leave role unset with hotstack-os:serviceSet = "full"/);
        assert.match(problems({ ...hosts({ role: "compute" }), serviceSet: "identity" }), /hotstack-os:hosts\.compute1\.role = "compute": .*serviceSet = "identity"/);
        assert.match(problems({ mainCompute: "false" }), /hotstack-os:mainCompute = false: main must run guests/);
        assert.equal(problems(hosts({})), "", "an entry without role stays a host resources may name");
        const c = parseConfig({});
        assert.equal(c.mainCompute, true);
        assert.deepEqual(c.computeHosts, []);
        const h = parseConfig({ ...hosts({ role: "compute", tunnelIp: "192.0.2.11" }), serviceSet: "host" });
        assert.deepEqual(h.computeHosts, [{ name: "compute1", tunnelIp: "192.0.2.11" }]);
        const plan = deploymentPlan(h);
        assert.deepEqual(plan.hosts.map((x) => [x.name, x.roles, x.containers]), [["main", ["controller", "compute"], []], ["compute1", ["compute"], []]]);
    });
});

describe("compute host plan", () => {
    test("the guests' directories with main's owners and modes (and their parent), hot-int only, a boot unit without hot-ex", () => {
        const c = parseConfig({});
        const main = hostPlan(c), compute = computeHostPlan(c);
        assert.deepEqual(compute.directories.map((d) => d.name), ["data", "nova-instances", "nova-mnt"]);
        for (const d of compute.directories) assert.deepEqual(d, main.directories.find((m) => m.name === d.name), `${d.name} as on main`);
        assert.deepEqual(compute.bridges, [main.bridges[0]]);
        assert.equal(compute.bridges[0].name, "hot-int");
        assert.deepEqual(compute.sharedMounts, main.sharedMounts);
        assert.deepEqual(compute.libvirt.unit, main.libvirt.unit);
        assert.doesNotMatch(compute.fabricUnit, /hot-ex/);
        assert.match(compute.fabricUnit, /ip link set dev hot-int up/);
        assert.match(main.fabricUnit, /ip addr replace 172\.31\.0\.129\/25 dev hot-ex/);
        // Paths outside the data dir need no data dir on a compute host.
        const outside = computeHostPlan(parseConfig({ novaInstancesPath: "/srv/instances", novaNfsMountPointBase: "/srv/mnt" }));
        assert.deepEqual(outside.directories.map((d) => d.name), ["nova-instances", "nova-mnt"]);
    });
});

