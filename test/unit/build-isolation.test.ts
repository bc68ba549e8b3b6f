// buildIsolation: which `podman build --isolation` a host gets from the buildIsolation option.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { buildIsolation } from "../../components/images";

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("buildIsolation", () => {
    test('"auto": chroot only in a container on cgroup v1; oci anywhere else, and when a fact is unknown', async () => {
        assert.equal(await value(buildIsolation("auto", { cgroupV2: false, inContainer: true })), "chroot");
        assert.equal(await value(buildIsolation("auto", { cgroupV2: pulumi.output(false), inContainer: pulumi.output(true) })), "chroot");
        assert.equal(await value(buildIsolation("auto", { cgroupV2: false, inContainer: false })), "oci");
        assert.equal(await value(buildIsolation("auto", { cgroupV2: true, inContainer: true })), "oci");
        assert.equal(await value(buildIsolation("auto", { cgroupV2: undefined, inContainer: true })), "oci");
    });
    test("a configured isolation wins over the host's facts", async () => {
        assert.equal(await value(buildIsolation("oci", { cgroupV2: false, inContainer: true })), "oci");
        assert.equal(await value(buildIsolation("chroot", { cgroupV2: true, inContainer: false })), "chroot");
    });
});
