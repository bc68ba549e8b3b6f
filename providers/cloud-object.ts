// CloudObject: one object of the cloud that post-setup makes (a project, a flavor, a network, an
// image…), reached through the host connection (providers/openstack/api.ts) and authenticated
// with the credentials the host holds now. Find-then-create by name, as post-setup does: an
// object that exists is adopted (brought to the spec, never removed); one this program made is
// recorded in an ownership ledger before it is made, so a crashed create is safe to run again
// and delete removes only what the program made. A cloud whose services are gone holds no
// objects (read: gone; delete: done). A read whose API does not answer (no token, connection
// refused, 502/503/504 from HAProxy) keeps the object as last seen, marked unread, and says so:
// that answer says nothing about the object, and failing there would stop the very run that
// restarts the stopped unit (with refresh before every `up`, a stopped glance once failed every
// later run until someone started it by hand). An unread object diffs as a change, so the same
// run reads it for real in an update, after the services it depends on are back (and fails
// loudly if its API is still down, rather than a green run that checked nothing). A 404 is
// still drift. Writes that do not answer stay errors.
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { LedgerEntry, claim, readLedger, release } from "./host/ledger";
import { Host } from "./host/transport";
import { GONE, checker, defined, hostProvider, isUnknown, progress, same } from "./kit";
import { ADMIN_CLOUD, Cloud, SERVICES, USER_CLOUD, unreachable } from "./openstack/api";
import { Ctx, Kind, ObjectProps, Observed } from "./openstack/kind";
import { KIND_GROUPS, KIND_NAMES, KindGroup, groupOf } from "./openstack/kinds";
import { HostArgs, HostResource } from "./resource";

export interface CloudObjectArgs extends HostArgs {
    kind: pulumi.Input<string>;
    name: pulumi.Input<string>;
    scope?: pulumi.Input<string>;
    spec: pulumi.Input<Record<string, unknown>>;
    /** A secret the object is given (a user's password). */
    password?: pulumi.Input<string>;
    /** Keys the password's digest in state (a per-stack random secret). */
    digestKey?: pulumi.Input<string>;
    /** Where the ownership ledger of cloud objects lives on the host (beside the cloud's data). */
    ledgerDir: pulumi.Input<string>;
}

const LEDGER_KIND = "cloud-object";

const ledgerKey = (p: ObjectProps) => `${p.kind}/${p.scope ?? ""}/${p.name}`;
const label = (p: ObjectProps) => `${p.kind} ${p.scope ? `${p.scope}/` : ""}${p.name}`;
const passwordDigest = (key: string | undefined, password: string) => crypto.createHmac("sha256", key ?? "").update(password).digest("hex");

/** The attributes this resource manages: the kind's compared ones that its spec sets (an adopted object's others are left alone). */
function managed(kind: Kind, spec: Record<string, unknown>): string[] {
    return (kind.compare ?? Object.keys(spec)).filter((f) => f in spec);
}

/** Spec attributes that differ from what the cloud showed (unknown desired values count as different). */
function changedFields(kind: Kind, observed: Record<string, unknown> | undefined, spec: Record<string, unknown>): string[] {
    return managed(kind, spec).filter((f) => isUnknown(spec[f]) || !same(observed?.[f], spec[f]));
}

/** Attributes that replace the object when they change: compared with the cloud, or else with the last spec. */
function replacedFields(kind: Kind, olds: Record<string, any>, spec: Record<string, unknown>): string[] {
    const compared = managed(kind, spec);
    return (kind.replaceOn ?? []).filter((f) => f in spec).filter((f) => (compared.includes(f) ? isUnknown(spec[f]) || !same(olds.observed?.[f], spec[f]) : isUnknown(spec[f]) || !same(olds.spec?.[f], spec[f])));
}

/**
 * What create does with an object it found by name: "keep" it (adopt it, or finish one of ours),
 * "remake" it (ours, as the ledger says, left by a run that died midway: an application
 * credential whose secret was never recorded, an image never uploaded), or "refuse" it (one the
 * program did not make and cannot use). Whatever the program did not make is never removed.
 */
export function foundFate(kind: Kind, found: Observed, entry: LedgerEntry | undefined): "keep" | "remake" | "refuse" {
    const ours = entry?.created === true;
    if (kind.foreign === "refuse") return ours ? "remake" : "refuse";
    return ours && kind.leftover?.(found.attrs) ? "remake" : "keep";
}

