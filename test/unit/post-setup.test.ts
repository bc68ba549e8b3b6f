// Post-setup's config: the spec's defaults, and bad input refused
// before anything touches the host or the cloud, naming the key and the value.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, RawConfig, parseConfig } from "../../components/config";
import { FLAVOR_DEFAULTS, IMAGE_DEFAULTS, QUOTA_DEFAULTS } from "../../components/post-setup-plan";
import { cloudEntries } from "../../components/cloud-access";
import { parseClouds, retryTransient } from "../../providers/openstack/api";
import { splitBlock, withBlock } from "../../providers/file-block";

function problems(raw: RawConfig): string[] {
    try {
        parseConfig(raw);
        return [];
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.problems;
    }
}

describe("post-setup config", () => {
    test("defaults are the spec's: project and user hotstack, 17 quotas, 7 flavors, networks, ten images", () => {
        const p = parseConfig({}).postSetup!;
        assert.equal(p.project, "hotstack");
        assert.equal(p.user, "hotstack");
        assert.equal(p.role, "member");
        assert.deepEqual(p.roleFallbacks, ["_member_"]);
        assert.equal(Object.values(p.quotas).reduce((n, q) => n + Object.keys(q).length, 0), 17);
        assert.deepEqual(p.quotas, QUOTA_DEFAULTS);
        assert.equal(p.quotas.compute.ram, 307200);
        assert.deepEqual(p.flavors.map((f) => f.name), ["hotstack.small", "hotstack.medium", "hotstack.mlarge", "hotstack.large", "hotstack.xlarge", "hotstack.xxlarge", "hotstack.xxxlarge"]);
        assert.deepEqual(p.flavors[0], { name: "hotstack.small", vcpus: 1, ram: 2048, disk: 20 });
        assert.equal(p.privateCidr, "192.168.100.0/24");
        assert.deepEqual(p.privateDns, ["172.31.0.129"], "DNS = the hot-ex address");
        assert.equal(p.providerCidr, "172.31.0.128/25");
        assert.equal(p.providerGateway, "172.31.0.129");
        assert.deepEqual(p.providerPool, ["172.31.0.130", "172.31.0.200"]);
        assert.equal(p.physicalNetwork, "provider");
        assert.equal(p.networkType, "flat");
        assert.equal(p.appCredentialName, "hotstack-cred");
        assert.equal(p.sshPublicKey, "", "no keypair unless a key is configured");
        assert.equal(p.images.length, 10);
    });

    test("the default image list has the spec's names, formats and properties, and a URL each", () => {
        const byName = Object.fromEntries(IMAGE_DEFAULTS.map((i) => [i.name, i]));
        assert.deepEqual(Object.keys(byName), ["cirros", "CentOS-Stream-GenericCloud-9", "hotstack-controller", "sushy-tools-blank-image", "uefi-netboot", "ipxe-boot-usb", "ipxe-rescue-uefi", "ipxe-rescue-bios", "nat64-appliance", "ubuntu-noble-server"]);
        for (const img of IMAGE_DEFAULTS) {
            assert.match(img.url!, /^https?:\/\/[a-z0-9.-]+\/\S+\.(img|qcow2)$/, img.name);
            assert.equal(img.file, undefined);
        }
        assert.equal(byName.cirros.url, "http://download.cirros-cloud.net/0.6.2/cirros-0.6.2-x86_64-disk.img");
        assert.equal(byName["uefi-netboot"].diskFormat, "raw");
        assert.equal(byName["ipxe-boot-usb"].url, byName["ipxe-rescue-bios"].url, "the same file, downloaded once");
        assert.deepEqual(byName["ipxe-rescue-uefi"].properties, { os_shutdown_timeout: "5", hw_firmware_type: "uefi", hw_machine_type: "q35", hw_rescue_device: "cdrom", hw_rescue_bus: "usb" });
        assert.deepEqual(byName["sushy-tools-blank-image"].properties, { hw_firmware_type: "uefi", hw_machine_type: "q35", os_shutdown_timeout: "5" });
        for (const n of ["hotstack-controller", "sushy-tools-blank-image", "uefi-netboot", "ipxe-boot-usb", "ipxe-rescue-uefi"]) {
            assert.ok(byName[n].url!.startsWith("https://github.com/openstack-k8s-operators/hotstack/releases/download/"), n);
        }
    });

    test("overrides: quotas merge over the defaults, images from a file, [] = none, post-setup off", () => {
        const p = parseConfig({ quotas: '{"cores": 4, "volumes": 2}', images: '[{"name": "guest", "file": "/var/tmp/guest.raw", "diskFormat": "raw"}]', sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0 me@lab" }).postSetup!;
        assert.equal(p.quotas.compute.cores, 4);
        assert.equal(p.quotas.compute.instances, 50);
        assert.equal(p.quotas.volume.volumes, 2);
        assert.deepEqual(p.images, [{ name: "guest", file: "/var/tmp/guest.raw", diskFormat: "raw", properties: {} }]);
        assert.equal(parseConfig({ images: "[]" }).postSetup!.images.length, 0);
        assert.equal(parseConfig({ postSetup: "false" }).postSetup, undefined);
        assert.equal(parseConfig({ serviceSet: "identity" }).postSetup, undefined, "needs the full service set");
        assert.equal(FLAVOR_DEFAULTS.length, 7);
    });

    const refused: [string, RawConfig, RegExp][] = [
        ["a negative quota", { quotas: '{"cores": -1}' }, /hotstack-os:quotas\.cores = -1: must be a non-negative integer/],
        ["an unknown quota", { quotas: '{"vcpus": 4}' }, /hotstack-os:quotas\.vcpus = 4: is not a quota this program sets/],
        ["a flavor with 0 vCPUs", { flavors: '[{"name": "tiny", "vcpus": 0, "ram": 64, "disk": 1}]' }, /hotstack-os:flavors\[0\]\.vcpus = 0: must be an integer of at least 1/],
        ["duplicate flavor names", { flavors: '[{"name": "a", "vcpus": 1, "ram": 64, "disk": 1}, {"name": "a", "vcpus": 2, "ram": 64, "disk": 1}]' }, /hotstack-os:flavors\[1\]\.name = "a": is a duplicate/],
        ["privateCidr overlapping the provider network", { privateCidr: "172.31.0.128/26" }, /hotstack-os:privateCidr = "172\.31\.0\.128\/26": overlaps hotstack-os:providerNetwork 172\.31\.0\.128\/25/],
        ["privateCidr overlapping the container network", { privateCidr: "172.31.0.0/24" }, /hotstack-os:privateCidr = "172\.31\.0\.0\/24": overlaps hotstack-os:providerNetwork/],
        ["an image without url or file", { images: '[{"name": "x", "diskFormat": "raw"}]' }, /hotstack-os:images\[0\] = \{\}: must have exactly one of url .* or file/],
        ["an image with both url and file", { images: '[{"name": "x", "url": "http://a/b.img", "file": "/b.img", "diskFormat": "raw"}]' }, /hotstack-os:images\[0\] = .*must have exactly one of url/],
        ["an unknown diskFormat", { images: '[{"name": "x", "file": "/x.img", "diskFormat": "qcow3"}]' }, /hotstack-os:images\[0\]\.diskFormat = "qcow3": must be one of qcow2, raw/],
        ["images that are not JSON", { images: "cirros" }, /hotstack-os:images = "cirros": must be JSON/],
        ["a pool outside the provider network", { providerAllocationPool: "172.31.1.10-172.31.1.20" }, /hotstack-os:providerAllocationPool = "172\.31\.1\.10-172\.31\.1\.20": must lie inside hotstack-os:providerNetwork/],
        ["a pool with the gateway in it", { providerAllocationPool: "172.31.0.129-172.31.0.140" }, /must not contain hotstack-os:hotExIp 172\.31\.0\.129/],
        ["a key that is not a public key", { sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" }, /hotstack-os:sshPublicKey = .*: must be one OpenSSH public key line/],
        ["post-setup asked for without the full cloud", { serviceSet: "identity", postSetup: "true" }, /hotstack-os:postSetup = true: needs hotstack-os:serviceSet full/],
    ];
    for (const [what, raw, expected] of refused) {
        test(`refuses ${what}`, () => {
            const p = problems(raw);
            assert.ok(p.some((line) => expected.test(line)), `expected ${expected} in:\n${p.join("\n")}`);
        });
    }

    test("every problem at once, each naming its key", () => {
        const p = problems({ quotas: '{"cores": -1}', flavors: '[{"name": "x", "vcpus": 0, "ram": 1, "disk": 1}]', privateCidr: "172.31.0.0/24" });
        assert.equal(p.length, 4, p.join("\n")); // the CIDR overlaps both the provider and the container network
    });
});

describe("clouds on the host", () => {
    test("clouds.yaml entries: admin and the project user, read back by the providers' parser", () => {
        const text = `clouds:\n${cloudEntries({ authUrl: "http://keystone.hotstack-os.local:5000/v3", region: "RegionOne", adminPassword: "pw-admin", user: { name: "hotstack", project: "hotstack", password: "pw-user" } })}`;
        const clouds = parseClouds(text);
        assert.deepEqual(Object.keys(clouds), ["hotstack-os-admin", "hotstack-os"]);
        assert.deepEqual(clouds["hotstack-os"], { authUrl: "http://keystone.hotstack-os.local:5000/v3", username: "hotstack", password: "pw-user", projectName: "hotstack", userDomain: "Default", projectDomain: "Default", region: "RegionOne" });
        assert.equal(clouds["hotstack-os-admin"].password, "pw-admin");
    });

    test("our block goes under the user's clouds: key, leaves their clouds alone, and comes out again", () => {
        const theirs = "clouds:\n  mine:\n    auth:\n      auth_url: http://x\n";
        const ours = withBlock(theirs, "hotstack-os clouds", "  hotstack-os-admin:\n    region_name: RegionOne\n", "clouds:");
        assert.equal(ours, "clouds:\n# BEGIN hotstack-os clouds\n  hotstack-os-admin:\n    region_name: RegionOne\n# END hotstack-os clouds\n  mine:\n    auth:\n      auth_url: http://x\n");
        assert.deepEqual(splitBlock(ours, "hotstack-os clouds").inside, ["  hotstack-os-admin:", "    region_name: RegionOne"]);
        assert.equal(withBlock(ours, "hotstack-os clouds", undefined), theirs);
    });
});

describe("API requests after a database restart", () => {
    const answers = (...statuses: number[]) => {
        const sent: number[] = [];
        return { sent, send: async () => { const status = statuses[sent.length] ?? 200; sent.push(status); return { status, headers: {}, body: {} }; } };
    };

    test("a read answered 500 (dead pooled DB connections) is sent again until it is answered", async () => {
        const a = answers(500, 503);
        assert.equal((await retryTransient(true, a.send, 4, 1)).status, 200);
        assert.deepEqual(a.sent, [500, 503, 200]);
    });

    test("a read that keeps failing gives its last answer after the last try; a write is sent once", async () => {
        const failing = answers(500, 500, 500, 500, 500);
        assert.equal((await retryTransient(true, failing.send, 4, 1)).status, 500);
        assert.equal(failing.sent.length, 4);
        const write = answers(500);
        assert.equal((await retryTransient(false, write.send, 4, 1)).status, 500);
        assert.deepEqual(write.sent, [500]);
        const missing = answers(404);
        assert.equal((await retryTransient(true, missing.send, 4, 1)).status, 404, "a 404 is an answer, not a transient error");
        assert.equal(missing.sent.length, 1);
    });
});
