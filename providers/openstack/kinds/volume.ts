// Cinder objects of post-setup (post-setup-and-smoke.md §1.2): the project's volume quotas.
import { Ctx, Kind, Observed } from "../kind";

// (The volumev3 endpoint already ends with the admin's project id.)
async function getVolumeQuota(x: Ctx, id: string): Promise<Observed> {
    const r = await x.cloud.request("volumev3", "GET", `/os-quota-sets/${id}`);
    const keys = Object.keys(x.props.spec).filter((k) => k !== "project");
    return { id, attrs: { project: id, ...Object.fromEntries(keys.map((k) => [k, r.body.quota_set[k]])) } };
}

async function setVolumeQuota(x: Ctx, id: string): Promise<Observed> {
    const { project: _p, ...limits } = x.props.spec;
    await x.cloud.request("volumev3", "PUT", `/os-quota-sets/${id}`, { body: { quota_set: limits } });
    return getVolumeQuota(x, id);
}

/** A project's volume quotas (spec: the limits). They always exist: delete puts back what was found. */
export const volumeQuota: Kind = {
    service: "volumev3",
    always: true,
    find: (x) => getVolumeQuota(x, x.props.spec.project),
    get: getVolumeQuota,
    create: (x) => setVolumeQuota(x, x.props.spec.project),
    update: (x, id) => setVolumeQuota(x, id),
    async restore(x, id, original) {
        const { project: _p, ...limits } = original;
        await x.cloud.request("volumev3", "PUT", `/os-quota-sets/${id}`, { body: { quota_set: limits }, ok: [404] });
    },
    async remove() {
        // quotas are never removed
    },
};
