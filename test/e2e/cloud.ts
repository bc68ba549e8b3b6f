// npm run e2e:cloud — the whole cloud from a bare test host through the harness (the real
// provider host process): 24 containers (23 with the dashboard off) and post-setup's objects (checked with the product's
// `openstack` on the host, as admin and as the project user; drift; a one-value change; bad
// input), then the data plane with a real guest built offline (assets/guest): HotStack-OS's
// smoke test — DHCP, metadata, ping and SSH through floating IPs, a trunk, boot from volume,
// an attached volume — NAT out of the provider network into a namespace that has no route back,
// the seeds' restart sequence with a guest left running, tempest's API smoke subset, post-setup
// turned off on a live cloud, run 2 = no-op, with ROTATE=1 each password rotated through config
// (rotation.ts), and a destroy that user objects inside the cloud do not block. Every check can
// fail; the run always cleans up and ends with one line of figures.
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PasswordKey } from "../../components/config";
import { Report, changeCount, preview } from "../harness/engine";
import { hostLabel } from "../../providers/host/connection";
import { closeAllConnections, connect } from "../../providers/host/transport";
import { userSystemctl } from "../../providers/host/units";
import { Check, smoke } from "../../tools/smoke";
import { collectVersions } from "../../tools/status";
import { packageVersions } from "../../providers/image-versions";
import { TH, loadBaseImage, onHost, onHostInBackground, onHostOk, startTestHost, stopTestHost } from "../support/testhost";
import { Checks, memorySampler } from "./checks";
import { converge, destroyFresh, figures, log, rmState, stateFile, testStackConfig } from "./common";
import { CATALOG_APIS, aptLimit, pollApis, residentMb, restartedUnits, span, timeline, unitStartPath, unitStarts } from "./measure";
import { tokenWorks } from "./keystone";
import { consoleInBrowser } from "./console";
import { dashboardInBrowser } from "./dashboard";
import { credsBesideMine, guestCleanup, imageUrl404, logsAll } from "./newcomer";
import { repairStoppedAndEdited } from "./repair";
import { rotateEach } from "./rotation";

const ADMIN = "openstack --os-cloud hotstack-os-admin";
const USER = "openstack --os-cloud hotstack-os";
const GUEST_IMAGE = "hotstack-guest";
const GUEST_FILE = "/var/tmp/hotstack-guest.raw";
const OUTSIDE_IP = "198.51.100.2";
const TEST_FLAVOR = "e2e.tiny";

/** The test host's clock, for journalctl --since. */
const hostNow = () => onHost("date +%s").trim();

/** After a failed smoke run: neutron-server's slow or failed requests since `since` (epoch s), and HAProxy's 5xx answers. */
function smokeFailureLog(since: string): void {
    const slow = onHost(`journalctl -u hotstack-os-neutron-server --since @${since} --no-pager -o cat | grep -E 'time: ([1-9][0-9]+)\\.|ERROR|Timeout' | tail -20`, { allowFailure: true }).trim();
    const fiveXX = onHost(`journalctl -u hotstack-os-haproxy --since @${since} --no-pager -o cat | grep -E '" 5[0-9][0-9] | 5[0-9][0-9] [0-9]+ ' | tail -10`, { allowFailure: true }).trim();
    log(`  neutron-server, requests of 10 s or more, errors:\n${slow || "(none)"}\n  HAProxy, 5xx answers:\n${fiveXX || "(none)"}`);
    // The data plane of each guest port (a guest without a DHCP answer was seen once in ~20 runs,
    // under load): whether OVS has the tap (ofport, error, packet counters), whether OVN bound it
    // and marked it up, and what ovn-controller said since.
    const plane = onHost([
        "echo '--- OVS taps on hot-int'",
        "for i in $(ovs-vsctl list-ifaces hot-int | grep '^tap'); do echo \"== $i\"; ovs-vsctl --columns=ofport,error,link_state,statistics,external_ids list Interface $i 2>&1; done",
        "echo '--- OVN SB port bindings (logical_port chassis up)'",
        "podman exec hotstack-os-ovn-northd ovn-sbctl --timeout=20 --db=unix:/run/ovn/ovnsb_db.sock --format=csv --columns=logical_port,chassis,up,type list Port_Binding 2>&1",
        "echo '--- OVN NB switch ports (name up dhcpv4_options)'",
        "podman exec hotstack-os-ovn-northd ovn-nbctl --timeout=20 --db=unix:/run/ovn/ovnnb_db.sock --format=csv --columns=name,up,dhcpv4_options,type list Logical_Switch_Port 2>&1",
        `echo '--- ovn-controller since the run began'; journalctl -u hotstack-os-ovn-controller --since @${since} --no-pager -o cat | grep -v 'DEBUG' | tail -25`,
    ].join("\n"), { allowFailure: true }).trim();
    log(`  data plane:\n${plane}`);
}

/** Each unit's start since then skipped its db sync: its database held the installed schema. */
function expectSyncSkipped(checks: Checks, units: string[], since: string): void {
    for (const u of units) {
        const log = onHost(`journalctl -q -o cat -u hotstack-os-${u}.service --since @${since}`, { allowFailure: true });
        const lines = log.split("\n").filter((l) => /schema-current|sync/.test(l));
        checks.expect(/at the installed schema: .*skipped/.test(log), `${u}'s restart skipped its db sync (the schema was current)`, lines.slice(-4).join(" | ") || "no sync line in its journal");
    }
}

/** A smoke check as the summary lists it: a failure carries its detail (a guest's console digest). */
const label = (c: Check) => `${c.name}${c.ok || !c.detail ? "" : ` (${c.detail})`}`;
const json = (cmd: string) => JSON.parse(onHost(`${cmd} -f json`));

function putFile(remote: string, data: Buffer | string): void {
    childProcess.execFileSync("bash", [path.join(__dirname, "../testhost/ssh.sh"), `cat > ${remote}`], { input: data, env: { ...process.env, TH } });
}

const NETWORK_EXTENSIONS = ["address-scope", "agent", "allowed-address-pairs", "binding", "dhcp_agent_scheduler", "external-net",
    "extra_dhcp_opt", "extraroute", "net-mtu", "port-security", "project-id", "provider", "quotas", "router", "security-group",
    "standard-attr-description", "standard-attr-tag", "subnet_allocation", "trunk", "trunk-details"];

