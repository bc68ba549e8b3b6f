// Nova objects of post-setup: flavors, the project's
// compute quotas and the project user's keypair.
import { Ctx, Kind, Observed, getOrUndefined, pick, q, quotaKind, removeIfThere } from "../kind";

const flavorAttrs = (f: any) => ({ vcpus: f.vcpus, ram: f.ram, disk: f.disk, public: f["os-flavor-access:is_public"] !== false });

/** Flavors cannot change: any difference replaces the flavor (same name, so the old one goes first). */
export const flavor: Kind = {
    service: "compute",
    replaceOn: ["vcpus", "ram", "disk", "public"],
    async find(x) {
        const r = await x.cloud.request("compute", "GET", "/flavors/detail?is_public=None");
        return pick(r.body.flavors, flavorAttrs, (f: any) => f.name === x.props.name);
    },
    async get(x, id) {
        const b = await getOrUndefined(x, "compute", `/flavors/${id}`);
        return b && { id, attrs: flavorAttrs(b.flavor) };
    },
    async create(x) {
        const s = x.props.spec;
        const r = await x.cloud.request("compute", "POST", "/flavors", {
            body: { flavor: { name: x.props.name, vcpus: s.vcpus, ram: s.ram, disk: s.disk, "os-flavor-access:is_public": s.public } },
        });
        return { id: r.body.flavor.id, attrs: flavorAttrs(r.body.flavor) };
    },
    remove: (x, id) => removeIfThere(x, "compute", `/flavors/${id}`),
};

// Keypairs of another user need the user_id parameter (compute API microversion 2.10).
const KEYPAIR_VERSION = "compute 2.10";
const keypairAttrs = (k: any) => ({ publicKey: String(k.public_key ?? "").trim(), user: k.user_id });

// (Kinds never call their own exported object: the closure serializer can order a module's
// exports after their first use, leaving such a reference undefined in the provider.)
async function getKeypair(x: Ctx, id: string): Promise<Observed | undefined> {
    const [user, name] = id.split("/");
    const b = await getOrUndefined(x, "compute", `/os-keypairs/${q(name)}?user_id=${q(user)}`, KEYPAIR_VERSION);
    return b && { id, attrs: keypairAttrs(b.keypair) };
}

export const keypair: Kind = {
    service: "compute",
    replaceOn: ["publicKey", "user"],
    find: (x) => getKeypair(x, `${x.props.spec.user}/${x.props.name}`),
    get: getKeypair,
    async create(x) {
        const s = x.props.spec;
        const r = await x.cloud.request("compute", "POST", "/os-keypairs", {
            microversion: KEYPAIR_VERSION,
            body: { keypair: { name: x.props.name, public_key: s.publicKey, user_id: s.user, type: "ssh" } },
        });
        return { id: `${s.user}/${x.props.name}`, attrs: keypairAttrs(r.body.keypair) };
    },
    async remove(x, id) {
        const [user, name] = id.split("/");
        await removeIfThere(x, "compute", `/os-keypairs/${q(name)}?user_id=${q(user)}`, KEYPAIR_VERSION);
    },
};

/** A project's compute quotas (spec: the limits to set). */
export const computeQuota = quotaKind("compute", (project) => `/os-quota-sets/${project}`, "quota_set");