function outputs(p: Record<string, any>, observed: Record<string, unknown>, adopted: boolean, secret?: string): Record<string, unknown> {
    return defined({
        kind: p.kind,
        name: p.name,
        scope: p.scope,
        spec: p.spec,
        ledgerDir: p.ledgerDir,
        observed,
        adopted,
        passwordDigest: p.password === undefined ? undefined : passwordDigest(p.digestKey, p.password),
        secret,
    });
}

/** The provider of one group of kinds (one per service: see kinds/index.ts). */
function cloudObjectProvider(kinds: Record<string, Kind>): pulumi.dynamic.ResourceProvider {
    const kindOf = (p: { kind: string }): Kind => {
        const k = kinds[p.kind];
        if (!k) throw new Error(`unknown cloud object kind ${JSON.stringify(p.kind)} (this provider serves ${Object.keys(kinds).join(", ")})`);
        return k;
    };
    const ctx = (host: Host, p: Record<string, any>): Ctx => {
        const kind = kindOf(p as ObjectProps);
        const admin = new Cloud(host, p.host, ADMIN_CLOUD);
        return { host, props: p as ObjectProps, cloud: kind.asUser ? new Cloud(host, p.host, USER_CLOUD) : admin, admin };
    };
    return hostProvider({
        async check(_olds, news) {
        return checker({ ...news })
            .oneOf("kind", Object.keys(kinds))
            .check("name", (v) => (typeof v === "string" && v.length > 0 && v.length <= 255 ? undefined : "must be a name of 1-255 characters"))
            .check("spec", (v) => (v && typeof v === "object" && !Array.isArray(v) ? undefined : "must be an object of attributes"))
            .absolutePath("ledgerDir")
            .result();
    },

        async diff(olds, news) {
        if (["kind", "name", "scope"].some((k) => !isUnknown(news[k]) && olds[k] !== news[k]) || isUnknown(news.kind)) {
            return { changes: true, replaces: ["name"], deleteBeforeReplace: true };
        }
        const kind = kindOf(news as ObjectProps);
        const spec = news.spec ?? {};
        // Wholly unknown: something changes. Otherwise field by field (an unknown field counts as
        // changed), so a preview shows what up will do: an unknown project replaces its quotas.
        if (isUnknown(spec) && (typeof spec !== "object" || spec === null)) return { changes: true, replaces: [], deleteBeforeReplace: true };
        const changed = changedFields(kind, olds.observed, spec);
        const replaces = replacedFields(kind, olds, spec).map((f) => `spec.${f}`);
        const secretChanged = news.password !== undefined && (isUnknown(news.password) || isUnknown(news.digestKey) || passwordDigest(news.digestKey, news.password) !== olds.passwordDigest);
        return { changes: changed.length > 0 || replaces.length > 0 || secretChanged || olds.unread === true, replaces, deleteBeforeReplace: true };
    },

        async create(host, inputs) {
        const x = ctx(host, inputs);
        const kind = kindOf(x.props);
        if (await x.cloud.gone(kind.service)) throw new Error(`cannot make ${label(x.props)}: the ${kind.service} service (${SERVICES[kind.service]}) is not deployed on ${host.label}`);
        let found = await kind.find(x);
        const key = ledgerKey(x.props);
        const entry = await readLedger(host, LEDGER_KIND, key, inputs.ledgerDir);
        const fate = found ? foundFate(kind, found, entry) : "keep";
        if (fate === "refuse") {
            throw new Error(`${label(x.props)} already exists and was not made by this program; its secret cannot be read back. Delete it (openstack application credential delete ${x.props.name}) or configure another name.`);
        }
        if (fate === "remake") {
            // Ours, from a run that died midway (before it recorded the secret, or uploaded the image): make it again.
            await kind.remove(x, found!.id);
            found = undefined;
        }
        const owned = await claim(host, LEDGER_KIND, key, found ? (kind.always ? found.attrs : { id: found.id }) : undefined, undefined, inputs.ledgerDir);
        if (!found) {
            const made = await kind.create(x);
            return { id: made.id, outs: outputs(inputs, made.attrs, false, made.secret) };
        }
        // Found: adopted (or ours from a crashed run). Immutable differences cannot be fixed in place.
        const replace = (kind.replaceOn ?? []).filter((f) => managed(kind, inputs.spec).includes(f) && !same(found!.attrs[f], inputs.spec[f]));
        if (replace.length && !kind.always) {
            const what = replace.map((f) => `${f} ${JSON.stringify(found!.attrs[f])} (wanted ${JSON.stringify(inputs.spec[f])})`).join(", ");
            throw new Error(`${label(x.props)} exists with ${what}, which cannot be changed in place; ${owned.created ? "delete it" : "it was not made by this program: delete it or change the config to match"}`);
        }
        const changed = changedFields(kind, found.attrs, inputs.spec);
        const observed = (changed.length || inputs.password !== undefined) && kind.update ? await kind.update(x, found.id, changed) : found;
        return { id: observed.id, outs: outputs(inputs, observed.attrs, !owned.created) };
    },

        async read(host, id, props) {
        const x = ctx(host, props);
        const kind = kindOf(x.props);
        if (await x.cloud.gone(kind.service)) return GONE;
        let o: Observed | undefined;
        try {
            o = await kind.get(x, id);
        } catch (e) {
            if (!unreachable(e)) throw e;
            const why = (e as Error).message.split("\n")[0].slice(0, 200);
            progress(label(x.props), `kept as last seen: the ${kind.service} API (${SERVICES[kind.service]}) did not answer on ${host.label} (${why}); read again once its service is back`, true);
            return { id, props: { ...props, unread: true } };
        }
        if (!o) return GONE;
        return { id, props: { ...props, observed: o.attrs } };
    },

        async update(host, id, olds, news) {
        const x = ctx(host, news);
        const kind = kindOf(x.props);
        // Not read at the refresh (its API did not answer): read now, after the services it depends on.
        const seen = olds.unread === true ? (await kind.get(x, id))?.attrs : olds.observed;
        if (olds.unread === true && !seen) throw new Error(`${label(x.props)} (${id}) is gone; run again to make it`);
        const changed = changedFields(kind, seen, news.spec);
        const observed = kind.update ? await kind.update(x, id, changed) : await kind.get(x, id);
        if (!observed) throw new Error(`${label(x.props)} (${id}) is gone; run again to make it`);
        return { outs: outputs(news, observed.attrs, olds.adopted === true, olds.secret) };
    },

        async delete(host, id, props) {
        const x = ctx(host, props);
        const kind = kindOf(x.props);
        // The cloud went first (its units are gone): its objects went with it.
        if (!(await x.cloud.gone(kind.service))) {
            await release(host, LEDGER_KIND, ledgerKey(x.props), props.adopted, {
                remove: () => kind.remove(x, id),
                restore: kind.restore ? (original) => kind.restore!(x, id, original) : undefined,
            }, props.ledgerDir);
        }
        // Whoever made it, and cloud or not: what the program kept about it on the host besides (a cache) goes too.
        if (kind.forget) await kind.forget(x);
    },
    });
}

