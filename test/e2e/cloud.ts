// npm run e2e:cloud — the whole cloud (23 containers) from a bare test host through the harness,
// used with the openstack client as admin: services up, provider + tenant networks and a router,
// a tiny image, a flavor, a server to ACTIVE, a volume attached (both wrappers), a floating IP, a
// Heat stack created and deleted; tempest's API smoke subset; run 2 = no-op; destroy removes
// everything the program made and leaves a foreign libvirt domain alone. One line of figures.
import * as childProcess from "node:child_process";
import * as path from "node:path";
import { changeCount } from "../harness/engine";
import { TH, loadBaseImage, onHost, onHostOk, startTestHost, stopTestHost } from "../support/testhost";
import { converge, destroyFresh, figures, log, rmState, stateFile, testStackConfig } from "./common";

const OS = "openstack --os-cloud hotstack-os-admin";

/** Runs an openstack command on the host; returns stdout (value format). */
function os(cmd: string, allowFailure = false): string {
    return onHost(`${OS} ${cmd}`, { allowFailure }).trim();
}

async function waitFor(what: string, seconds: number, test: () => boolean): Promise<number> {
    const t = Date.now();
    while (!test()) {
        if (Date.now() - t > seconds * 1000) throw new Error(`${what}: not reached in ${seconds} s`);
        await new Promise((r) => setTimeout(r, 3000));
    }
    return (Date.now() - t) / 1000;
}

/**
 * A 1 MiB raw disk whose boot sector loops forever: bootable, made offline, boots in any emulator.
 * It carries one partition entry: nova's image safety check rejects an MBR without partitions.
 */
function tinyImage(): Buffer {
    const img = Buffer.alloc(1024 * 1024);
    img[0] = 0xeb; // jmp $
    img[1] = 0xfe;
    const pte = 446; // first partition table entry: active, Linux, LBA 1 up to the end of the disk
    img.set([0x80, 0x00, 0x02, 0x00, 0x83, 0xfe, 0xff, 0xff], pte);
    img.writeUInt32LE(1, pte + 8);
    img.writeUInt32LE(img.length / 512 - 1, pte + 12);
    img[510] = 0x55; // boot signature
    img[511] = 0xaa;
    return img;
}

function putFile(remote: string, data: Buffer | string): void {
    childProcess.execFileSync("bash", [path.join(__dirname, "../testhost/ssh.sh"), `cat > ${remote}`], { input: data, env: { ...process.env, TH } });
}

/** Peak memory of the test host container (all nested containers included), sampled. */
function memorySampler(): { stop: () => number } {
    let peak = 0;
    const sample = () => {
        const r = childProcess.spawnSync("podman", ["stats", "--no-stream", "--format", "{{.MemUsage}}", "hotstack-testhost"]);
        const m = /^([\d.]+)([kMG]i?B)/.exec(r.stdout?.toString().trim() ?? "");
        if (m) peak = Math.max(peak, Number(m[1]) * ({ kB: 1 / 1024, kiB: 1 / 1024, MB: 1, MiB: 1, GB: 1024, GiB: 1024 } as Record<string, number>)[m[2]]);
    };
    const timer = setInterval(sample, 10000);
    return { stop: () => (clearInterval(timer), sample(), Math.round(peak)) };
}

const NETWORK_EXTENSIONS = ["address-scope", "agent", "allowed-address-pairs", "binding", "dhcp_agent_scheduler", "external-net",
    "extra_dhcp_opt", "extraroute", "net-mtu", "port-security", "project-id", "provider", "quotas", "router", "security-group",
    "standard-attr-description", "standard-attr-tag", "subnet_allocation", "trunk", "trunk-details"];

