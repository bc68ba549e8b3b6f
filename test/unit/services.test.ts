// The pure parts of the service layer: Quadlet units, the HAProxy config, what each service asks for.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseConfig } from "../../components/config";
import { serviceContext } from "../../components/services/context";
import { cpuSettings } from "../../components/services/nova";
import { renderHaproxyConfig } from "../../components/services/haproxy";
import { SERVICE_NAMES, serviceSpecs, startAfter } from "../../components/services/index";
import { openstackLayer } from "../../components/services/catalogue";
import { ResolvedSpec, macFor, podmanSecretName, quoteEnv, renderQuadlet, templateHostPath } from "../../components/services/service";

const ctx = serviceContext(parseConfig({}));
const raw = Object.fromEntries(serviceSpecs(ctx).map((s) => [s.name, s]));
const specs = raw as Record<string, ResolvedSpec>;

describe("guest CPU (config cpuModel)", () => {
    test("per virt type by default; none; a model; host-passthrough only with KVM", () => {
        assert.deepEqual(cpuSettings("", "kvm"), { cpu_mode: "host-passthrough" });
        assert.deepEqual(cpuSettings("", "qemu"), { cpu_mode: "custom", cpu_models: "Nehalem" });
        assert.deepEqual(cpuSettings("none", "qemu"), { cpu_mode: "none" });
        assert.deepEqual(cpuSettings("Skylake-Client", "kvm"), { cpu_mode: "custom", cpu_models: "Skylake-Client" });
        assert.throws(() => parseConfig({ virtType: "qemu", cpuModel: "host-passthrough" }), /hotstack-os:cpuModel = "host-passthrough": needs KVM/);
        assert.throws(() => parseConfig({ cpuModel: "Sky lake" }), /hotstack-os:cpuModel = "Sky lake": must be a libvirt CPU model name/);
    });
});

describe("service specs", () => {
    test("every service starts after the ones it wants, which come first in the list", () => {
        const all = serviceSpecs(ctx);
        assert.deepEqual(all.map((s) => s.name), [...SERVICE_NAMES], "the full set is every service, in start order");
        for (const s of all) {
            const names = [...(s.wants ?? []), ...(s.after ?? [])];
            assert.ok(names.every((n) => all.findIndex((x) => x.name === n) >= 0), `${s.name}: ${names.join(", ")} are services`);
            assert.deepEqual(startAfter(s, all), names);
        }
        const identity = serviceSpecs(serviceContext(parseConfig({ serviceSet: "identity" })));
        for (const s of identity) startAfter(s, identity);
    });

    test("a name in wants or after that is no service is an error of the program, not dropped", () => {
        const all = serviceSpecs(ctx);
        const keystone = all.find((s) => s.name === "keystone")!;
        assert.throws(() => startAfter({ ...keystone, wants: [...keystone.wants!, "mariadbb"] }, all), /keystone orders itself after "mariadbb", which is no service/);
        assert.throws(() => startAfter({ ...keystone, after: ["memcache"] }, all), /which is no service/);
        assert.throws(() => startAfter({ ...keystone, wants: ["nova-api"] }, all), /keystone wants nova-api, which comes later/);
        const identity = serviceSpecs(serviceContext(parseConfig({ serviceSet: "identity" })));
        assert.throws(() => startAfter({ ...keystone, wants: ["glance"] }, identity), /keystone wants glance, which does not run in this service set/);
    });

    test("templates carry secret tokens, never values; configs reach services through them", () => {
        const ks = raw.keystone.templates![0];
        assert.equal(ks.target, "/etc/keystone/keystone.conf");
        assert.match(String(ks.content), /^connection = mysql\+pymysql:\/\/openstack:@@DB_PASSWORD@@@hotstack-os-mariadb\/keystone$/m);
        // The broker's user comes from definitions imported at every boot (a rotation applies on
        // restart); default_pass would seed only an empty node, so rabbitmq.conf holds no secret.
        assert.match(String(raw.rabbitmq.templates![0].content), /^definitions\.local\.path = \/etc\/rabbitmq\/definitions\.json$/m);
        assert.doesNotMatch(String(raw.rabbitmq.templates![0].content), /@@|default_(user|pass)/);
        const defs = JSON.parse(String(raw.rabbitmq.templates![1].content));
        assert.equal(raw.rabbitmq.templates![1].target, "/etc/rabbitmq/definitions.json");
        assert.deepEqual(defs.users, [{ name: "openstack", password: "@@RABBITMQ_PASSWORD@@", tags: ["administrator"] }]);
        assert.deepEqual(defs.vhosts, [{ name: "/" }]);
        assert.deepEqual(defs.permissions, [{ user: "openstack", vhost: "/", configure: ".*", write: ".*", read: ".*" }]);
        assert.deepEqual(specs.keystone.secrets, ["ADMIN_PASSWORD", "DB_PASSWORD"]);
    });

    test("dnsmasq answers the public names with the gateway and listens only there and on loopback", () => {
        const conf = String(raw.dnsmasq.templates![0].content);
        assert.match(conf, /^listen-address=172\.31\.0\.129$/m);
        assert.match(conf, /^address=\/keystone\.hotstack-os\.local\/172\.31\.0\.129$/m);
        assert.match(conf, /^address=\/mariadb\.hotstack-os\.internal\/172\.31\.0\.3$/m);
        assert.equal(specs.dnsmasq.network, "host");
    });
});