/** One provider per group of kinds. */
export const cloudObjectProviders = Object.fromEntries(
    (Object.keys(KIND_GROUPS) as KindGroup[]).map((g) => [g, cloudObjectProvider(KIND_GROUPS[g])]),
) as Record<KindGroup, pulumi.dynamic.ResourceProvider>;

export class CloudObject extends HostResource {
    declare readonly kind: pulumi.Output<string>;
    declare readonly name: pulumi.Output<string>;
    /** The attributes the cloud shows. */
    declare readonly observed: pulumi.Output<Record<string, any>>;
    /** True when the object existed before and is only adopted (never removed). */
    declare readonly adopted: pulumi.Output<boolean>;
    /** A secret the cloud returned at creation (an application credential's). */
    declare readonly secret: pulumi.Output<string | undefined>;

    constructor(name: string, args: CloudObjectArgs, opts?: pulumi.CustomResourceOptions) {
        const group = groupOf(String(args.kind));
        if (!group) throw new Error(`cloud object ${name}: unknown kind ${JSON.stringify(args.kind)} (known: ${KIND_NAMES.join(", ")})`);
        super(cloudObjectProviders[group], "CloudObject", name, { observed: undefined, adopted: undefined, secret: undefined, passwordDigest: undefined, ...args },
            { ...opts, additionalSecretOutputs: ["secret", ...(opts?.additionalSecretOutputs ?? [])] });
    }
}
