// The service descriptors: every list the program uses is derived from them, and an inconsistent
// descriptor is found (checkDescriptors) before it renders anything.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SERVICE_IPS, parseConfig } from "../../components/config";
import { ALL_SERVICES } from "../../components/services/all";
import {
    addressDefaults, allContainers, catalogUrls, checkDescriptors, containerByCatalogType, databases, frontends, internalNames, keystoneUsers, publicNames,
    publicServiceNames, rabbitmqUsers,
} from "../../components/services/catalogue";
import { ServiceDescriptor } from "../../components/services/descriptor";
import { IMAGE_PARENTS } from "../../components/images";
import { serviceSpecs } from "../../components/services/index";
import { serviceContext } from "../../components/services/context";

/** A copy of the descriptors with one service changed. */
const withService = (name: string, change: (d: ServiceDescriptor) => ServiceDescriptor) => ALL_SERVICES.map((d) => (d.name === name ? change(d) : d));
const withContainer = (service: string, container: string, change: Record<string, unknown>) =>
    withService(service, (d) => ({ ...d, containers: d.containers.map((c) => (c.name === container ? { ...c, ...change } : c)) }));

describe("service descriptors", () => {
    test("are consistent", () => {
        assert.deepEqual(checkDescriptors(), []);
    });

    test("every list derives from them", () => {
        const ips = Object.values(addressDefaults());
        assert.equal(new Set(ips).size, ips.length, "addresses unique");
        // Every container on the container network has a config key for its address.
        assert.deepEqual(Object.keys(addressDefaults()).sort(), Object.keys(SERVICE_IPS).filter((k) => k !== "cinderVolumeIp").sort());
        const ports = allContainers().flatMap((c) => (c.frontend ? [c.frontend.port] : []));
        assert.equal(new Set(ports).size, ports.length, "frontend ports unique on the gateway address");
        assert.deepEqual(databases(), ["keystone", "glance", "placement", "nova_api", "nova", "nova_cell0", "neutron", "cinder", "heat"]);
        assert.deepEqual(rabbitmqUsers(), ["openstack"]);
        assert.deepEqual(keystoneUsers(), ["admin", "glance", "placement", "nova", "neutron", "cinder", "heat", "heat_domain_admin"]);
        assert.deepEqual(publicServiceNames(), ["keystone", "glance", "placement", "nova", "neutron", "cinder", "heat", "dashboard"]);
        assert.deepEqual(publicNames(), ["keystone", "glance", "placement", "nova", "nova-api", "neutron", "neutron-server", "cinder", "cinder-api", "heat", "heat-api", "dashboard"]);
        assert.deepEqual(containerByCatalogType(), {
            identity: "keystone", image: "glance", placement: "placement", compute: "nova-api", network: "neutron-server",
            volumev3: "cinder-api", "block-storage": "cinder-api", volume: "cinder-api", orchestration: "heat-api",
        });
        const config = parseConfig({});
        assert.deepEqual(frontends(config.ips, ALL_SERVICES).map((f) => f.name), ["keystone", "glance", "placement", "cinder", "heat", "nova", "neutron", "novnc", "nova_metadata", "dashboard"]);
        assert.equal(internalNames(config.ips).length, 10);
        const urls = catalogUrls((n, p) => `http://${n}:${p}`);
        assert.equal(urls.orchestration, "http://heat:8004/v1/$(project_id)s");
        assert.equal(urls.console, "http://nova:6080/vnc_lite.html");
    });

    test("every catalog service has a frontend and DNS names; every database a user and its secret", () => {
        for (const s of ALL_SERVICES) {
            for (const e of s.catalog ?? []) {
                assert.ok(s.containers.find((c) => c.name === e.container)?.frontend, `${s.name} ${e.type}: a frontend`);
                assert.ok(s.publicName && publicNames().includes(s.publicName), `${s.name} ${e.type}: a public name`);
            }
            if (s.databases?.length) assert.ok(s.containers.some((c) => c.secrets?.includes("DB_PASSWORD")), `${s.name}: its databases' password`);
        }
        // The database user `openstack` and DB_PASSWORD reach mariadb, which makes every database.
        const spec = serviceSpecs(serviceContext(parseConfig({}))).find((s) => s.name === "mariadb")!;
        assert.equal(spec.env!.MARIADB_DATABASES, databases().join(" "));
        assert.ok(spec.secrets!.includes("DB_PASSWORD"));
    });

    test("an image on the openstack layer gets its packages there, unless a switch can remove its service (the layer stays put)", () => {
        for (const d of ALL_SERVICES) {
            const onLayer = [...new Set(d.containers.map((c) => c.image))].filter((i) => IMAGE_PARENTS[i] === "openstack");
            if (onLayer.length === 0) assert.equal(d.layerPackages, undefined, `${d.name}: its image is not on the layer`);
            else assert.ok((d.layerPackages?.length ?? 0) > 0 || d.enabled !== undefined, `${d.name}: ${onLayer.join(", ")} builds on the openstack layer: layerPackages or its own apt run (switchable)`);
        }
    });

    test("role: compute containers are those that run once per compute host", () => {
        assert.deepEqual(allContainers().filter((c) => c.role === "compute").map((c) => c.name), ["ovn-controller", "neutron-ovn-agent", "nova-compute"]);
    });

    test("an inconsistent descriptor is named", () => {
        const glanceIp = addressDefaults().glanceIp;
        assert.deepEqual(checkDescriptors(withContainer("heat", "heat-api", { address: { key: "heatApiIp", default: glanceIp } })), [`address ${glanceIp} is used twice`]);
        assert.deepEqual(checkDescriptors(withContainer("heat", "heat-api", { frontend: { name: "heat", port: 9292 } })), ["frontend port 9292 is used twice on the gateway address"]);
        assert.deepEqual(checkDescriptors(withContainer("heat", "heat-api", { frontend: undefined })), ["heat: catalog orchestration is served by heat-api, which has no frontend"]);
        assert.deepEqual(checkDescriptors(withService("heat", (d) => ({ ...d, publicName: undefined }))), ["heat: catalog orchestration needs a public name"]);
        assert.deepEqual(checkDescriptors(withService("heat", (d) => ({ ...d, containers: d.containers.map((c) => ({ ...c, secrets: ["HEAT_AUTH_KEY" as const] })) }))), [
            "heat: has databases (heat) but no container holds DB_PASSWORD",
            "heat: has RabbitMQ user openstack but no container holds RABBITMQ_PASSWORD",
            "heat: has keystone users but no container holds their password",
        ]);
        assert.deepEqual(checkDescriptors(withContainer("heat", "heat-engine", { after: ["heat-apii"] })), ["heat-engine starts after heat-apii, which is no container"]);
        assert.deepEqual(checkDescriptors(withContainer("heat", "heat-engine", { order: 10 })), ["start order 10 is used twice", "heat-engine starts after heat-api, which comes later in the start order"]);
        assert.deepEqual(checkDescriptors(withService("heat", (d) => ({ ...d, databases: ["heat", "nova"] }))), ["database nova is used twice"]);
    });
});