// Left out, with the reason: tempest from trixie updates a credential's project_id and type, which
// keystone's security fix (credentials: only the blob is mutable) rejects with 400 since.
const TEMPEST_EXCLUDE = "test_credentials_create_get_update_delete";

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
# cinder is registered as volumev3 (services.md), tempest looks for block-storage by default
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
[heat_plugin]
username = admin
password = ${adminPassword}
project_name = admin
user_domain_name = Default
project_domain_name = Default
admin_username = admin
admin_password = ${adminPassword}
admin_project_name = admin
admin_user_domain_name = Default
admin_project_domain_name = Default
auth_url = http://keystone.hotstack-os.local:5000/v3
auth_version = 3
region = RegionOne
`;
}

async function main(): Promise<void> {
    const conn = startTestHost(true);
    loadBaseImage();
    log("test tooling on the test host (not the product): openstack client, tempest, heat tempest plugin");
    onHost("export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends python3-openstackclient python3-heatclient tempest heat-tempest-plugin >/dev/null");
    // A libvirt domain that is not nova's: destroy must leave it alone.
    onHost("virsh -c qemu:///system define /dev/stdin >/dev/null <<'EOF'\n<domain type='qemu'><name>foreign-vm</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>\nEOF");
    const state = stateFile("e2e-cloud");
    rmState(state);
    const opts = () => ({ stateFile: state, ...testStackConfig(conn, { serviceSet: "full" }) });
    const problems: string[] = [];
    const expect = (ok: boolean, what: string) => {
        if (!ok) problems.push(what);
        log(`${ok ? "ok  " : "FAIL"} ${what}`);
    };
    const mem = memorySampler();

    const run1 = await converge("run 1 (bare host: 11 images, 23 containers)", opts());
    const bareToApis = run1.seconds;
    onHost(`mkdir -p /root/.config/openstack && cat > /root/.config/openstack/clouds.yaml <<'EOF'\n${run1.outputs.cloudsYaml}EOF`);

    log("services");
    await waitFor("nova-compute up", 300, () => /nova-compute\s+up/.test(os("compute service list -f value -c Binary -c State", true)));
    expect(true, "compute service list: nova-compute up");
    await waitFor("OVN controller alive", 180, () => /OVN Controller.*(True|:-\))/.test(os("network agent list -f value -c 'Agent Type' -c Alive", true)));
    expect(true, "network agent list: OVN controller alive");
    await waitFor("cinder-volume up", 180, () => /cinder-volume\s+up/.test(os("volume service list -f value -c Binary -c State", true)));
    expect(true, "volume service list: cinder-volume up");
    expect(onHostOk(`${OS} orchestration service list`), "orchestration service list works");

    log("admin scenario");
    const step = async (what: string, fn: () => Promise<unknown> | unknown) => {
        const t = Date.now();
        try {
            await fn();
            log(`  ${((Date.now() - t) / 1000).toFixed(1).padStart(6)} s  ${what}`);
        } catch (e) {
            problems.push(`${what}: ${(e as Error).message.split("\n").slice(0, 4).join(" ")}`);
            log(`  FAIL ${what}: ${(e as Error).message.split("\n").slice(0, 6).join(" | ")}`);
        }
    };
    const ids: Record<string, string> = {};
    let serverActiveS = -1;
    await step("provider network public on physnet provider + subnet", () => {
        ids.publicNet = os("network create public --external --share --provider-network-type flat --provider-physical-network provider -f value -c id");
        os("subnet create public-subnet --network public --subnet-range 172.31.0.128/25 --gateway 172.31.0.129 --no-dhcp --allocation-pool start=172.31.0.130,end=172.31.0.200");
    });
    await step("tenant network, subnet, router with external gateway", () => {
        os("network create private");
        os("subnet create private-subnet --network private --subnet-range 192.168.100.0/24 --dns-nameserver 172.31.0.129");
        os("router create router1 --external-gateway public");
        os("router add subnet router1 private-subnet");
    });
    await step("image (a bootable 1 MiB raw disk made offline)", () => {
        putFile("/tmp/tiny.raw", tinyImage());
        ids.image = os("image create tiny --disk-format raw --container-format bare --public --file /tmp/tiny.raw -f value -c id");
    });
    await step("flavor", () => {
        ids.flavor = os("flavor create tiny --vcpus 1 --ram 128 --disk 1 --public -f value -c id");
    });
    await step("server to ACTIVE", async () => {
        os(`server create vm1 --image tiny --flavor tiny --network private`);
        serverActiveS = await waitFor("server ACTIVE", 600, () => {
            const s = os("server show vm1 -f value -c status", true);
            if (s === "ERROR") throw new Error(`server in ERROR: ${os("server show vm1 -f value -c fault", true)}`);
            return s === "ACTIVE";
        });
    });
    await step("volume created and attached (qemu-img and mount.nfs wrappers)", async () => {
        os("volume create --size 1 vol1");
        await waitFor("volume available", 300, () => os("volume show vol1 -f value -c status", true) === "available");
        os("server add volume vm1 vol1");
        await waitFor("volume in-use", 300, () => os("volume show vol1 -f value -c status", true) === "in-use");
    });
    await step("floating IP on the provider network, associated", () => {
        const fip = os("floating ip create public -f value -c floating_ip_address");
        os(`server add floating ip vm1 ${fip}`);
    });
    await step("heat stack created and deleted", async () => {
        putFile("/tmp/stack.yaml", "heat_template_version: rocky\nresources:\n  net:\n    type: OS::Neutron::Net\n  subnet:\n    type: OS::Neutron::Subnet\n    properties:\n      network: {get_resource: net}\n      cidr: 10.77.0.0/24\n");
        os("stack create -t /tmp/stack.yaml --wait st1");
        os("stack delete --yes --wait st1");
    });

    log("tempest: API smoke subset (identity, compute, network, image, volume, orchestration)");
    let tempest = { passed: 0, failed: 0, skipped: 0 };
    await step("tempest", () => {
        onHost("[ -d /root/tempest/etc ] || tempest init --name hotstack /root/tempest >/dev/null");
        putFile("/root/tempest/etc/tempest.conf", tempestConf(ids, run1.outputs.adminPassword));
        const regex = "^(tempest\\.api\\.(identity|compute|network|image|volume)\\..*\\[.*\\bsmoke\\b.*\\]|heat_tempest_plugin\\.tests\\.api\\.)";
        const out = onHost(`cd /root/tempest && timeout 1500 tempest run --concurrency 2 --regex '${regex}' --exclude-regex '${TEMPEST_EXCLUDE}' 2>&1 | tail -40`, { allowFailure: true });
        const num = (label: string) => Number(new RegExp(`- ${label}: (\\d+)`).exec(out)?.[1] ?? 0);
        tempest = { passed: num("Passed"), failed: num("Failed"), skipped: num("Skipped") };
        log(`  tempest passed=${tempest.passed} failed=${tempest.failed} skipped=${tempest.skipped}`);
        if (tempest.failed > 0 || tempest.passed === 0) log(`  tempest output (tail):\n${out}`);
        if (tempest.passed === 0) throw new Error("tempest ran no test");
    });

    const run2 = await converge("run 2", opts());
    expect(changeCount(run2) === 0, "run 2 changes nothing");
    const peakMem = mem.stop();

    log("destroy (fresh process, state file only)");
    destroyFresh(state);
    const probes: [string, string][] = [
        ["containers", "podman ps -a --format '{{.Names}}' | grep -q hotstack-os-"],
        ["units", "ls /etc/containers/systemd/hotstack-os-* /etc/systemd/system/hotstack-os* >/dev/null 2>&1"],
        ["images", "podman images | grep -q hotstack-os-"],
        ["secrets", "podman secret ls | grep -q hotstack-os-"],
        ["podman network", "podman network exists hotstack-os"],
        ["bridges", "ovs-vsctl br-exists hot-int || ovs-vsctl br-exists hot-ex"],
        ["user hotstack", "id hotstack"],
        ["data", "test -e /var/lib/hotstack-os"],
        ["nova domains", "pgrep -f notapet-"],
    ];
    const left = probes.filter(([, c]) => onHostOk(c)).map(([w]) => w);
    expect(left.length === 0, `destroy leaves nothing the program made (${left.join(", ")})`);
    expect(onHostOk("virsh -c qemu:///system dominfo foreign-vm >/dev/null"), "a foreign libvirt domain is untouched");

    if (!process.env.KEEP_TESTHOST) stopTestHost();
    rmState(state);
    console.log(problems.length ? `\n${problems.length} problem(s):\n  ${problems.join("\n  ")}` : "\nall checks passed");
    console.log(figures({
        bare_to_apis_s: bareToApis.toFixed(0),
        server_active_s: serverActiveS.toFixed(0),
        run2_changes: changeCount(run2),
        tempest_passed: tempest.passed,
        tempest_failed: tempest.failed,
        peak_mem_mb: peakMem,
        destroy_leftovers: left.length,
    }));
    if (problems.length || left.length) process.exitCode = 1;
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
