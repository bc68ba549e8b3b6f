// What one kind of cloud object (a project, a flavor, a subnet…) tells the CloudObject provider:
// where it lives, how it is found by name (the spec's find-then-create), read by id, created,
// changed and removed. Kinds differ in data and a few API calls, never in structure.
import { Host } from "../host/transport";
import { Cloud, ServiceType } from "./api";

/** An object as the cloud shows it: its id and its attributes in the spec's own terms. */
export interface Observed {
    id: string;
    attrs: Record<string, unknown>;
    /** A value the cloud returns only once, at creation (an application credential's secret). */
    secret?: string;
}

export interface ObjectProps {
    kind: string;
    /** The object's name (unique within its scope). */
    name: string;
    /** What scopes the name, when the name alone is not unique (a project, a user, a security group). */
    scope?: string;
    /** The desired attributes (kind-specific; ids of other objects included). */
    spec: Record<string, any>;
    /** A secret to set (a user's password); only its digest is kept. */
    password?: string;
}

export interface Ctx {
    host: Host;
    props: ObjectProps;
    /** The cloud as admin, or as the project user (hotstack), as the kind needs. */
    cloud: Cloud;
    /** The cloud as admin, whatever the kind (reads and removals that must outlive the user's cloud entry). */
    admin: Cloud;
}

export interface Kind {
    service: ServiceType;
    /** Act as the project's user rather than admin (what only the owner may do). */
    asUser?: boolean;
    /** Spec attributes compared with the cloud (default: every key of spec). */
    compare?: string[];
    /** Spec attributes that cannot change in place: a change replaces the object. */
    replaceOn?: string[];
    /** "refuse": an object found by name that this program did not make fails the create. */
    foreign?: "adopt" | "refuse";
    /** Objects that always exist (quotas): never created or removed, put back as found. */
    always?: boolean;
    /**
     * Whether an object found in this state is what a create that died midway left (an image
     * made but never uploaded). One this program made (its ledger says so) is removed and made
     * again; one it did not make is never touched.
     */
    leftover?(attrs: Record<string, unknown>): boolean;
    find(x: Ctx): Promise<Observed | undefined>;
    get(x: Ctx, id: string): Promise<Observed | undefined>;
    create(x: Ctx): Promise<Observed>;
    /** Brings an existing object to the spec (the changed attributes given). */
    update?(x: Ctx, id: string, changed: string[]): Promise<Observed>;
    remove(x: Ctx, id: string): Promise<void>;
    /** For `always` kinds: put back the attributes found before the program changed them. */
    restore?(x: Ctx, id: string, original: Record<string, unknown>): Promise<void>;
    /** On delete, whoever made the object: drops what the program keeps about it on the host besides (a cache). */
    forget?(x: Ctx): Promise<void>;
}

/** The first item of a list response that matches, as {id, attrs}. */
export function pick<T extends { id: string }>(items: T[] | undefined, attrs: (o: T) => Record<string, unknown>, match: (o: T) => boolean = () => true): Observed | undefined {
    const o = (items ?? []).find(match);
    return o ? { id: o.id, attrs: attrs(o) } : undefined;
}

/** GET that reads a 404 as "absent". */
export async function getOrUndefined(x: Ctx, service: ServiceType, path: string, microversion?: string): Promise<any> {
    const r = await x.cloud.request(service, "GET", path, { ok: [404], microversion });
    return r.status === 404 ? undefined : r.body;
}

/** DELETE that reads a 404 as done. */
export async function removeIfThere(x: Ctx, service: ServiceType, path: string, microversion?: string): Promise<void> {
    await x.cloud.request(service, "DELETE", path, { ok: [404], microversion });
}

export const q = encodeURIComponent;

/**
 * A project's quotas at one service (spec: {project, ...limits}). They always exist: create and
 * update set the limits, delete puts back the values found before. `at` is the quota set's path,
 * `key` the body's wrapper ("quota_set" for nova and cinder, "quota" for neutron).
 *
 * The object is the quota set of spec.project (its id is the project's id). The services answer
 * for any project id, even one keystone no longer knows, so a quota set never reads as gone: a
 * new project (the old one deleted and made again, with a new id) replaces the object, whose
 * delete puts back the old project's values (when that project still exists) and whose create
 * sets the new one's.
 */
export function quotaKind(service: ServiceType, at: (project: string) => string, key: string): Kind {
    const get = async (x: Ctx, id: string): Promise<Observed> => {
        const r = await x.cloud.request(service, "GET", at(id));
        const names = Object.keys(x.props.spec).filter((k) => k !== "project");
        return { id, attrs: { project: id, ...Object.fromEntries(names.map((k) => [k, r.body[key][k]])) } };
    };
    const put = async (x: Ctx, id: string, limits: Record<string, unknown>, ok: number[] = []): Promise<void> => {
        await x.cloud.request(service, "PUT", at(id), { body: { [key]: limits }, ok });
    };
    // Always the spec's project, never a recorded id: the limits belong to the project the spec names.
    const set = async (x: Ctx): Promise<Observed> => {
        const { project, ...limits } = x.props.spec;
        await put(x, project, limits);
        return get(x, project);
    };
    return {
        service,
        always: true,
        replaceOn: ["project"],
        find: (x) => get(x, x.props.spec.project),
        get,
        create: set,
        update: set,
        async restore(x, id, original) {
            // A project keystone no longer knows has nothing to put back (nova refuses it with 400).
            // (encodeURIComponent, not q: this module does not refer to its own exported consts.)
            if (!(await getOrUndefined(x, "identity", `/projects/${encodeURIComponent(id)}`))) return;
            const { project: _p, ...limits } = original;
            await put(x, id, limits, [404]);
        },
        async remove() {
            // quotas are never removed
        },
    };
}