// Left out, with the reason: tempest from trixie updates a credential's project_id and type, which
// keystone's security fix (credentials: only the blob is mutable) rejects with 400 since; and the
// smoke tests that boot more servers (manual disk, boot from volume, interfaces, addresses, hard
// reboot, volume attach, and ServersTestJSON's create/show/list): under qemu TCG they took most
// of tempest's time (a boot each in their class set-up, on CI's slower machine minutes each), and
// this run's own guests (smoke twice, vm1, BFV, trunk, attach, the target restarted) prove the
// same paths; the compute API's other smoke tests stay.
const TEMPEST_EXCLUDE = [
    "test_credentials_create_get_update_delete",
    "^tempest\\.api\\.compute\\.servers\\.(test_attach_interfaces|test_server_addresses|test_server_actions|test_create_server)\\.",
    "^tempest\\.api\\.volume\\.test_volumes_actions\\.",
].join("|");

/** Prints tempest's twelve slowest tests from subunit2csv's CSV (where the run's time goes). */
const SLOWEST = [
    "import csv, sys, datetime as d",
    "t = lambda v: d.datetime.fromisoformat(v.replace('Z', '+00:00'))",
    "rows = [(r['test'], (t(r['stop_time']) - t(r['start_time'])).total_seconds()) for r in csv.DictReader(sys.stdin) if r.get('start_time') and r.get('stop_time')]",
    "[print('SLOW %4.0f s %s' % (s, n)) for n, s in sorted(rows, key=lambda x: -x[1])[:12]]",
].join("\n");

function tempestConf(ids: Record<string, string>, adminPassword: string): string {
    return `[DEFAULT]
log_file = tempest.log
[auth]
admin_username = admin
admin_password = ${adminPassword}
admin_project_name = admin
admin_domain_name = Default
use_dynamic_credentials = true
[identity]
uri_v3 = http://keystone.hotstack-os.local:5000/v3
auth_version = v3
region = RegionOne
[identity-feature-enabled]
api_v2 = false
[compute]
image_ref = ${ids.image}
image_ref_alt = ${ids.image}
flavor_ref = ${ids.flavor}
flavor_ref_alt = ${ids.flavor}
build_timeout = 300
[compute-feature-enabled]
console_output = false
resize = false
live_migration = false
[network]
public_network_id = ${ids.publicNet}
floating_network_name = public
project_network_cidr = 10.100.0.0/16
[network-feature-enabled]
ipv6 = false
# what this cloud means to offer (ML2/OVN: no L3 agent, so no l3_agent_scheduler); the default
# "all" expects the extensions of an agent-based deployment
api_extensions = ${NETWORK_EXTENSIONS.join(",")}
[volume]
# cinder is registered as volumev3, tempest looks for block-storage by default
catalog_type = volumev3
storage_protocol = nfs
build_timeout = 300
[volume-feature-enabled]
backup = false
[service_available]
nova = true
neutron = true
glance = true
cinder = true
heat = true
swift = false
horizon = false
[validation]
run_validation = false
`;
}

/** The guest disk image, built here from Debian packages (assets/guest), cached between runs. */
function buildGuest(): string {
    const out = path.join(TH, "guest", "hotstack-guest.raw");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    childProcess.execFileSync("bash", [path.resolve(__dirname, "../../assets/guest/build.sh"), out], { stdio: ["ignore", "inherit", "inherit"] });
    return out;
}

/** Quota values as the openstack client shows them (an object, or a list of {Resource, Limit}). */
function quotaValues(shown: any): Record<string, number> {
    if (Array.isArray(shown)) return Object.fromEntries(shown.map((r: any) => [String(r.Resource ?? r.resource).replace(/-/g, "_"), Number(r.Limit ?? r.limit)]));
    return Object.fromEntries(Object.entries(shown).map(([k, v]) => [k.replace(/-/g, "_"), Number(v)]));
}

const objectSteps = (r: Report) => r.steps.filter((s) => s.type.endsWith(":CloudObject"));
const stepNames = (r: Report, ops = ["create", "update", "replace", "delete"]) =>
    r.steps.filter((s) => ops.includes(s.op) && !s.type.startsWith("pulumi:providers:")).map((s) => `${s.op} ${s.urn.split("::").pop()}`).sort();

