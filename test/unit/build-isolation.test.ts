// buildIsolation: which `podman build --isolation` a host gets from the buildIsolation option.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { buildIsolation } from "../../components/images";

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("buildIsolation", () => {
    test('"auto": oci on cgroup v2, chroot on v1, oci when the fact is not known yet', async () => {
        assert.equal(await value(buildIsolation("auto", true)), "oci");
        assert.equal(await value(buildIsolation("auto", false)), "chroot");
        assert.equal(await value(buildIsolation("auto", undefined)), "oci");
        assert.equal(await value(buildIsolation("auto", pulumi.output(false))), "chroot");
    });
    test("a configured isolation wins over the host's cgroup version", async () => {
        assert.equal(await value(buildIsolation("oci", false)), "oci");
        assert.equal(await value(buildIsolation("chroot", true)), "chroot");
    });
});