describe("renderQuadlet", () => {
    const q = renderQuadlet(specs.keystone, "sha256:" + "ab".repeat(32), "/var/lib/hotstack-os/config", "hotstack-os");
    test("image by ID, address, names, secrets as files, templates read-only, health gate", () => {
        assert.match(q, /^Image=(ab){32}$/m);
        assert.match(q, /^Pull=never$/m);
        assert.match(q, /^Network=hotstack-os$/m);
        assert.match(q, /^IP=172\.31\.0\.11$/m);
        assert.match(q, /^PodmanArgs=--mac-address=02:68:ac:1f:00:0b$/m, "the MAC follows the IP, so peers' ARP stays right across restarts");
        assert.match(q, /^HostName=keystone$/m);
        assert.match(q, /^NetworkAlias=keystone$/m);
        assert.match(q, /^Secret=hotstack-os-db-password,type=mount,target=DB_PASSWORD$/m);
        assert.match(q, /^Volume=\/var\/lib\/hotstack-os\/config\/keystone\/etc__keystone__keystone\.conf:\/etc\/hotstack\/templates\/etc\/keystone\/keystone\.conf:ro,z$/m);
        assert.match(q, /^Environment=KEYSTONE_PUBLIC_URL=http:\/\/keystone\.hotstack-os\.local:5000\/v3\/$/m);
        assert.match(q, /^HealthCmd=hotstack-health keystone$/m);
        // The check's own bound (hotstack-health) is the unit's HealthTimeout, not the script's 5 s default.
        assert.match(q, /^HealthTimeout=10s$/m);
        assert.match(q, /^Environment=HOTSTACK_HEALTH_TIMEOUT=10$/m);
        assert.match(q, /^ExecStartPost=\/usr\/local\/libexec\/hotstack-os\/wait-healthy hotstack-os-keystone 600$/m);
        assert.match(q, /^After=hotstack-os-fabric\.service hotstack-os-mariadb\.service/m);
        assert.match(q, /^WantedBy=hotstack-os\.target$/m);
    });
    test("host network services publish nothing and have no address", () => {
        const d = renderQuadlet(specs.dnsmasq, "x", "/c", "hotstack-os");
        assert.match(d, /^Network=host$/m);
        assert.doesNotMatch(d, /^IP=/m);
        assert.doesNotMatch(d, /mac-address/);
    });
    test("environment values that need quoting are quoted", () => {
        const m = renderQuadlet(specs.mariadb, "x", "/c", "hotstack-os");
        assert.match(m, /^Environment=MARIADB_DATABASES="keystone glance placement nova_api nova nova_cell0 neutron cinder heat"$/m);
        assert.match(m, /^Environment=MARIADB_ROOT_HOST=$/m);
    });
    test("$ and % reach the container literally: systemd expands them in ExecStart, where quadlet puts Environment=", () => {
        const h = renderQuadlet(specs["heat-api"], "x", "/c", "hotstack-os");
        assert.match(h, /^Environment=HEAT_PUBLIC_URL="http:\/\/heat\.hotstack-os\.local:8004\/v1\/\$\$\(project_id\)s"$/m);
        assert.equal(quoteEnv("50%"), "50%%");
        assert.equal(quoteEnv("a$b c"), '"a$$b c"');
        assert.equal(quoteEnv("plain-value"), "plain-value");
    });
    test("a container with a shared-propagation volume starts after the host made it a shared mount", () => {
        const plainVolumes = raw["nova-compute"].volumes!.filter((v): v is string => typeof v === "string"); // Outputs aside
        const nova = renderQuadlet({ ...specs["nova-compute"], volumes: plainVolumes, env: {} }, "x", "/c", "hotstack-os");
        assert.match(nova, /^Volume=\/var\/lib\/hotstack-os\/nova-mnt:\/var\/lib\/hotstack-os\/nova-mnt:shared$/m);
        assert.match(nova, /^Requires=hotstack-os-shared-mounts\.service$/m);
        assert.match(nova, /^After=hotstack-os-fabric\.service hotstack-os-shared-mounts\.service /m);
        assert.doesNotMatch(q, /shared-mounts/, "keystone has no shared volume");
    });
    test("names", () => {
        assert.equal(macFor("10.0.255.1"), "02:68:0a:00:ff:01");
        assert.throws(() => macFor("10.0.256.1"), /not an IPv4 address: 10\.0\.256\.1/);
        assert.throws(() => macFor("10..1.2"), /not an IPv4 address/);
        assert.equal(podmanSecretName("MYSQL_ROOT_PASSWORD"), "hotstack-os-mysql-root-password");
        assert.equal(templateHostPath("/d/config", "nova", "/etc/nova/nova.conf"), "/d/config/nova/etc__nova__nova.conf");
    });
});

