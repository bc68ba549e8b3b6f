import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, ConfigError, DEFAULTS, PASSWORD_KEYS, RawConfig, SERVICE_IPS, STRUCTURED_DEFAULTS, parseConfig } from "../../components/config";
import { hostPlan } from "../../components/host-plan";

function problems(raw: RawConfig): string[] {
    try {
        parseConfig(raw);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return (e as ConfigError).problems;
    }
    return [];
}

describe("config", () => {
    test("the defaults are the spec's and are valid", () => {
        const c = parseConfig({});
        assert.deepEqual(c.connection, { kind: "local" });
        assert.equal(c.dataDir, "/var/lib/hotstack-os");
        assert.equal(c.novaInstancesPath, "/var/lib/hotstack-os/nova-instances");
        assert.equal(c.novaNfsMountPointBase, "/var/lib/hotstack-os/nova-mnt");
        assert.equal(c.cinderNfsExportDir, "/var/lib/hotstack-os/cinder-nfs");
        assert.equal(c.containerNetwork, "172.31.0.0/25");
        assert.equal(c.providerNetwork, "172.31.0.128/25");
        assert.equal(c.hotExIp, "172.31.0.129");
        assert.equal(c.mtu, 9216);
        assert.equal(c.region, "RegionOne");
        assert.equal(c.ips.keystoneIp, "172.31.0.11");
        assert.equal(c.virtType, "auto");
        assert.equal(c.ovsDatapathType, "system");
        assert.equal(c.baseImage, "docker.io/library/debian:trixie-slim");
    });

    test("paths follow the data dir unless set", () => {
        const c = parseConfig({ dataDir: "/srv/hs", cinderNfsExportDir: "/data/volumes" });
        assert.equal(c.novaInstancesPath, "/srv/hs/nova-instances");
        assert.equal(c.cinderNfsExportDir, "/data/volumes");
    });

    const bad: [string, RawConfig, RegExp][] = [
        ["overlapping CIDRs", { providerNetwork: "172.31.0.0/24" }, /hotstack-os:providerNetwork = "172\.31\.0\.0\/24": overlaps hotstack-os:containerNetwork 172\.31\.0\.0\/25/],
        ["service IP outside the container network", { keystoneIp: "172.31.0.200" }, /hotstack-os:keystoneIp = "172\.31\.0\.200": must be inside hotstack-os:containerNetwork/],
        ["service IP on the gateway", { mariadbIp: "172.31.0.1" }, /hotstack-os:mariadbIp = "172\.31\.0\.1"/],
        ["duplicate service IP", { glanceIp: "172.31.0.11" }, /hotstack-os:keystoneIp = "172\.31\.0\.11": is already used by hotstack-os:glanceIp|hotstack-os:glanceIp = "172\.31\.0\.11": is already used by hotstack-os:keystoneIp/],
        ["hot-ex IP outside the provider network", { hotExIp: "172.31.0.5" }, /hotstack-os:hotExIp = "172\.31\.0\.5": must be a host address inside hotstack-os:providerNetwork 172\.31\.0\.128\/25/],
        ["relative data dir", { dataDir: "var/lib/hotstack" }, /hotstack-os:dataDir = "var\/lib\/hotstack": must be an absolute path/],
        ["a path with a space (systemd would split it)", { novaInstancesPath: "/srv/nova data" }, /hotstack-os:novaInstancesPath = "\/srv\/nova data": must be an absolute path of letters, digits/],
        ["a path with a systemd specifier", { dataDir: "/srv/%h" }, /hotstack-os:dataDir = "\/srv\/%h": must be an absolute path of letters/],
        ["a path with a volume separator", { cinderNfsExportDir: "/srv/a:b" }, /hotstack-os:cinderNfsExportDir = "\/srv\/a:b"/],
        ["post-setup user admin (its password would be rewritten)", { postSetupUser: "admin" }, /hotstack-os:postSetupUser = "admin": is the cloud's own/],
        ["post-setup user of a service", { postSetupUser: "Nova" }, /hotstack-os:postSetupUser = "Nova": is the cloud's own/],
        ["post-setup project service", { postSetupProject: "service" }, /hotstack-os:postSetupProject = "service": is the cloud's own/],
        ["a CIDR that is not a network address", { containerNetwork: "172.31.0.5/25" }, /hotstack-os:containerNetwork = "172\.31\.0\.5\/25"/],
        ["CIDR /33", { containerNetwork: "172.31.0.0/33" }, /hotstack-os:containerNetwork = "172\.31\.0\.0\/33"/],
        ["MTU out of range", { mtu: "70000" }, /hotstack-os:mtu = "70000": must be an integer from 1280 to 9216/],
        ["unknown virt type", { virtType: "xen" }, /hotstack-os:virtType = "xen": must be one of auto, kvm, qemu/],
        ["unknown datapath", { ovsDatapathType: "dpdk" }, /hotstack-os:ovsDatapathType = "dpdk": must be one of system, netdev/],
        ["bad host", { host: "ftp://x" }, /hotstack-os:host = "ftp:\/\/x": must be "local" or "ssh:\/\/user@address\[:port\]"/],
        ["ssh without a pinned host key", { host: "ssh://root@192.0.2.1", sshAgent: "true" }, /sshHostKey is required for ssh:\/\/root@192\.0\.2\.1/],
        ["ssh without a key", { host: "ssh://root@192.0.2.1", sshTrustOnFirstUse: "true" }, /set hotstack-os:sshPrivateKey/],
        ["a private key that is not one", { host: "ssh://root@192.0.2.1", sshPrivateKey: "hunter2", sshHostKey: "SHA256:" + "a".repeat(43) }, /hotstack-os:sshPrivateKey: must be the text of an OpenSSH\/PEM private key/],
        ["hosts that is not JSON", { hosts: "compute1: x" }, /hotstack-os:hosts: must be an object of host names, got text that is not JSON/],
        ["hosts that is a list", { hosts: "[1]" }, /hotstack-os:hosts: must be an object of host names.*got a list/],
        ["an extra host named main", { hosts: JSON.stringify({ main: { host: "local" } }) }, /hotstack-os:hosts\.main: "main" is the host of the top-level keys/],
        ["an extra host with a bad name", { hosts: JSON.stringify({ Compute_1: { host: "local" } }) }, /hotstack-os:hosts\.Compute_1: must be a host name/],
        ["an extra host that is not an object", { hosts: JSON.stringify({ compute1: "ssh://root@192.0.2.2" }) }, /hotstack-os:hosts\.compute1: must be an object of connection keys/],
        ["a misspelt key of an extra host", { hosts: JSON.stringify({ compute1: { host: "local", sshHostkey: "x" } }) }, /hotstack-os:hosts\.compute1\.sshHostkey: is not a key of a host \(known: host, sshPrivateKey/],
        ["an extra ssh host without a pinned host key", { hosts: JSON.stringify({ compute1: { host: "ssh://root@192.0.2.2", sshAgent: true } }) }, /hotstack-os:hosts\.compute1\.sshHostKey is required for ssh:\/\/root@192\.0\.2\.2/],
        ["an extra host with a bad address", { hosts: JSON.stringify({ compute1: { host: "ftp://x" } }) }, /hotstack-os:hosts\.compute1\.host = "ftp:\/\/x": must be "local" or "ssh:/],
    ];
    for (const [what, raw, expected] of bad) {
        test(`rejects ${what}, naming the key and the value`, () => {
            const p = problems(raw);
            assert.ok(p.some((line) => expected.test(line)), p.join("\n"));
        });
    }

    test("a private key in an extra host's entry is never shown in a problem", () => {
        const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-bits\n-----END OPENSSH PRIVATE KEY-----\n";
        const p = problems({ hosts: JSON.stringify({ compute1: { host: "ssh://root@192.0.2.2", sshPrivateKey: key, sshHostKey: "bad" } }) });
        assert.ok(p.some((line) => /hosts\.compute1\.sshHostKey = "bad"/.test(line)), p.join("\n"));
        assert.ok(!p.join("\n").includes("secret-bits"));
    });

    test("valid extra hosts pass; the program's own connection stays the top-level one", () => {
        const fp = "SHA256:" + "b".repeat(43);
        const c = parseConfig({ hosts: JSON.stringify({ compute1: { host: "ssh://ops@192.0.2.2:2222", sshAgent: true, sshHostKey: fp } }) });
        assert.deepEqual(c.connection, { kind: "local" });
    });

    test("a weak password is rejected without showing it", () => {
        const p = problems({ adminPassword: "a b" });
        assert.equal(p.length, 1);
        assert.match(p[0], /hotstack-os:adminPassword: must be 8-128 characters/);
        assert.ok(!p[0].includes("a b"));
    });

    test("a secret key set in plain text is refused, naming the key and not the value; set as a secret it passes", () => {
        const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-bits\n-----END OPENSSH PRIVATE KEY-----\n";
        const raw = { adminPassword: "plain-password-1", host: "ssh://root@192.0.2.1", sshPrivateKey: key, sshHostKey: "SHA256:" + "a".repeat(43),
            hosts: JSON.stringify({ compute1: { host: "ssh://root@192.0.2.2", sshPrivateKey: key, sshHostKey: "SHA256:" + "b".repeat(43) } }) };
        const refused = (() => {
            try {
                parseConfig(raw, undefined, () => false);
                return [];
            } catch (e) {
                return (e as ConfigError).problems;
            }
        })();
        for (const k of ["adminPassword", "sshPrivateKey", "hosts"]) assert.ok(refused.some((l) => l.startsWith(`hotstack-os:${k}: holds a secret but was set in plain text`)), refused.join("\n"));
        assert.ok(!refused.join("\n").includes("secret-bits") && !refused.join("\n").includes("plain-password-1"));
        parseConfig(raw, undefined, () => true);
        // hosts without a private key in it (an agent, a key file) is not a secret.
        parseConfig({ hosts: JSON.stringify({ compute1: { host: "ssh://root@192.0.2.2", sshAgent: true, sshHostKey: "SHA256:" + "b".repeat(43) } }) }, undefined, () => false);
    });

    test("every problem is reported at once", () => {
        assert.ok(problems({ dataDir: "x", mtu: "1", virtType: "xen" }).length >= 3);
    });

    test("ssh hosts: user, port, sudo for non-root, key from a file", () => {
        const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n";
        const fp = "SHA256:" + "a".repeat(43);
        const c = parseConfig({ host: "ssh://ops@lab1.example:2200", sshPrivateKeyPath: "/keys/id", sshHostKey: fp }, (p) => {
            assert.equal(p, "/keys/id");
            return key;
        });
        assert.deepEqual(c.connection, { kind: "ssh", address: "lab1.example", port: 2200, user: "ops", privateKey: key, hostKeySha256: fp, sudo: true });
        const root = parseConfig({ host: "ssh://10.0.0.2", sshAgent: "true", sshHostKey: fp });
        assert.deepEqual(root.connection, { kind: "ssh", address: "10.0.0.2", port: 22, user: "root", agent: true, hostKeySha256: fp });
    });

    test("Pulumi.yaml declares every key with the same default and a description", () => {
        const project = yaml.load(fs.readFileSync("Pulumi.yaml", "utf8")) as { config: Record<string, { type: string; default: unknown; description: string; items?: { type: string } }> };
        const declared = project.config;
        assert.deepEqual(Object.keys(declared).sort(), [...CONFIG_KEYS].sort());
        const expected: Record<string, unknown> = { ...DEFAULTS, ...SERVICE_IPS, sshPrivateKey: "" };
        for (const k of PASSWORD_KEYS) expected[k] = "";
        for (const [k, decl] of Object.entries(declared)) {
            assert.ok(decl.description && decl.description.length > 10, `description of ${k}`);
            if (k in STRUCTURED_DEFAULTS) {
                // Structures: the same default, typed object or array (items declared).
                const value = (STRUCTURED_DEFAULTS as Record<string, unknown>)[k];
                assert.deepEqual(decl.default, value, `default of ${k}`);
                assert.equal(decl.type, Array.isArray(value) ? "array" : "object", `type of ${k}`);
                if (Array.isArray(value)) assert.ok(decl.items?.type, `items of ${k}`);
                continue;
            }
            assert.equal(decl.default, expected[k], `default of ${k}`);
            assert.equal(decl.type, typeof expected[k] === "number" ? "integer" : typeof expected[k], `type of ${k}`);
        }
    });

    test(".ci/run calls the README's test command (each of its steps, in its order)", () => {
        const readme = fs.readFileSync("README.md", "utf8");
        const command = /```sh\n([^\n]*npm test[^\n]*)\n/.exec(readme)?.[1]?.replace(/\s+#.*$/, "");
        assert.ok(command, "the README shows a test command");
        // Commands only, comments and echoes left out.
        const ci = fs.readFileSync(".ci/run", "utf8").split("\n").filter((l) => !/^\s*(#|stage |echo )/.test(l)).join("\n");
        let at = 0;
        for (const step of command!.split("&&").map((x) => x.trim())) {
            const found = ci.indexOf(step, at);
            assert.ok(found >= 0, `.ci/run runs "${step}" (after the steps before it): ${command}`);
            at = found + step.length;
        }
    });
});

describe("host plan", () => {
    const plan = hostPlan(parseConfig({}));

    test("nova's instance and volume paths are made shared mount points by a boot unit", () => {
        const m = plan.sharedMounts;
        assert.equal(m.unitName, "hotstack-os-shared-mounts.service");
        assert.match(m.unit, /^ExecStart=.* shared-mounts \/var\/lib\/hotstack-os\/nova-instances \/var\/lib\/hotstack-os\/nova-mnt$/m);
        assert.doesNotMatch(m.unit.replace(/\$\$/g, ""), /\$/, "every $ is escaped for systemd");
        assert.deepEqual(m.directories.filter((d) => !plan.directories.some((p) => p.name === d)), []);
    });
    test("shared directories are setgid kvm, instances owned by hotstack, service dirs unmanaged", () => {
        const byName = Object.fromEntries(plan.directories.map((d) => [d.name, d]));
        assert.deepEqual([byName["nova-instances"].owner, byName["nova-instances"].group, byName["nova-instances"].mode], ["hotstack", "kvm", "2775"]);
        assert.deepEqual([byName["nova-mnt"].owner, byName["nova-mnt"].group, byName["nova-mnt"].mode], ["root", "kvm", "2775"]);
        assert.deepEqual([byName["cinder-nfs"].group, byName["cinder-nfs"].mode], ["kvm", "2775"]);
        assert.equal(byName["nova-instances"].selinuxType, "virt_var_lib_t");
        assert.equal(byName.mysql.owner, undefined, "the mariadb container owns its datadir");
        // every parent comes before its children
        const seen = new Set<string>();
        for (const d of plan.directories) {
            if (d.parent) assert.ok(seen.has(d.parent), `${d.name} after ${d.parent}`);
            seen.add(d.name);
        }
    });

    test("hot-ex carries the gateway with the provider network's prefix, both bridges the MTU", () => {
        assert.equal(plan.gatewayCidr, "172.31.0.129/25");
        assert.deepEqual(plan.bridges.map((b) => [b.name, b.mtu, b.address]), [["hot-int", 9216, undefined], ["hot-ex", 9216, "172.31.0.129/25"]]);
        assert.match(plan.fabricUnit, /ip addr replace 172\.31\.0\.129\/25 dev hot-ex/);
        assert.match(plan.fabricUnit, /RemainAfterExit=yes/);
    });

    test("libvirt session files", () => {
        assert.match(plan.libvirt.libvirtdConf, /unix_sock_group = "kvm"/);
        assert.match(plan.libvirt.libvirtdConf, /unix_sock_rw_perms = "0770"/);
        assert.equal(plan.libvirt.qemuConf(990, 989), '# Managed by hotstack-os: QEMU of the hotstack session.\nuser = "990"\ngroup = "989"\ndynamic_ownership = 0\nsecurity_driver = "none"\n');
        assert.match(plan.libvirt.unit, /ExecStart=\/usr\/sbin\/libvirtd --config \/var\/lib\/hotstack\/\.config\/libvirt\/libvirtd\.conf --timeout 0/);
        assert.equal(plan.libvirt.socketPath(990), "/run/user/990/libvirt/libvirt-sock");
    });

    test("hosts block names every public API", () => {
        assert.deepEqual(plan.hostsEntries, [{ ip: "172.31.0.129", names: ["keystone", "glance", "placement", "nova", "neutron", "cinder", "heat", "dashboard"].map((s) => `${s}.hotstack-os.local`) }]);
        // Switched off, the dashboard has no name either.
        const off = hostPlan(parseConfig({ dashboard: "false" }));
        assert.deepEqual(off.hostsEntries[0].names, plan.hostsEntries[0].names.filter((n) => n !== "dashboard.hotstack-os.local"));
    });
});
