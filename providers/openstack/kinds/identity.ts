// Keystone objects of post-setup: the project, its user,
// the user's role on it, and the user's application credential.
import { Ctx, Kind, Observed, getOrUndefined, pick, q, removeIfThere } from "../kind";

const projectAttrs = (p: any) => ({ description: p.description ?? "", domain: p.domain_id, enabled: p.enabled });

export const project: Kind = {
    service: "identity",
    compare: ["description", "enabled"],
    replaceOn: ["domain"],
    async find(x) {
        const r = await x.cloud.request("identity", "GET", `/projects?name=${q(x.props.name)}&domain_id=${q(x.props.spec.domain)}`);
        return pick(r.body.projects, projectAttrs);
    },
    async get(x, id) {
        const b = await getOrUndefined(x, "identity", `/projects/${id}`);
        return b && { id, attrs: projectAttrs(b.project) };
    },
    async create(x) {
        const s = x.props.spec;
        const r = await x.cloud.request("identity", "POST", "/projects", { body: { project: { name: x.props.name, domain_id: s.domain, description: s.description, enabled: s.enabled } } });
        return { id: r.body.project.id, attrs: projectAttrs(r.body.project) };
    },
    async update(x, id) {
        const s = x.props.spec;
        const r = await x.cloud.request("identity", "PATCH", `/projects/${id}`, { body: { project: { description: s.description, enabled: s.enabled } } });
        return { id, attrs: projectAttrs(r.body.project) };
    },
    remove: (x, id) => removeIfThere(x, "identity", `/projects/${id}`),
};

const userAttrs = (u: any) => ({ defaultProject: u.default_project_id ?? "", domain: u.domain_id, enabled: u.enabled });

/** The password is not readable: set on create, on adoption and whenever its digest changes. */
export const user: Kind = {
    service: "identity",
    compare: ["defaultProject", "enabled"],
    replaceOn: ["domain"],
    async find(x) {
        const r = await x.cloud.request("identity", "GET", `/users?name=${q(x.props.name)}&domain_id=${q(x.props.spec.domain)}`);
        return pick(r.body.users, userAttrs);
    },
    async get(x, id) {
        const b = await getOrUndefined(x, "identity", `/users/${id}`);
        return b && { id, attrs: userAttrs(b.user) };
    },
    async create(x) {
        const s = x.props.spec;
        const r = await x.cloud.request("identity", "POST", "/users", {
            body: { user: { name: x.props.name, domain_id: s.domain, default_project_id: s.defaultProject, enabled: s.enabled, password: x.props.password } },
        });
        return { id: r.body.user.id, attrs: userAttrs(r.body.user) };
    },
    async update(x, id) {
        const s = x.props.spec;
        const r = await x.cloud.request("identity", "PATCH", `/users/${id}`, {
            body: { user: { default_project_id: s.defaultProject, enabled: s.enabled, ...(x.props.password ? { password: x.props.password } : {}) } },
        });
        return { id, attrs: userAttrs(r.body.user) };
    },
    remove: (x, id) => removeIfThere(x, "identity", `/users/${id}`),
};

async function roleId(x: Ctx, names: string[]): Promise<string> {
    for (const name of names) {
        const r = await x.cloud.request("identity", "GET", `/roles?name=${q(name)}`);
        if (r.body.roles?.length) return r.body.roles[0].id;
    }
    throw new Error(`keystone has none of the roles ${names.join(", ")}`);
}

/** Whether a user has a role on a project (listing: a HEAD answer has no body for curl to wait for). */
async function getRoleAssignment(x: Ctx, id: string): Promise<Observed | undefined> {
    const [project, userId, role] = id.split("/");
    const r = await x.cloud.request("identity", "GET", `/projects/${project}/users/${userId}/roles`, { ok: [404] });
    return r.status !== 404 && (r.body.roles ?? []).some((x: { id: string }) => x.id === role) ? { id, attrs: { user: userId, project } } : undefined;
}

/** A role of a user on a project; the name is the role's, spec {user, project, fallbacks}. */
export const roleAssignment: Kind = {
    service: "identity",
    replaceOn: ["user", "project"],
    compare: ["user", "project"],
    async find(x) {
        const s = x.props.spec;
        const id = await roleId(x, [x.props.name, ...(s.fallbacks ?? [])]);
        return getRoleAssignment(x, `${s.project}/${s.user}/${id}`);
    },
    get: getRoleAssignment,
    async create(x) {
        const s = x.props.spec;
        const role = await roleId(x, [x.props.name, ...(s.fallbacks ?? [])]);
        await x.cloud.request("identity", "PUT", `/projects/${s.project}/users/${s.user}/roles/${role}`);
        return { id: `${s.project}/${s.user}/${role}`, attrs: { user: s.user, project: s.project } };
    },
    async remove(x, id) {
        const [project, userId, role] = id.split("/");
        await removeIfThere(x, "identity", `/projects/${project}/users/${userId}/roles/${role}`);
    },
};

const credentialAttrs = (c: any) => ({ unrestricted: c.unrestricted === true, project: c.project_id });

/** As admin: reading and removing a user's credentials must work once the user's clouds.yaml entry is gone (post-setup turned off). */
const asAdmin = (x: Ctx): Ctx => ({ ...x, cloud: x.admin });

/** The owner's id, looked up as admin (undefined: the user is gone, and its credentials with it). */
async function ownerId(x: Ctx): Promise<string | undefined> {
    const r = await x.admin.request("identity", "GET", `/users?name=${q(String(x.props.scope))}&domain_id=default`);
    return r.body.users?.[0]?.id;
}

/**
 * An application credential of the project user, made by that user (keystone lets only the
 * owner create one). Its secret is returned once, at creation: one with the same name that
 * this program did not make is refused, since its secret cannot be had. Found, read and
 * removed as admin.
 */
export const applicationCredential: Kind = {
    service: "identity",
    asUser: true,
    foreign: "refuse",
    replaceOn: ["unrestricted"],
    compare: ["unrestricted"],
    async find(x) {
        const user = await ownerId(x);
        if (!user) return undefined;
        const r = await x.admin.request("identity", "GET", `/users/${user}/application_credentials?name=${q(x.props.name)}`);
        return pick(r.body.application_credentials, credentialAttrs);
    },
    async get(x, id) {
        const user = await ownerId(x);
        if (!user) return undefined;
        const b = await getOrUndefined(asAdmin(x), "identity", `/users/${user}/application_credentials/${id}`);
        return b && { id, attrs: credentialAttrs(b.application_credential) };
    },
    async create(x): Promise<Observed> {
        const user = await x.cloud.userId();
        const r = await x.cloud.request("identity", "POST", `/users/${user}/application_credentials`, {
            body: { application_credential: { name: x.props.name, unrestricted: x.props.spec.unrestricted === true, description: "hotstack-os (pulumi): the project user's credential for tools" } },
        });
        const c = r.body.application_credential;
        return { id: c.id, attrs: credentialAttrs(c), secret: c.secret };
    },
    async remove(x, id) {
        const user = await ownerId(x);
        if (user) await removeIfThere(asAdmin(x), "identity", `/users/${user}/application_credentials/${id}`);
    },
};
