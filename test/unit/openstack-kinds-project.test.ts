// Cloud objects that belong to a project (quotas, the default group's rules) follow the project
// the spec names: a project deleted by hand and made again (a new id) replaces them, so they
// land on the new project, and the diff settles after one run.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cloudObjectProviders } from "../../providers/cloud-object";
import { UNKNOWN } from "../../providers/kit";
import { Ctx } from "../../providers/openstack/kind";
import { computeQuota } from "../../providers/openstack/kinds/compute";
import { networkQuota } from "../../providers/openstack/kinds/network";

const common = { host: "main", ledgerDir: "/var/lib/hotstack-os/cloud-ledger" };

/** A cloud that answers every GET with the given body (404 for projects not in `projects`) and records each call. */
function fakeCloud(body: Record<string, unknown>, projects: string[] = []) {
    const calls: { service: string; method: string; path: string; body?: unknown }[] = [];
    const cloud = {
        async request(service: string, method: string, path: string, opts: { body?: unknown; ok?: number[] } = {}) {
            calls.push({ service, method, path, body: opts.body });
            if (service === "identity") {
                const id = decodeURIComponent(path.split("/").pop()!);
                return projects.includes(id) ? { status: 200, headers: {}, body: { project: { id } } } : { status: 404, headers: {}, body: {} };
            }
            return { status: 200, headers: {}, body };
        },
    };
    return { cloud, calls };
}

const ctx = (kind: string, spec: Record<string, unknown>, cloud: unknown): Ctx => ({ host: undefined as any, props: { kind, name: kind, scope: "hotstack", spec }, cloud: cloud as any, admin: cloud as any });

describe("quotas follow the spec's project", () => {
    const olds = { ...common, kind: "computeQuota", name: "compute", scope: "hotstack", spec: { project: "p-old", cores: 20 }, observed: { project: "p-old", cores: 20 }, adopted: true };
    const news = (project: string) => ({ ...common, kind: "computeQuota", name: "compute", scope: "hotstack", spec: { project, cores: 20 } });

    test("the same project: no change", async () => {
        assert.equal((await cloudObjectProviders.compute.diff!("p-old", olds, news("p-old"))).changes, false);
    });

    test("a new project (made again, new id): the quota set is replaced, the old one's put back first", async () => {
        const d = await cloudObjectProviders.compute.diff!("p-old", olds, news("p-new"));
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, ["spec.project"]);
        assert.equal(d.deleteBeforeReplace, true);
    });

    test("a project not known yet (preview while it is made again): replaced, as up will", async () => {
        const d = await cloudObjectProviders.compute.diff!("p-old", olds, news(UNKNOWN));
        assert.deepEqual(d.replaces, ["spec.project"]);
    });

    test("a spec wholly unknown (preview): a change, replacing nothing it cannot name", async () => {
        const d = await cloudObjectProviders.compute.diff!("p-old", olds, { ...news("p-old"), spec: UNKNOWN });
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, []);
    });

    test("network and volume quotas alike", async () => {
        const n = { ...olds, kind: "networkQuota", name: "network" };
        assert.deepEqual((await cloudObjectProviders.network.diff!("p-old", n, { ...news("p-new"), kind: "networkQuota", name: "network" })).replaces, ["spec.project"]);
        const v = { ...olds, kind: "volumeQuota", name: "volume" };
        assert.deepEqual((await cloudObjectProviders.volume.diff!("p-old", v, { ...news("p-new"), kind: "volumeQuota", name: "volume" })).replaces, ["spec.project"]);
    });

    test("update sets the limits on the spec's project, whatever id it is given", async () => {
        const { cloud, calls } = fakeCloud({ quota_set: { cores: 40 } });
        const o = await computeQuota.update!(ctx("computeQuota", { project: "p-new", cores: 40 }, cloud), "p-old", ["cores"]);
        const puts = calls.filter((c) => c.method === "PUT");
        assert.deepEqual(puts.map((c) => c.path), ["/os-quota-sets/p-new"]);
        assert.deepEqual(puts[0].body, { quota_set: { cores: 40 } });
        assert.deepEqual(o, { id: "p-new", attrs: { project: "p-new", cores: 40 } });
        assert.ok(!calls.some((c) => c.path.includes("p-old")), JSON.stringify(calls));
    });

    test("delete puts back the values found on a project that still exists; a project keystone no longer knows is left alone", async () => {
        const there = fakeCloud({ quota: {} }, ["p-old"]);
        await networkQuota.restore!(ctx("networkQuota", { project: "p-old", port: 500 }, there.cloud), "p-old", { project: "p-old", port: 100 });
        assert.deepEqual(there.calls.filter((c) => c.method === "PUT").map((c) => [c.path, c.body]), [["/v2.0/quotas/p-old", { quota: { port: 100 } }]]);

        const gone = fakeCloud({ quota: {} });
        await networkQuota.restore!(ctx("networkQuota", { project: "p-old", port: 500 }, gone.cloud), "p-old", { project: "p-old", port: 100 });
        assert.deepEqual(gone.calls.filter((c) => c.method === "PUT"), []);
    });
});

describe("a security group rule belongs to its project", () => {
    const spec = (project: string) => ({ project, direction: "ingress", protocol: "tcp", ports: "22-22", remote: "0.0.0.0/0" });
    const olds = { ...common, kind: "securityGroupRule", name: "ssh", scope: "hotstack", spec: spec("p-old"), observed: { securityGroup: "sg-old", direction: "ingress", protocol: "tcp", ports: "22-22", remote: "0.0.0.0/0" }, adopted: false };
    const news = (project: string) => ({ ...common, kind: "securityGroupRule", name: "ssh", scope: "hotstack", spec: spec(project) });

    test("the same project: no change", async () => {
        assert.equal((await cloudObjectProviders.network.diff!("r1", olds, news("p-old"))).changes, false);
    });

    test("a new project: the rule is replaced (made on the new project's default group)", async () => {
        const d = await cloudObjectProviders.network.diff!("r1", olds, news("p-new"));
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, ["spec.project"]);
        assert.equal(d.deleteBeforeReplace, true);
    });

    test("a project not known yet (preview): replaced", async () => {
        assert.deepEqual((await cloudObjectProviders.network.diff!("r1", olds, news(UNKNOWN))).replaces, ["spec.project"]);
    });
});
