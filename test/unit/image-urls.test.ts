// The default image list (components/post-setup-plan.ts, and Pulumi.yaml which declares the same
// defaults) downloads from URLs that the publishers keep stable. Each one is held to the form its
// publisher documents today, so a renamed download is a failing test here, not a failed first
// `pulumi up` for a newcomer.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import * as yaml from "js-yaml";
import { IMAGE_DEFAULTS } from "../../components/post-setup-plan";

const HOTSTACK = "https://github.com/openstack-k8s-operators/hotstack/releases/download";

/**
 * name → the current URL. HotStack-OS's post-setup (the defaults we mirror):
 * https://github.com/openstack-k8s-operators/hotstack/blob/main/devsetup/hotstack-os/scripts/post-setup.py
 * — it moved CentOS Stream 9 to the `GenericCloud-x86_64-9-latest` name in commit 4d7e922 because
 * the older `GenericCloud-9-latest` name "seems to be gone" (listing:
 * https://cloud.centos.org/centos/9-stream/x86_64/images/). Ubuntu's "current" alias:
 * https://cloud-images.ubuntu.com/noble/current/. uefi-netboot is a HotStack release asset
 * (https://github.com/openstack-k8s-operators/hotstack/releases/tag/latest-uefi-netboot).
 */
const CURRENT: Record<string, string> = {
    cirros: "http://download.cirros-cloud.net/0.6.2/cirros-0.6.2-x86_64-disk.img",
    "CentOS-Stream-GenericCloud-9": "https://cloud.centos.org/centos/9-stream/x86_64/images/CentOS-Stream-GenericCloud-x86_64-9-latest.x86_64.qcow2",
    "hotstack-controller": `${HOTSTACK}/latest-controller/controller-latest.qcow2`,
    "sushy-tools-blank-image": `${HOTSTACK}/latest-blank/blank-image-latest.qcow2`,
    "uefi-netboot": `${HOTSTACK}/latest-uefi-netboot/uefi-netboot-latest.img`,
    "ipxe-boot-usb": `${HOTSTACK}/latest-ipxe/ipxe-bios-latest.img`,
    "ipxe-rescue-uefi": `${HOTSTACK}/latest-ipxe/ipxe-efi-latest.img`,
    "ipxe-rescue-bios": `${HOTSTACK}/latest-ipxe/ipxe-bios-latest.img`,
    "nat64-appliance": "https://github.com/openstack-k8s-operators/openstack-k8s-operators-ci/releases/download/latest/nat64-appliance-latest.qcow2",
    "ubuntu-noble-server": "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img",
};

/** Names that the publishers no longer serve: never a default again. */
const GONE = [/CentOS-Stream-GenericCloud-9-latest\.x86_64\.qcow2$/];

const declared = () => {
    const project = yaml.load(fs.readFileSync(path.resolve(__dirname, "../../Pulumi.yaml"), "utf8")) as { config: { images: { default: { name: string; url?: string }[] } } };
    return project.config.images.default;
};

test("every default image URL has its publisher's current form", () => {
    for (const [where, list] of [["components/post-setup-plan.ts", IMAGE_DEFAULTS], ["Pulumi.yaml", declared()]] as const) {
        assert.deepEqual(list.map((i) => i.name).sort(), Object.keys(CURRENT).sort(), `${where}: the ten default images`);
        for (const img of list) {
            assert.equal(img.url, CURRENT[img.name], `${where}: ${img.name}`);
            for (const gone of GONE) assert.doesNotMatch(img.url ?? "", gone, `${where}: ${img.name} uses a name that is gone`);
            assert.match(img.url ?? "", /^https?:\/\/[^/]+\/\S+\.(qcow2|img)$/, `${where}: ${img.name} is a direct download`);
        }
    }
});
