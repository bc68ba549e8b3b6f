// The program's resource graph under pulumi.runtime.setMocks: which resources, with which
// inputs and rendered files, and the stack outputs. No host is touched.
import * as assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type Created, runMockedProgram } from "../support/mocked-state";
import { withProviderCode } from "../harness/state";

let created: Created[] = [];
/** The stack's private key: it must reach no resource (the providers read it from the stack config). */
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nunit-test-key-material\n-----END OPENSSH PRIVATE KEY-----\n";
let outputs: Record<string, any>;

before(async () => {
    ({ created, outputs } = await runMockedProgram("unit", {
        "hotstack-os:ovsDatapathType": "netdev",
        "hotstack-os:mtu": "9000",
        "hotstack-os:host": "ssh://root@192.0.2.10",
        "hotstack-os:sshPrivateKey": PRIVATE_KEY,
        "hotstack-os:sshHostKey": "SHA256:" + "A".repeat(43),
    }, ["hotstack-os:sshPrivateKey"]));
});

const ofType = (t: string) => created.filter((c) => c.type.endsWith(`:${t}`));
const named = (n: string) => created.find((c) => c.name === n)!;

describe("program graph (setMocks)", () => {
    test("the host layer's resources", () => {
        const count = (t: string) => ofType(t).length;
        assert.equal(count("HostPackages"), 2, "the component and its resource");
        assert.equal(count("SystemUser"), 1);
        assert.equal(count("OvsBridge"), 2);
        assert.equal(count("PodmanNetwork"), 1);
        assert.equal(count("HostsBlock"), 1);
        assert.equal(count("FileCapability"), 1);
        assert.equal(count("FirewallZone"), 1);
        assert.equal(count("SystemdUnit"), 5, "the libvirt session, the fabric boot unit, the provider NAT, the shared mounts, hotstack-os.target");
        assert.ok(count("Directory") >= 17);
    });

    test("bridges carry the configured MTU and datapath, hot-ex the gateway", () => {
        assert.deepEqual(ofType("OvsBridge").map((b) => [b.inputs.name, b.inputs.mtu, b.inputs.datapathType, b.inputs.address ?? null]), [
            ["hot-int", 9000, "netdev", null],
            ["hot-ex", 9000, "netdev", "172.31.0.129/25"],
        ]);
    });

    test("qemu.conf names the hotstack user's numeric ids; the session unit waits for its socket", () => {
        assert.match(named("libvirt-qemu-conf").inputs.content, /user = "990"\ngroup = "989"/);
        const unit = named("libvirt-daemon").inputs;
        assert.equal(unit.scope, "user");
        assert.equal(unit.user, "hotstack");
        assert.equal(unit.waitForPath, "/run/user/990/libvirt/libvirt-sock");
        assert.deepEqual(unit.triggers.slice(0, 2), ["sha-of-libvirt-libvirtd-conf", "sha-of-libvirt-qemu-conf"]);
    });

    test("the user lingers in group kvm", () => {
        const u = ofType("SystemUser")[0].inputs;
        assert.deepEqual([u.name, u.home, u.linger, u.groups], ["hotstack", "/var/lib/hotstack", true, ["kvm"]]);
    });

    test("stack outputs", () => {
        assert.equal(outputs.dataDir, "/var/lib/hotstack-os");
        assert.equal(outputs.libvirtSocket, "/run/user/990/libvirt/libvirt-sock");
        assert.equal(outputs.hotstackUid, 990);
        assert.equal(outputs.gateway, "172.31.0.129");
        assert.equal(outputs.providerNetwork.cidr, "172.31.0.128/25");
    });

    test("the whole cloud: 24 containers, their images and secrets, one Quadlet unit each", () => {
        const names = ofType("ContainerService").map((c) => c.inputs.name).sort();
        assert.equal(names.length, 24);
        assert.deepEqual(names, [
            "cinder-api", "cinder-scheduler", "cinder-volume", "dashboard", "dnsmasq", "glance", "haproxy", "heat-api", "heat-engine", "keystone", "mariadb", "memcached",
            "neutron-ovn-agent", "neutron-server", "nova-api", "nova-compute", "nova-conductor", "nova-metadata", "nova-novncproxy", "nova-scheduler",
            "ovn-controller", "ovn-northd", "placement", "rabbitmq",
        ]);
        assert.deepEqual(ofType("ContainerImage").map((c) => c.inputs.name.replace(/^localhost\/hotstack-os-|:latest$/g, "")).sort(),
            ["base", "cinder", "dashboard", "glance", "heat", "infra", "keystone", "neutron", "nova", "openstack", "ovn", "placement"]);
        assert.deepEqual(ofType("PodmanSecret").map((c) => c.inputs.name).sort(), ["admin-password", "dashboard-secret-key", "db-password", "heat-auth-key", "mysql-root-password", "rabbitmq-password", "service-password"].map((n) => `hotstack-os-${n}`));
        const keystone = ofType("ContainerService").find((c) => c.inputs.name === "keystone")!.inputs;
        assert.match(keystone.content, /^Image=0{56}/m, "image by ID");
        assert.match(keystone.content, /^Secret=hotstack-os-admin-password,type=mount,target=ADMIN_PASSWORD$/m);
        assert.match(keystone.content, /^Wants=hotstack-os-mariadb\.service hotstack-os-memcached\.service hotstack-os-dnsmasq\.service hotstack-os-haproxy\.service$/m);
        assert.match(keystone.content, /^WantedBy=hotstack-os\.target$/m);
        assert.ok(keystone.triggers.includes("sha-of-keystone-keystone.conf"), "its config file restarts it");
        assert.ok(keystone.triggers.includes("digest-of-secrets-admin_password-podman"), "a new password restarts it");
        // The base image is built from the configured base; the others from their parent's ID.
        const base = ofType("ContainerImage").find((c) => c.inputs.name.includes("-base:"))!.inputs;
        assert.deepEqual(base.buildArgs, { BASE_IMAGE: "docker.io/library/debian:trixie-slim" });
        const ks = ofType("ContainerImage").find((c) => c.inputs.name.includes("-keystone:"))!.inputs;
        assert.deepEqual(Object.keys(ks.buildArgs), ["HOTSTACK_OPENSTACK"]);
        assert.ok(ks.files.every((f: string) => f.startsWith("keystone/") || f.startsWith("shared/")), "only its own files and shared/");
        // Every OpenStack service image builds on the one layer that installs all their packages.
        for (const i of ["placement", "glance", "nova", "neutron", "cinder", "heat", "dashboard"]) {
            const img = ofType("ContainerImage").find((c) => c.inputs.name.includes(`-${i}:`))!.inputs;
            assert.deepEqual(Object.keys(img.buildArgs).filter((k) => k !== "KVM_GID"), ["HOTSTACK_OPENSTACK"], `${i} builds on openstack`);
        }
        const layer = ofType("ContainerImage").find((c) => c.inputs.name.includes("-openstack:"))!.inputs;
        assert.deepEqual(layer.buildArgs.OPENSTACK_PACKAGES.split(" "), [
            "cinder-api", "cinder-scheduler", "cinder-volume", "genisoimage", "glance-api", "heat-common", "heat-engine", "iptables", "libvirt-clients", "neutron-common",
            "neutron-ovn-agent", "nfs-common", "nova-common", "nova-conductor", "nova-scheduler", "openvswitch-common", "placement-common", "python3-keystone",
            "python3-libvirt", "python3-websockify", "qemu-utils", "sysfsutils",
        ], "the running services' packages, each once, sorted: one apt run");
        assert.equal(layer.buildArgs.OPENSTACK_DEBS, "novnc", "nova's noVNC web files are fetched there, not installed");
        assert.equal(layer.buildArgs.KVM_GID, "993", "the layer makes the kvm group with the host's gid");
        // Each image reports the version of the package of each service it runs (openstackVersions).
        // (one ImageVersions beside each image that runs a service: asking for a package never touches the image)
        const versionsOf = Object.fromEntries(ofType("ImageVersions").map((c) => [c.inputs.image, c.inputs.packages]));
        assert.deepEqual(versionsOf.infra, ["mariadb-server", "rabbitmq-server", "memcached", "dnsmasq-base", "haproxy"]);
        assert.deepEqual(versionsOf.nova, ["python3-nova"]);
        assert.equal(versionsOf.openstack, undefined, "a layer runs no service");
        assert.match(ofType("ImageVersions").find((c) => c.inputs.image === "nova")!.inputs.imageId, /^sha256:0{56}/, "read from the image the services run");
        assert.deepEqual(outputs.openstackVersions, {
            mariadb: "1.0-mariadb-server", rabbitmq: "1.0-rabbitmq-server", memcached: "1.0-memcached", dnsmasq: "1.0-dnsmasq-base", haproxy: "1.0-haproxy",
            keystone: "1.0-python3-keystone", glance: "1.0-python3-glance", placement: "1.0-python3-placement", nova: "1.0-python3-nova", neutron: "1.0-python3-neutron",
            ovn: "1.0-ovn-central", cinder: "1.0-python3-cinder", heat: "1.0-python3-heat", dashboard: "1.0-python3-django-horizon",
        });
        const novaImage = ofType("ContainerImage").find((c) => c.inputs.name.includes("-nova:"))!.inputs;
        assert.equal(novaImage.buildArgs.KVM_GID, "993", "nova carries the host's kvm gid");
        // Waiting builds take slots keystone first, heat last; every image has its own place.
        const priority = (i: string) => ofType("ContainerImage").find((c) => c.inputs.name.includes(`-${i}:`))!.inputs.priority;
        const order = ofType("ContainerImage").map((c) => c.inputs.name.replace(/^localhost\/hotstack-os-|:latest$/g, "")).sort((a, b) => priority(a) - priority(b));
        assert.deepEqual(order, ["base", "infra", "openstack", "keystone", "placement", "ovn", "neutron", "nova", "glance", "cinder", "heat", "dashboard"]);
    });

    test("nova and OVN agree on the host name; nova talks to the hotstack session; qemu without KVM", () => {
        const novaConf = named("nova-api-nova.conf").inputs.content as string;
        assert.match(novaConf, /^host = lab1\.example\.org$/m);
        assert.match(novaConf, /^connection_uri = qemu\+unix:\/\/\/session\?socket=\/run\/user\/990\/libvirt\/libvirt-sock$/m);
        assert.match(novaConf, /^virt_type = qemu$/m);
        // Emulated guests get an x86-64-v2 model (qemu64, cpu_mode none, is below current kernels' baseline).
        assert.match(novaConf, /^cpu_mode = custom$/m);
        assert.match(novaConf, /^cpu_models = Nehalem$/m);
        assert.match(novaConf, /^instances_path = \/var\/lib\/hotstack-os\/nova-instances$/m);
        const controller = ofType("ContainerService").find((c) => c.inputs.name === "ovn-controller")!.inputs.content as string;
        assert.match(controller, /^Environment=CHASSIS_HOSTNAME=lab1\.example\.org$/m);
        const compute = ofType("ContainerService").find((c) => c.inputs.name === "nova-compute")!.inputs.content as string;
        assert.match(compute, /^Volume=\/run\/user\/990:\/run\/user\/990:ro$/m);
        assert.match(compute, /^Volume=\/var\/lib\/hotstack-os\/nova-instances:\/var\/lib\/hotstack-os\/nova-instances:shared$/m);
        assert.match(compute, /^Volume=\/usr\/share\/OVMF:\/usr\/share\/OVMF:ro$/m);
        assert.match(compute, /^Network=host$/m);
        assert.match(compute, /^PodmanArgs=--privileged$/m);
    });

    test("no password in any resource input but the secrets themselves", () => {
        // Only what puts a password in its place holds it: podman's secret store, the root-only
        // clouds.yaml block, the cloud user it is the password of. (Secret inputs: encrypted in state.)
        const holders = (c: Created) => c.type.endsWith(":PodmanSecret") || c.type.startsWith("random:") || c.type.endsWith(":FileBlock") || (c.type.endsWith(":CloudObject") && c.inputs.kind === "user");
        assert.deepEqual(created.filter((c) => !c.type.startsWith("random:") && holders(c) && !c.type.endsWith(":PodmanSecret")).map((c) => c.name).sort(), ["cloud-access-clouds", "post-setup-user"]);
        for (const c of created) {
            if (holders(c)) continue;
            // (digestKey is a random key, not a password; under these mocks every random value is the same text)
            // (the stored provider code is gzipped: searched unpacked)
            assert.ok(!withProviderCode(JSON.stringify({ ...c.inputs, digestKey: undefined })).includes("generatedpassword0123456789abcdef"), `${c.type} ${c.name}`);
        }
    });

    test("a clouds.yaml admin entry and the front door", () => {
        assert.equal(outputs.authUrl, "http://keystone.hotstack-os.local:5000/v3");
        assert.equal(outputs.haproxyStatsUrl, "http://172.31.0.129:8404/stats");
        assert.match(outputs.cloudsYaml, /hotstack-os-admin:\n    auth:\n      auth_url: http:\/\/keystone\.hotstack-os\.local:5000\/v3/);
        assert.match(outputs.cloudsYaml, /password: "generatedpassword0123456789abcdef"/);
    });

    test("resources name their host; no connection detail, let alone the key, is a resource input", () => {
        const hostResources = created.filter((c) => c.type.startsWith("pulumi-nodejs:dynamic/hotstack:"));
        assert.ok(hostResources.length > 50);
        for (const c of hostResources) {
            assert.equal(c.inputs.host, "main", `${c.type} ${c.name}`);
            assert.equal(c.inputs.connection, undefined, `${c.type} ${c.name}`);
        }
        for (const c of created) {
            const text = JSON.stringify(c.inputs);
            assert.ok(!text.includes("unit-test-key-material") && !text.includes("192.0.2.10"), `${c.type} ${c.name}`);
        }
    });

    test("every podman secret's digest is keyed by the stack's one random digest key", () => {
        const keys = created.filter((c) => c.type === "random:index/randomPassword:RandomPassword" && c.name.endsWith("-digest-key"));
        assert.equal(keys.length, 1);
        assert.deepEqual([keys[0].inputs.length, keys[0].inputs.special], [32, false]);
        for (const s of ofType("PodmanSecret")) assert.equal(s.inputs.digestKey, "generatedpassword0123456789abcdef", s.name);
    });
});