async function main(): Promise<void> {
    const checks = new Checks();
    const fig: Record<string, string | number> = {};
    const state = stateFile("e2e-cloud");
    let destroyed = false;
    let mem: ReturnType<typeof memorySampler> | undefined;
    try {
        const conn = startTestHost(true);
        loadBaseImage();
        mem = memorySampler("hotstack-testhost");
        // A libvirt domain that is not nova's: destroy must leave it alone.
        onHost("virsh -c qemu:///system define /dev/stdin >/dev/null <<'EOF'\n<domain type='qemu'><name>foreign-vm</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>\nEOF");
        log("the guest image, built offline from Debian packages (assets/guest/build.sh)");
        putFile(GUEST_FILE, fs.readFileSync(buildGuest()));
        const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "hotstack-e2e-key-"));
        childProcess.execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hotstack-e2e", "-f", `${keyDir}/id`]);
        const publicKey = fs.readFileSync(`${keyDir}/id.pub`, "utf8").trim();
        rmState(state);
        let quotas = "{}";
        let postSetup = "true";
        let cpuModel = "";
        let dashboard = "true";
        const passwords: Partial<Record<PasswordKey, string>> = {};
        const opts = () => ({
            stateFile: state,
            ...testStackConfig(conn, {
                serviceSet: "full",
                images: JSON.stringify([{ name: GUEST_IMAGE, file: GUEST_FILE, diskFormat: "raw", properties: {} }]),
                sshPublicKey: publicKey,
                quotas,
                postSetup,
                dashboard,
                ...(cpuModel ? { cpuModel } : {}),
            }, passwords),
        });

        // ---- the yardstick: one apt-get of every package the images install ------------------
        if (process.env.BENCH === "1") {
            log("the physical limit: every package of every image, fetched and installed by one apt-get in one container");
            const limit = aptLimit("docker.io/library/debian:trixie-slim");
            fig.apt_limit_s = limit.seconds.toFixed(0);
            log(`  ${limit.packages} packages set up (${limit.requested} asked for) in ${limit.seconds.toFixed(0)} s`);
        } else {
            fig.apt_limit_s = "skipped(BENCH=1)";
        }

        // ---- run 1: bare host to a usable cloud ------------------------------------------------
        const run1Start = Date.now();
        const apis = pollApis(CATALOG_APIS);
        const run1 = await converge("run 1 (bare host: 12 images, 24 containers, post-setup)", opts());
        fig.converge_s = run1.seconds.toFixed(0);
        let apisAt = apis.stop();
        if (apisAt === undefined) {
            // Converged before the poller saw every API (its last round was cut): poll once more.
            const again = pollApis(CATALOG_APIS);
            await checks.waitFor("every catalog API answers through HAProxy", 120, () => onHostOk(`for u in ${CATALOG_APIS.join(" ")}; do c=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$u"); [ "$c" -gt 0 ] && [ "$c" -lt 500 ] || exit 1; done`));
            apisAt = again.stop() ?? Date.now();
        }
        fig.bare_to_apis_s = ((apisAt - run1Start) / 1000).toFixed(0);
        // keystone is healthy once its bootstrap logged in with a token: what the one package layer delays.
        const keystoneUp = run1.steps.find((s) => s.urn.endsWith("::keystone-container") && s.op === "create")?.endedAt;
        fig.first_token_s = keystoneUp === undefined ? "n/a" : ((keystoneUp - run1Start) / 1000).toFixed(0);
        const imagesS = span(run1.steps.filter((s) => s.type.endsWith(":ContainerImage") && s.op === "create"));
        fig.images_s = imagesS === undefined ? "n/a" : imagesS.toFixed(0);
        // The dashboard's image is built after every other: it never takes a slot an API's image needs.
        const builds = run1.steps.filter((s) => s.type.endsWith(":ContainerImage") && s.op === "create" && s.startedAt && s.endedAt);
        const dash = builds.find((s) => s.urn.endsWith("::images-dashboard"));
        const lastOther = Math.max(...builds.filter((s) => s !== dash).map((s) => s.endedAt!));
        checks.expect(!!dash && dash.startedAt! >= lastOther, "the dashboard's image is built after every other image", dash ? `started ${((dash.startedAt! - lastOther) / 1000).toFixed(0)} s after the last other build ended` : "no dashboard build in run 1");
        fig.limit_ratio = imagesS !== undefined && typeof fig.apt_limit_s === "string" && /^\d+$/.test(fig.apt_limit_s) ? (imagesS / Number(fig.apt_limit_s)).toFixed(2) : "n/a";
        log(`run 1, critical path (seconds since the run began, by end):\n    ${timeline(run1.steps, run1Start).join("\n    ")}`);
        const made = objectSteps(run1).filter((s) => s.op === "create" && s.startedAt && s.endedAt);
        fig.post_setup_objects = made.length;
        fig.post_setup_s = made.length ? ((Math.max(...made.map((s) => s.endedAt!)) - Math.min(...made.map((s) => s.startedAt!))) / 1000).toFixed(0) : "n/a";
        const out = run1.outputs;
        // Test tooling (not the product), installed while the checks below run: after run 1, so
        // that its apt never meets the product's package installs on the host.
        // TEMPEST=0 (CI: its time) leaves tempest out; the smoke stays the acceptance.
        const withTempest = process.env.TEMPEST !== "0";
        if (withTempest) log("test tooling on the test host, in the background: tempest");
        const tempestInstalled = withTempest
            ? onHostInBackground("export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q --no-install-recommends tempest", "/var/tmp/tempest-install.log")
            : Promise.resolve();
        tempestInstalled.catch(() => undefined); // awaited (and its failure reported) before tempest

        await checks.step("what runs: the openstackVersions output and npm run status -- --versions agree, a Debian version for every service", async () => {
            const host = await connect(conn);
            const rows = await collectVersions(host);
            const given: Record<string, string> = out.openstackVersions ?? {};
            log(`  versions: ${rows.map((r) => `${r.service} ${r.version}`).join(", ")}`);
            const wrong = rows.filter((r) => !/^(\d+:)?\d[\w.+~-]*$/.test(r.version) || given[r.service] !== r.version);
            checks.expect(rows.length === Object.keys(given).length && rows.length >= 14 && wrong.length === 0, "each running service's package version, the same in the output and in status",
                wrong.map((r) => `${r.service}: status ${r.version}, output ${given[r.service]}`).join("; ") || `${rows.length} services`);
            // A package an image does not have is refused, naming it (the check of the lookup itself).
            const keystoneId = onHost("podman image inspect localhost/hotstack-os-keystone:latest --format '{{.Id}}'").trim();
            const refused = await packageVersions(host, keystoneId, "keystone", ["python3-keystone", "no-such-package"]).then(() => "", (e: Error) => e.message);
            checks.expect(/no installed package no-such-package/.test(refused), "a package the image lacks is refused by name", refused.slice(0, 160) || "accepted");
            fig.versions_ok = wrong.length === 0 && /no-such-package/.test(refused) ? 1 : 0;
        });
        fig.versions_ok ??= 0;

        log("post-setup: every object of spec , with the product's openstack client on the host");
        checks.expect(onHostOk(`${USER} token issue -f value -c id >/dev/null`), "openstack --os-cloud hotstack-os token issue");
        await checks.step("project, user and role", () => {
            const p = json(`${ADMIN} project show hotstack`);
            checks.expect(p.description === "HotStack project for development and testing" && p.enabled === true, "project hotstack", p.description);
            const u = json(`${ADMIN} user show hotstack`);
            checks.expect(u.default_project_id === p.id, "user hotstack, default project hotstack");
            const roles = onHost(`${ADMIN} role assignment list --user hotstack --project hotstack --names -f value -c Role`).trim().split("\n");
            checks.expect(roles.includes("member"), "user hotstack has role member on hotstack", roles.join(","));
            checks.expect(out.project?.name === "hotstack" && out.project?.id === p.id && out.username === "hotstack", "outputs project and username");
        });
        await checks.step("the 17 quotas", () => {
            const q = { ...quotaValues(json(`${ADMIN} quota show --compute hotstack`)), ...quotaValues(json(`${ADMIN} quota show --network hotstack`)), ...quotaValues(json(`${ADMIN} quota show --volume hotstack`)) };
            const want: Record<string, number> = { cores: 96, ram: 307200, instances: 50, key_pairs: 10, server_groups: 10, server_group_members: 10,
                networks: 20, subnets: 20, ports: 100, routers: 20, floating_ips: 20, secgroups: 20, secgroup_rules: 100, volumes: 50, snapshots: 20, gigabytes: 1000, per_volume_gigabytes: 500 };
            const wrong = Object.entries(want).filter(([k, v]) => q[k] !== v && q[k.replace(/s$/, "")] !== v && q[{ networks: "network", subnets: "subnet", ports: "port", routers: "router", floating_ips: "floatingip", secgroups: "security_group", secgroup_rules: "security_group_rule" }[k] ?? k] !== v);
            checks.expect(wrong.length === 0, "quotas of project hotstack are the spec's", wrong.length ? `differ: ${wrong.map(([k, v]) => `${k} ${q[k]} (want ${v})`).join(", ")}; shown: ${JSON.stringify(q)}` : "17 values");
        });
        await checks.step("the 7 flavors", () => {
            const flavors = json(`${ADMIN} flavor list --long`) as any[];
            const hot = flavors.filter((f) => String(f.Name).startsWith("hotstack.")).map((f) => `${f.Name}:${f.VCPUs}:${f.RAM}:${f.Disk}:${f["Is Public"]}`).sort();
            checks.expect(hot.join(" ") === "hotstack.large:4:8192:80:true hotstack.medium:2:4096:40:true hotstack.mlarge:2:6144:60:true hotstack.small:1:2048:20:true hotstack.xlarge:8:16384:160:true hotstack.xxlarge:12:32768:160:true hotstack.xxxlarge:12:49152:160:true", "flavors", hot.join(" "));
        });
        const ids: Record<string, string> = {};
        await checks.step("networks, subnets, router", () => {
            const pub = json(`${ADMIN} network show public`);
            ids.publicNet = pub.id;
            checks.expect(pub["router:external"] === true && pub.shared === true && pub["provider:network_type"] === "flat" && pub["provider:physical_network"] === "provider", "network public: external, shared, flat on physnet provider");
            const ps = json(`${ADMIN} subnet show public-subnet`);
            checks.expect(ps.enable_dhcp === false && ps.gateway_ip === "172.31.0.129" && ps.cidr === "172.31.0.128/25" && JSON.stringify(ps.allocation_pools) === JSON.stringify([{ start: "172.31.0.130", end: "172.31.0.200" }]), "public-subnet: DHCP off, gateway hot-ex, pool .130-.200", JSON.stringify(ps.allocation_pools));
            const priv = json(`${ADMIN} network show private`);
            checks.expect(priv.shared === true, "network private: shared");
            const pvs = json(`${ADMIN} subnet show private-subnet`);
            checks.expect(pvs.cidr === "192.168.100.0/24" && pvs.enable_dhcp === true && JSON.stringify(pvs.dns_nameservers) === '["172.31.0.129"]', "private-subnet: 192.168.100.0/24, DHCP on, DNS hot-ex", JSON.stringify(pvs.dns_nameservers));
            const r = json(`${ADMIN} router show router1`);
            const ifaces = JSON.stringify(r.interfaces_info ?? []);
            checks.expect(r.external_gateway_info?.network_id === pub.id && ifaces.includes(pvs.id), "router1: gateway on public, interface on private-subnet");
            checks.expect(out.publicNetwork?.id === pub.id && out.privateNetwork?.id === priv.id && out.router?.id === r.id && out.privateNetwork?.subnetId === pvs.id, "outputs publicNetwork, privateNetwork, router");
        });
        await checks.step("ingress TCP 22 and ICMP on the default security groups of admin and hotstack", () => {
            for (const project of ["admin", "hotstack"]) {
                const sg = onHost(`${ADMIN} security group list --project ${project} -f value -c ID -c Name | awk '$2 == "default" {print $1}'`).trim();
                const rules = json(`${ADMIN} security group rule list ${sg} --ingress --long`) as any[];
                const has = (proto: string, ports: string) => rules.some((r) => r["IP Protocol"] === proto && r["IP Range"] === "0.0.0.0/0" && (ports === "" ? true : String(r["Port Range"]).startsWith(ports)));
                checks.expect(has("tcp", "22:22") && has("icmp", ""), `default group of ${project}: tcp 22 and icmp from 0.0.0.0/0`);
            }
        });
        await checks.step("image, application credential, keypair", () => {
            const img = json(`${ADMIN} image show ${GUEST_IMAGE}`);
            ids.image = img.id;
            checks.expect(img.status === "active" && img.visibility === "public" && img.disk_format === "raw" && out.images?.[GUEST_IMAGE] === img.id, "image uploaded from a file on the host: active, public, raw");
            const secret = /application_credential_secret: "([^"]+)"/.exec(out.cloudSecretYaml ?? "")?.[1];
            const id = /application_credential_id: (\S+)/.exec(out.cloudSecretYaml ?? "")?.[1];
            checks.expect(!!secret && id === out.appCredentialId && secret === out.appCredentialSecret && /auth_type: v3applicationcredential/.test(out.cloudSecretYaml), "cloudSecretYaml: the spec's hotstack_cloud_secrets document");
            // The secret reaches the client through the environment (root-only /proc), not argv.
            const token = onHost(`export OS_AUTH_TYPE=v3applicationcredential OS_AUTH_URL=${out.authUrl} OS_APPLICATION_CREDENTIAL_ID=${id} OS_APPLICATION_CREDENTIAL_SECRET='${secret}' OS_INTERFACE=public; openstack token issue -f value -c project_id`, { allowFailure: true }).trim();
            checks.expect(token === out.project?.id, "the application credential authenticates (v3applicationcredential)", token.slice(0, 80));
            const kp = onHost(`${USER} keypair show hotstack -f value -c name`, { allowFailure: true }).trim();
            checks.expect(kp === "hotstack", "keypair hotstack of user hotstack, from sshPublicKey");
        });
        await credsBesideMine(checks, out);

        // ---- drift, a one-value change, run 2 -------------------------------------------------
        await checks.step("drift made by hand: a flavor and a security group rule deleted, a quota changed", async () => {
            onHost(`${ADMIN} flavor delete hotstack.xxxlarge`);
            const sg = onHost(`${ADMIN} security group list --project hotstack -f value -c ID -c Name | awk '$2 == "default" {print $1}'`).trim();
            const icmp = onHost(`${ADMIN} security group rule list ${sg} --ingress --protocol icmp -f value -c ID`).trim().split("\n")[0];
            onHost(`${ADMIN} security group rule delete ${icmp}`);
            onHost(`${ADMIN} quota set --cores 10 hotstack`);
            const p = await preview(require("./common").program, { ...opts(), refresh: true });
            const drift = stepNames(p);
            checks.expect(JSON.stringify(drift) === JSON.stringify(["create post-setup-flavor-hotstack.xxxlarge", "create post-setup-sg-hotstack-icmp", "update post-setup-quota-compute"]), "the preview shows exactly those three", drift.join(", "));
            const fix = await converge("drift repaired", opts());
            checks.expect(JSON.stringify(stepNames(fix)) === JSON.stringify(drift), "the next run puts back exactly those", stepNames(fix).join(", "));
            checks.expect(onHost(`${ADMIN} flavor show hotstack.xxxlarge -f value -c vcpus`, { allowFailure: true }).trim() === "12", "flavor back");
        });
        await checks.step("one value changed in config: a quota", async () => {
            quotas = JSON.stringify({ cores: 95 });
            const r = await converge("one quota changed", opts());
            checks.expect(JSON.stringify(stepNames(r)) === JSON.stringify(["update post-setup-quota-compute"]), "exactly that resource updates", stepNames(r).join(", "));
        });
        const run2 = await converge("run 2", opts());
        fig.run2_changes = changeCount(run2);
        fig.run2_s = run2.seconds.toFixed(1);
        checks.expect(changeCount(run2) === 0, "run 2 changes nothing", stepNames(run2).join(", "));

        // ---- units stopped and a file edited by hand: one run repairs them (repair.ts) ----------
        await repairStoppedAndEdited(checks, fig, opts);

        // ---- an image whose URL answers 404 (newcomer.ts) -------------------------------------
        const guestImages = [{ name: GUEST_IMAGE, file: GUEST_FILE, diskFormat: "raw", properties: {} }];
        await imageUrl404(checks, (images) => {
            const o = opts();
            return { ...o, config: { ...o.config, images } };
        }, guestImages);

        // ---- services, and the admin's own server (a user object inside the cloud) ------------
        log("services");
        await checks.waitFor("compute service list: nova-compute up", 300, () => /nova-compute\s+up/.test(onHost(`${ADMIN} compute service list -f value -c Binary -c State`, { allowFailure: true })));
        await checks.waitFor("network agent list: OVN controller alive", 180, () => /OVN Controller.*(True|:-\))/.test(onHost(`${ADMIN} network agent list -f value -c 'Agent Type' -c Alive`, { allowFailure: true })));
        await checks.waitFor("volume service list: cinder-volume up", 180, () => /cinder-volume\s+up/.test(onHost(`${ADMIN} volume service list -f value -c Binary -c State`, { allowFailure: true })));
        checks.expect(onHostOk(`${ADMIN} orchestration service list`), "orchestration service list works");
        // Test guests are tiny (the guest image boots in 256 MB): a flavor of the test's own, so that
        // vm1, two smoke runs and tempest's servers fit the test host (the spec's smallest is 2 GB).
        ids.flavor = onHost(`${ADMIN} flavor create ${TEST_FLAVOR} --vcpus 1 --ram 256 --disk 1 -f value -c id`).trim();
        await checks.step("a server of the admin's on private (it stays: destroy must not be blocked by it)", async () => {
            onHost(`${ADMIN} server create vm1 --image ${GUEST_IMAGE} --flavor ${TEST_FLAVOR} --network private -f value -c id`);
            const s = await checks.waitFor("server vm1 ACTIVE", 600, () => {
                const st = onHost(`${ADMIN} server show vm1 -f value -c status`, { allowFailure: true }).trim();
                if (st === "ERROR") throw new Error(`vm1 in ERROR: ${onHost(`${ADMIN} server show vm1 -f value -c fault`, { allowFailure: true })}`);
                return st === "ACTIVE";
            });
            fig.server_active_s = s === undefined ? "n/a" : s.toFixed(0);
            fig.rss_with_guest_mb = residentMb();
        });
        await checks.step("vm1's console in a real browser: noVNC through the front door", () => consoleInBrowser(checks, fig, { server: "vm1", admin: ADMIN, frontDoor: String(out.gateway) }));
        fig.console_ok ??= 0;

        // ---- the data plane: the seeds' smoke test with the guest ---------------------------------
        const host = await connect(conn);
        log(`smoke test on ${hostLabel(conn)} (tools/smoke.ts, the product's npm run smoke)`);
        onHost([
            // "Outside": a namespace beyond the host with no route back to the provider network,
            // so only the masquerade of provider traffic makes its replies come back.
            "ip netns add outside 2>/dev/null || true",
            "ip link add veth-out type veth peer name veth-in 2>/dev/null || true",
            "ip link set veth-in netns outside 2>/dev/null || true",
            "ip addr replace 198.51.100.1/24 dev veth-out; ip link set veth-out up",
            `ip netns exec outside sh -c 'ip addr replace ${OUTSIDE_IP}/24 dev veth-in; ip link set veth-in up; ip link set lo up'`,
        ].join("\n"));
        const smokeOpts = { keypairName: "hotstack-smoke-test", sshUsername: "cirros", image: GUEST_IMAGE, flavor: TEST_FLAVOR, externalNetwork: "public", cloud: "hotstack-os",
            cleanupOnly: false, testConnectivity: true, testSsh: true, log: (l: string) => log(`  [smoke] ${l}`) };
        const smoke1Since = hostNow();
        const s1 = await smoke(host, { ...smokeOpts, stackName: "hotstack-smoke-test", keepStack: true });
        if (!s1.ok) smokeFailureLog(smoke1Since);
        for (const c of s1.checks) (c.ok ? checks.passed : checks.failed).push(`smoke: ${label(c)}`);
        const ok = (re: RegExp) => (s1.checks.some((c) => re.test(c.name)) && s1.checks.filter((c) => re.test(c.name)).every((c) => c.ok) ? 1 : 0);
        fig.smoke_stack_s = s1.stackSeconds.toFixed(0);
        fig.guest_boot_s = s1.sshSeconds.length ? Math.max(...s1.sshSeconds).toFixed(0) : "n/a";
        fig.ping_ok = ok(/^ping /);
        fig.ssh_ok = ok(/^ssh /);
        fig.metadata_ok = ok(/hostname came from metadata/) && ok(/^ssh /) ? 1 : 0;
        fig.bfv_ok = ok(/booted from its volume/);
        fig.trunk_ok = ok(/trunk/);
        const [fip1, fip2] = s1.floatingIps;
        const key = "/var/tmp/hotstack-os-smoke/id_ed25519";
        const inGuest = (ip: string, cmd: string) => onHost(`ssh -i ${key} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR cirros@${ip} '${cmd}'`, { allowFailure: true });

        await checks.step("NAT: a guest reaches an address beyond the host only through the provider network's masquerade", async () => {
            const reach = () => /1 packets received|, 0% packet loss|[1-9] received/.test(inGuest(fip2, `ping -c 2 -W 2 ${OUTSIDE_IP}`));
            const withNat = reach();
            onHost("systemctl stop hotstack-os-nat.service");
            const without = reach();
            onHost("systemctl start hotstack-os-nat.service");
            const again = reach();
            checks.expect(withNat && !without && again, "guest -> outside namespace: works with the NAT unit, fails without it, works again", `with=${withNat} without=${without} again=${again}`);
            fig.nat_ok = withNat && !without && again ? 1 : 0;
        });

        // ---- the dashboard: the project user logs in and finds a smoke guest (dashboard.ts) ---------
        await checks.step("the dashboard in a real browser: the project user logs in and finds a smoke guest", async () => {
            // The smoke stack's servers (hotstack-smoke-test-instance1-…), the user's own.
            const [serverId = "", guest = "(no smoke guest)"] = onHost(`${USER} server list -f value -c ID -c Name`, { allowFailure: true }).split("\n").map((l) => l.trim().split(/\s+/)).find(([, n]) => n?.startsWith("hotstack-smoke-test-")) ?? [];
            await dashboardInBrowser(checks, fig, { url: String(out.dashboardUrl), user: String(out.username), password: String(out.userPassword), server: guest, serverId });
        });
        fig.dashboard_login_ok ??= 0;
        fig.dashboard_instances_ok ??= 0;
        fig.dashboard_console_ok ??= 0;

        // ---- the seeds' CI sequence with a guest left running ---------------------------------
        await checks.step("stop hotstack-os.target, 60 s, the libvirt session and the guest stay up, start it again, smoke again", async () => {
            const since = hostNow();
            onHost("systemctl stop hotstack-os.target");
            await new Promise((r) => setTimeout(r, 60000));
            const uid = onHost("id -u hotstack").trim();
            checks.expect(onHostOk(`${userSystemctl("hotstack", "$(id -u hotstack)")} is-active --quiet hotstack-os-libvirtd-session.service`), "the hotstack user's libvirt session unit is still active");
            const running = onHost(`virsh -c 'qemu:///session?socket=/run/user/${uid}/libvirt/libvirt-sock' list --name`, { allowFailure: true });
            checks.expect(/notapet-/.test(running), "the guests are still running", running.trim().split("\n").join(" "));
            checks.expect(onHostOk(`ping -c 1 -W 2 ${fip2}`) || onHostOk(`ping -c 3 -W 2 ${fip2}`), "a guest answers ping through its floating IP while the services are stopped");
            onHost("systemctl start hotstack-os.target");
            await checks.waitFor("hotstack-os.target active again", 300, () => onHostOk("systemctl is-active --quiet hotstack-os.target"), 5);
            expectSyncSkipped(checks, ["keystone", "nova-api", "placement", "cinder-api", "heat-api"], since);
            log(`  restart path (s since the first unit began): ${unitStartPath(Object.keys(unitStarts()).map((u) => u.replace(/^hotstack-os-|\.service$/g, "")))}`);
            await checks.waitFor("compute and network agents up again", 300, () => /nova-compute\s+up/.test(onHost(`${ADMIN} compute service list -f value -c Binary -c State`, { allowFailure: true }))
                && /OVN Controller.*(True|:-\))/.test(onHost(`${ADMIN} network agent list -f value -c 'Agent Type' -c Alive`, { allowFailure: true })), 5);
            checks.expect(/smoke-ok/.test(inGuest(fip1, "echo smoke-ok")), "the guest that stayed up is still reachable through its floating IP (SSH)");
            // The first run's guests go before the second boots its own: on 2 cores, qemu TCG
            // guests booting beside four idle ones starved neutron-server past HAProxy's 60 s.
            const c = await smoke(host, { ...smokeOpts, stackName: "hotstack-smoke-test", keepStack: false, cleanupOnly: true });
            checks.expect(c.ok, "npm run smoke -- --cleanup-only deletes the kept stack");
            const smoke2Since = hostNow();
            // Kept, so a failure's data plane dump still sees the guests' ports; the next step deletes it.
            const s2 = await smoke(host, { ...smokeOpts, stackName: "hotstack-smoke-test-2", keepStack: true });
            if (!s2.ok) smokeFailureLog(smoke2Since);
            for (const c of s2.checks) (c.ok ? checks.passed : checks.failed).push(`smoke after restart: ${label(c)}`);
            fig.restart_smoke_ok = s2.ok ? 1 : 0;
        });
        fig.restart_smoke_ok ??= 0;
        await checks.step("npm run smoke -- --cleanup-only removes what a smoke run left", async () => {
            // The second smoke run keeps its stack (for a failure's dump): clean it up as a user would.
            const c2 = await smoke(host, { ...smokeOpts, stackName: "hotstack-smoke-test-2", keepStack: false, cleanupOnly: true });
            checks.expect(c2.ok, "cleanup-only of the second run's stack (if a failure kept it)");
            const left = onHost(`${USER} server list -f value -c Name`, { allowFailure: true }).trim();
            checks.expect(left === "", "no guest of the smoke test is left", left);
        });
        // ---- the tools a newcomer runs next: logs of every unit, the guests cleaned up (newcomer.ts)
        await logsAll(checks, host);
        await guestCleanup(checks, host, { image: GUEST_IMAGE, flavor: TEST_FLAVOR, next: () => converge("after guest cleanup", opts()) });
        await closeAllConnections();

        // ---- tempest: any failure or error fails the run ----------------------------------------
        if (!withTempest) fig.tempest_passed = fig.tempest_failed = "skipped(TEMPEST=0)";
        else {
            log("tempest: API smoke subset (identity, compute, network, image, volume)");
            await checks.step("tempest", async () => {
                await tempestInstalled;
                onHost("[ -d /root/tempest/etc ] || tempest init --name hotstack /root/tempest >/dev/null");
                putFile("/root/tempest/etc/tempest.conf", tempestConf(ids, out.adminPassword));
                // Orchestration is proven by the smoke's two Heat stacks (create, show, outputs, delete);
                // heat_tempest_plugin's API tests (one gabbi chain, run in order, ~4 s a request) are left
                // out for CI's time.
                const regex = "^tempest\\.api\\.(identity|compute|network|image|volume)\\..*\\[.*\\bsmoke\\b.*\\]";
                const r = childProcess.spawnSync("bash", [path.join(__dirname, "../testhost/ssh.sh"), `cd /root/tempest && timeout 1500 tempest run --concurrency 2 --regex '${regex}' --exclude-regex '${TEMPEST_EXCLUDE}' > /root/tempest/run.log 2>&1; echo "exit=$?"; tail -40 /root/tempest/run.log; stestr last --subunit 2>/dev/null | subunit2csv 2>/dev/null | awk -F, '$2 == "fail" {print "FAILED " $1}' | head -50; stestr last --subunit 2>/dev/null | subunit2csv 2>/dev/null | python3 -c "${SLOWEST}"`], { env: { ...process.env, TH }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
                const text = `${r.stdout}${r.stderr}`;
                const exit = Number(/exit=(\d+)/.exec(text)?.[1] ?? -1);
                const num = (label: string) => Number(new RegExp(`- ${label}: (\\d+)`).exec(text)?.[1] ?? NaN);
                const passed = num("Passed");
                const failed = num("Failed");
                fig.tempest_passed = Number.isNaN(passed) ? "n/a" : passed;
                fig.tempest_failed = Number.isNaN(failed) ? "n/a" : failed;
                const names = [...text.matchAll(/^(?:FAILED |\{\d+\} )(\S+).*\.\.\. FAILED/gm), ...text.matchAll(/^FAILED (\S+)/gm)].map((m) => m[1]);
                const good = exit === 0 && passed > 0 && failed === 0;
                checks.expect(good, "tempest: every test passed", `exit ${exit}, passed ${passed}, failed ${failed}${names.length ? `; failing: ${[...new Set(names)].join(", ")}` : ""}`);
                if (!good) log(`tempest output (tail):\n${text}`);
                log(`tempest, slowest tests:\n${text.split("\n").filter((l) => l.startsWith("SLOW ")).join("\n")}`);
            });
        }

        // ---- one option of one service: nova.conf's cpu_models ----------------------------------
        await checks.step("one nova.conf option changed (cpuModel Nehalem -> Penryn): only nova's units restart", async () => {
            const before = unitStarts();
            const since = hostNow();
            cpuModel = "Penryn";
            const r = await converge("cpuModel changed", opts());
            const restarted = restartedUnits(before, unitStarts());
            fig.one_change_s = r.seconds.toFixed(1);
            fig.one_change_restarts = restarted.join(",") || "none";
            fig.one_change_path = unitStartPath(restarted);
            expectSyncSkipped(checks, ["nova-api"], since);
            checks.expect(onHost("grep -h '^cpu_models' /var/lib/hotstack-os/config/nova-*/etc__nova__nova.conf 2>/dev/null | sort -u", { allowFailure: true }).includes("Penryn"), "nova.conf carries the new model");
            checks.expect(restarted.length > 0 && restarted.every((u) => u.startsWith("nova-")), "only nova's units restarted", restarted.join(", "));
        });

        // ---- post-setup off on a live cloud ----------------------------------------------------
        await checks.step("post-setup turned off while a user's server sits on private: refused, naming it", async () => {
            postSetup = "false";
            let message = "";
            try {
                await converge("post-setup off (vm1 on private)", opts());
            } catch (e) {
                message = (e as Error).message;
            }
            const vm1 = onHost(`${ADMIN} server show vm1 -f value -c id`, { allowFailure: true }).trim();
            checks.expect(/(network private|subnet private-subnet) .* is in use by objects this program did not make/.test(message) && message.includes(vm1), "the run fails and names vm1's port on private", message.split("\n").find((l) => /in use/.test(l))?.slice(0, 300) ?? message.slice(0, 300));
            checks.expect(onHostOk(`${ADMIN} network show private -f value -c id`) && onHostOk(`${ADMIN} server show vm1 -f value -c id`), "private and vm1 are kept");
            postSetup = "true";
            const back = await converge("post-setup on again", opts());
            checks.expect(onHostOk(`${ADMIN} flavor show hotstack.small -f value -c id`) && onHostOk(`${ADMIN} image show ${GUEST_IMAGE} -f value -c id`), "post-setup on again: its objects are back", `${changeCount(back)} changes`);
        });

        // ---- the dashboard switched off on the deployed stack --------------------------------------
        await checks.step("dashboard off on a deployed stack: its unit, image, secret, frontend and names go, nothing else", async () => {
            dashboard = "false";
            const r = await converge("dashboard off", opts());
            const changed = stepNames(r);
            log(`  dashboard off: ${changed.join(", ")}`);
            // Its own resources go; HAProxy (frontend, port 80), dnsmasq and /etc/hosts lose its name,
            // and the preflight no longer asks for port 80 (a check: it changes nothing on the host).
            const others = changed.filter((n) => !/dashboard/.test(n) && !/^update (haproxy-|dnsmasq-|fabric-hosts$|preflight$)/.test(n));
            const gone = ["delete dashboard-container", "delete images-dashboard", "delete secrets-dashboard_secret_key-podman", "delete secrets-dashboard_secret_key"].filter((n) => !changed.includes(n));
            checks.expect(others.length === 0 && gone.length === 0, "the run deletes the dashboard's unit, image and secret and updates only HAProxy, dnsmasq, the hosts block and the preflight's port list", `others: ${others.join(", ") || "none"}; not deleted: ${gone.join(", ") || "none"}`);
            const left = onHost([
                "test -e /etc/containers/systemd/hotstack-os-dashboard.container && echo unit",
                "podman image exists localhost/hotstack-os-dashboard:latest && echo image",
                "podman secret ls --format '{{.Name}}' | grep -q dashboard && echo secret",
                "grep -q 'dashboard' /var/lib/hotstack-os/config/haproxy/etc__haproxy__haproxy.cfg && echo haproxy-frontend",
                "grep -q 'dashboard.hotstack-os.local' /etc/hosts && echo hosts-entry",
                `curl -s -o /dev/null --max-time 5 http://${String(out.gateway)}/ && echo port-80-answers`,
                "true",
            ].join("; "), { allowFailure: true }).trim().split("\n").filter(Boolean);
            checks.expect(left.length === 0, "nothing of Horizon is left on the host (unit, image, secret, HAProxy frontend, hosts entry, port 80)", left.join(", ") || "none");
            const again = await converge("dashboard off, next run", opts());
            checks.expect(changeCount(again) === 0, "dashboard off: the next run changes nothing", stepNames(again).join(", "));
            fig.dashboard_off_exact = others.length === 0 && gone.length === 0 && left.length === 0 && changeCount(again) === 0 ? 1 : 0;
        });
        fig.dashboard_off_exact ??= 0;

        // ---- every password rotated on the full set, with post-setup and vm1 (ROTATE=1) ---------
        // Not in CI (about 21 minutes): run by hand, figures in the README (Measured).
        if (process.env.ROTATE === "1") {
            await checks.step("each password rotated through config (full set, post-setup, vm1 running)", async () => {
                Object.assign(fig, await rotateEach(checks, { serviceSet: "full", passwords, converge: (what) => converge(what, opts()), tokenWorks }));
                const again = await converge("run after the rotations", opts());
                checks.expect(changeCount(again) === 0, "after the rotations: the next run changes nothing", `${changeCount(again)} changes`);
                checks.expect(onHostOk(`${USER} server list -f value -c Name >/dev/null`), "after the rotations: the user's application credential (clouds.yaml hotstack-os) still works");
                checks.expect(/ACTIVE/.test(onHost(`${ADMIN} server show vm1 -f value -c status`, { allowFailure: true })), "after the rotations: vm1 is still ACTIVE");
            });
        } else {
            fig.rotations_ok = fig.rotation_restarts_exact = "skipped(ROTATE=1)";
        }

        // ---- destroy: vm1 (a user object inside the cloud) does not block it ------------------
        log("destroy (fresh process, state file only; vm1 still runs in the cloud)");
        destroyFresh(state);
        destroyed = true;
        const probes: [string, string][] = [
            ["containers", "podman ps -a --format '{{.Names}}' | grep -q hotstack-os-"],
            ["units", "ls /etc/containers/systemd/hotstack-os-* /etc/systemd/system/hotstack-os* >/dev/null 2>&1"],
            ["images", "podman images | grep -q hotstack-os-"],
            ["secrets", "podman secret ls | grep -q hotstack-os-"],
            ["podman network", "podman network exists hotstack-os"],
            ["bridges", "ovs-vsctl br-exists hot-int || ovs-vsctl br-exists hot-ex"],
            ["OVS userspace offload setting", "ovs-vsctl --if-exists get Open_vSwitch . other_config:userspace-tso-enable | grep -q ."],
            ["user hotstack", "id hotstack"],
            ["data", "test -e /var/lib/hotstack-os"],
            ["nova domains", "pgrep -f notapet-"],
            ["clouds.yaml", "test -e /etc/openstack/clouds.yaml"],
            ["openstack wrapper", "test -e /usr/local/bin/openstack"],
            ["nat table", "nft list table ip hotstack_os_nat"],
            ["ownership ledger", "test -e /var/lib/hotstack-os-ledger"],
        ];
        const left = probes.filter(([, c]) => onHostOk(c)).map(([w]) => w);
        fig.destroy_leftovers = left.length;
        checks.expect(left.length === 0, "destroy leaves nothing the program made", left.join(", "));
        checks.expect(onHostOk("virsh -c qemu:///system dominfo foreign-vm >/dev/null"), "a foreign libvirt domain is untouched");
        checks.expect(onHostOk("ip netns list | grep -q outside"), "the test's own namespace is untouched");
    } catch (e) {
        // The whole message: a failed build tells its failing step and log tail at the end.
        log(`e2e:cloud stopped: ${(e as Error).message}`);
        checks.expect(false, "e2e:cloud ran to its end", (e as Error).stack?.split("\n").slice(0, 6).join(" | "));
    } finally {
        const peak = mem?.stop(checks);
        fig.peak_mem_mb = peak ?? "n/a";
        if (!destroyed) {
            try {
                destroyFresh(state);
            } catch (e) {
                checks.expect(false, "cleanup destroy", (e as Error).message.split("\n")[0]);
            }
        }
        await closeAllConnections();
        if (!process.env.KEEP_TESTHOST) stopTestHost();
        rmState(state);
    }
    console.log(`\n${checks.summary()}`);
    const order = ["apt_limit_s", "images_s", "limit_ratio", "converge_s", "bare_to_apis_s", "first_token_s", "one_change_s", "one_change_restarts", "one_change_path", "rss_with_guest_mb", "post_setup_s", "post_setup_objects", "run2_s", "run2_changes", "server_active_s", "guest_boot_s", "smoke_stack_s", "ping_ok", "ssh_ok", "metadata_ok", "bfv_ok", "trunk_ok", "nat_ok", "restart_smoke_ok", "tempest_passed", "tempest_failed", "rotations_ok", "rotation_restarts_exact", "peak_mem_mb", "destroy_leftovers", "console_ok", "dashboard_login_ok", "dashboard_instances_ok", "dashboard_console_ok", "dashboard_rss_mb", "dashboard_off_exact", "versions_ok",
        "stopped_services_repaired", "repair_restarts_exact", "drift_file_restored", "repair_run_s"];
    console.log(figures(Object.fromEntries(order.map((k) => [k, fig[k] ?? "n/a"]))));
    if (checks.failed.length) process.exitCode = 1;
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