describe("HAProxy", () => {
    test("HTTP frontends check their backend; TCP ones (noVNC) connect; stats listen on 8404", () => {
        const cfg = renderHaproxyConfig([
            { name: "keystone", port: 5000, backend: "172.31.0.11", check: { path: "/v3", status: 200 } },
            { name: "novnc", port: 6080, backend: "172.31.0.26" },
        ]);
        assert.match(cfg, /frontend keystone\n {4}bind \*:5000\n {4}default_backend keystone\n\nbackend keystone\n {4}option httpchk GET \/v3\n {4}http-check expect status 200\n {4}server keystone 172\.31\.0\.11:5000 check inter 5s downinter 1s fall 3 rise 2/);
        assert.match(cfg, /frontend novnc\n {4}bind \*:6080\n {4}mode tcp/);
        assert.match(cfg, /listen stats\n {4}bind \*:8404/);
        assert.doesNotMatch(cfg, /^\s*daemon/m, "stays in the foreground");
    });
    test("publishes every API, noVNC, the dashboard and the stats page on the gateway address", () => {
        const ports = [5000, 9292, 8778, 8774, 8775, 9696, 8776, 8004, 6080, 80, 8404];
        assert.deepEqual([...specs.haproxy.publish!].sort(), ports.map((p) => `172.31.0.129:${p}:${p}`).sort());
    });
    test("the dashboard (config dashboard, default on): behind the front door on port 80; off, nothing of it anywhere", () => {
        const d = raw.dashboard;
        assert.equal(d.exec, "dashboard");
        assert.deepEqual(d.network, { ip: "172.31.0.61", hostname: "dashboard" });
        assert.deepEqual(d.secrets, ["DASHBOARD_SECRET_KEY"]);
        const settings = String(d.templates![0].content);
        assert.equal(d.templates![0].target, "/etc/openstack-dashboard/local_settings.py");
        assert.match(settings, /^SECRET_KEY = "@@DASHBOARD_SECRET_KEY@@"$/m, "the key by token, rendered in the container");
        assert.match(settings, /^OPENSTACK_KEYSTONE_URL = "http:\/\/keystone\.hotstack-os\.local:5000\/v3"$/m);
        assert.match(settings, /^SESSION_ENGINE = "django\.contrib\.sessions\.backends\.cache"$/m);
        assert.match(settings, /"LOCATION": "hotstack-os-memcached:11211"/);
        assert.match(String(raw.haproxy.templates![0].content), /frontend dashboard\n {4}bind \*:80\n[^]*?backend dashboard\n {4}option httpchk GET \/auth\/login\/\n {4}http-check expect status 200\n {4}server dashboard 172\.31\.0\.61:80 /);
        assert.match(String(raw.dnsmasq.templates![0].content), /\/dashboard\.hotstack-os\.local\//);

        const off = Object.fromEntries(serviceSpecs(serviceContext(parseConfig({ dashboard: "false" }))).map((s) => [s.name, s]));
        assert.deepEqual(Object.keys(off), SERVICE_NAMES.filter((n) => n !== "dashboard"));
        assert.ok(!off.haproxy.publish!.some((p) => String(p).endsWith(":80:80")), "no port 80 on the gateway");
        assert.doesNotMatch(String(off.haproxy.templates![0].content), /dashboard/);
        assert.doesNotMatch(String(off.dnsmasq.templates![0].content), /dashboard/);
        assert.throws(() => parseConfig({ dashboard: "yes please" }), /hotstack-os:dashboard = "yes please"/);
    });
    test("the identity set: infra and keystone only", () => {
        const identity = serviceSpecs(serviceContext(parseConfig({ serviceSet: "identity" })));
        assert.deepEqual(identity.map((s) => s.name), ["mariadb", "rabbitmq", "memcached", "dnsmasq", "haproxy", "keystone"]);
        assert.deepEqual(identity.find((s) => s.name === "haproxy")!.publish, ["172.31.0.129:5000:5000", "172.31.0.129:8404:8404"]);
        assert.deepEqual(openstackLayer(identity.map((s) => s.name)), { packages: ["python3-keystone"], debs: [] }, "its OpenStack layer installs keystone's package alone");
    });
    test("the OpenStack layer: the packages of the services that run, the dashboard's excepted (switching it off rebuilds nothing)", () => {
        const all = serviceSpecs(serviceContext(parseConfig({}))).map((s) => s.name);
        const noDashboard = serviceSpecs(serviceContext(parseConfig({ dashboard: "false" }))).map((s) => s.name);
        assert.deepEqual(openstackLayer(noDashboard), openstackLayer(all));
        assert.ok(!openstackLayer(all).packages.some((p) => /dashboard|horizon/.test(p)));
        assert.deepEqual(openstackLayer(all.filter((n) => !n.startsWith("nova-"))).debs, [], "noVNC is fetched only for nova");
    });
});
