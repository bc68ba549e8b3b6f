// The image tests' fixtures, rendered by the service files: each config file a unit mounts and
// the environment it gives its container, with the containers on the image tests' network
// (10.214.0.0/24, the default addresses' last octets) and their compute host name (hot-ex's
// address stays the default: the image tests have no provider network). test/images/smoke-*.sh mount
// these files and start each role with `--env-file fixtures/env/<container>.env`, so they test
// what a deployed unit runs. dnsmasq.conf stays the tests' own: their network stands in for
// hot-ex, where the deployed dnsmasq listens. Values only a host knows (nova-compute's
// XDG_RUNTIME_DIR) are left to the scripts.
//
//   node -r ts-node/register/transpile-only test/images/render-fixtures.ts    (rewrites them)
// test/unit/image-fixtures.test.ts fails when a file differs from what this renders.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../components/config";
import { SERVICE_IPS } from "../../components/config/defaults";
import { serviceContext } from "../../components/services/context";
import { serviceSpecs } from "../../components/services/index";
import { ServiceSpec } from "../../components/services/service";

export const FIXTURES = path.join(__dirname, "fixtures");
/** The tests' own files (not rendered). */
export const HAND_WRITTEN = ["dnsmasq.conf"];
const HEADER = "# rendered by test/images/render-fixtures.ts from components/services (do not edit)\n";

/** Fixture name → [service set, container, template target]. */
const CONFIGS: Record<string, [string, string, string]> = {
    "mariadb-99-hotstack.cnf": ["full", "mariadb", "/etc/mysql/mariadb.conf.d/99-hotstack.cnf"],
    "rabbitmq.conf": ["full", "rabbitmq", "/etc/rabbitmq/rabbitmq.conf"],
    "rabbitmq-definitions.json": ["full", "rabbitmq", "/etc/rabbitmq/definitions.json"],
    "haproxy.cfg": ["identity", "haproxy", "/etc/haproxy/haproxy.cfg"],
    "haproxy-services.cfg": ["full", "haproxy", "/etc/haproxy/haproxy.cfg"],
    "keystone.conf": ["full", "keystone", "/etc/keystone/keystone.conf"],
    "glance-api.conf": ["full", "glance", "/etc/glance/glance-api.conf"],
    "placement.conf": ["full", "placement", "/etc/placement/placement.conf"],
    "nova.conf": ["full", "nova-api", "/etc/nova/nova.conf"],
    "mount-wrapper.conf": ["full", "cinder-volume", "/etc/hotstack/mount-wrapper.conf"],
    "neutron.conf": ["full", "neutron-server", "/etc/neutron/neutron.conf"],
    "ml2_conf.ini": ["full", "neutron-server", "/etc/neutron/plugins/ml2/ml2_conf.ini"],
    "neutron_ovn_agent.ini": ["full", "neutron-ovn-agent", "/etc/neutron/neutron_ovn_agent.ini"],
    "cinder.conf": ["full", "cinder-api", "/etc/cinder/cinder.conf"],
    "nfs_shares": ["full", "cinder-volume", "/etc/cinder/nfs_shares"],
    "heat.conf": ["full", "heat-api", "/etc/heat/heat.conf"],
};

function specs(set: string): ServiceSpec[] {
    const ips = Object.fromEntries(Object.entries(SERVICE_IPS).map(([k, v]) => [k, v.replace(/^\d+\.\d+\.\d+\./, "10.214.0.")]));
    const config = parseConfig({ containerNetwork: "10.214.0.0/24", serviceSet: set, ...ips });
    return serviceSpecs(serviceContext(config, { hostname: "hotstack-test-compute", hotstackUid: 1001, virtType: "qemu" }));
}

const text = async (v: pulumi.Input<string>): Promise<string> => (typeof v === "string" ? v : await (pulumi.output(v) as any).promise());

/** Relative path under fixtures/ → content. */
export async function renderFixtures(): Promise<Record<string, string>> {
    const bySet: Record<string, ServiceSpec[]> = { full: specs("full"), identity: specs("identity") };
    const out: Record<string, string> = {};
    for (const [name, [set, container, target]] of Object.entries(CONFIGS)) {
        const t = bySet[set].find((s) => s.name === container)?.templates?.find((x) => x.target === target);
        if (!t) throw new Error(`${name}: ${container} has no template ${target}`);
        const content = await text(t.content);
        // JSON has no comments: the header goes into nothing but text formats.
        out[name] = name.endsWith(".json") || name === "nfs_shares" ? content : `${HEADER}${content}`;
    }
    for (const s of bySet.full) {
        const lines = Object.entries(s.env ?? {}).filter(([, v]) => typeof v === "string").map(([k, v]) => `${k}=${v}`);
        if (lines.length) out[`env/${s.name}.env`] = `${HEADER}${lines.join("\n")}\n`;
    }
    return out;
}

/** The rendered fixtures on disk (every file but the hand-written ones). */
export function renderedOnDisk(): Record<string, string> {
    const files = fs.readdirSync(FIXTURES, { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(FIXTURES, f)).isFile() && !HAND_WRITTEN.includes(f));
    return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(FIXTURES, f), "utf8")]));
}

if (require.main === module) {
    renderFixtures().then((files) => {
        for (const f of Object.keys(renderedOnDisk())) fs.rmSync(path.join(FIXTURES, f));
        for (const [f, content] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(FIXTURES, f)), { recursive: true });
            fs.writeFileSync(path.join(FIXTURES, f), content);
        }
        console.log(`wrote ${Object.keys(files).length} files under ${FIXTURES}`);
    });
}
