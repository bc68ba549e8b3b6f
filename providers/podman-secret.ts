// PodmanSecret: a podman secret holding a password. The value travels on stdin and lives only
// in podman's root-only secret store; state keeps a keyed digest, enough to see a change.
//
// The digest is an HMAC keyed by `digestKey`, a random secret of the stack: a digest keyed by
// anything public would let whoever reads the state test guesses of a password set by hand
// offline. (Introducing the key changed every digest once, and so restarted every container
// that mounts a secret once.)
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { claim, release } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, defined, diffFields, hostProvider, isUnknown } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface PodmanSecretArgs extends HostArgs {
    name: pulumi.Input<string>;
    value: pulumi.Input<string>;
    /** The stack's secret key for the digest (e.g. a RandomPassword's result): never public. */
    digestKey: pulumi.Input<string>;
}

interface SecretInputs {
    name: string;
    value: string;
    digestKey: string;
}

interface SecretOutputs {
    name: string;
    digest: string;
    adopted?: boolean;
}

const KIND = "podman-secret";

/** HMAC of the value under the stack's key, bound to the name: detects a change, reveals nothing. */
export function secretDigest(key: string, name: string, value: string): string {
    return crypto.createHmac("sha256", key).update(`${name}\0${value}`).digest("hex");
}

/** Shell that sets `exists` to 1 when the secret is there; a failing podman stops the script. */
function existsScript(name: string): string {
    // podman 4.3 has no `secret exists`, and `secret inspect` fails alike for "no such secret"
    // and for a broken podman: the list tells them apart.
    return [`names=$(podman secret ls --format '{{.Name}}')`, `if printf '%s\\n' "$names" | grep -qxF -- ${sh(name)}; then exists=1; else exists=0; fi`].join("\n");
}

async function exists(host: Host, name: string): Promise<boolean> {
    const r = await host.run(`set -e\n${existsScript(name)}\necho "$exists"`, { what: `look up podman secret ${name}` });
    return r.stdout.trim() === "1";
}

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): SecretInputs {
    return { name: p.name, value: p.value, digestKey: p.digestKey };
}

async function store(host: Host, p: SecretInputs): Promise<SecretOutputs> {
    // Replace in two steps: older podman has no `secret create --replace`. `cat |` because podman
    // insists on a FIFO for stdin, and a local exec's stdin is a socket.
    await host.run(["set -e", existsScript(p.name), `[ "$exists" = 0 ] || podman secret rm ${sh(p.name)} >/dev/null`, `cat | podman secret create ${sh(p.name)} - >/dev/null`].join("\n"), {
        stdin: p.value,
        what: `store podman secret ${p.name}`,
    });
    return { name: p.name, digest: secretDigest(p.digestKey, p.name, p.value) };
}

export const podmanSecretProvider = hostProvider({
    async check(_olds, news) {
        return checker({ ...news })
            .name("name", /^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/, "a podman secret name")
            .check("value", (v) => (typeof v === "string" && v.length > 0 ? undefined : "must be a non-empty string"))
            .check("digestKey", (v) => (typeof v === "string" && v.length >= 16 ? undefined : "must be a secret string of at least 16 characters (the stack's digest key)"))
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { name: "replace", value: "update" },
            (f) => (f === "value" ? olds.digest : olds[f]),
            (f) => (f === "value" ? (isUnknown(news.value) || isUnknown(news.digestKey) ? news.value : secretDigest(news.digestKey, news.name, news.value)) : news[f]));
    },

    async create(host, inputs) {
        const p = own(inputs);
        const entry = await claim(host, KIND, p.name, (await exists(host, p.name)) ? {} : undefined);
        return { id: p.name, outs: { ...(await store(host, p)), adopted: !entry.created } };
    },

    async read(host, id, props) {
        const name = props.name ?? id;
        return (await exists(host, name)) ? { id, props: defined({ name, digest: props.digest, adopted: props.adopted }) } : GONE;
    },

    async update(host, _id, olds, news) {
        return { outs: defined({ ...(await store(host, own(news))), adopted: olds.adopted }) };
    },

    async delete(host, id, props) {
        const name = String(props.name ?? id);
        await release(host, KIND, name, props.adopted, {
            async remove() {
                await host.run(["set -e", existsScript(name), `[ "$exists" = 0 ] || podman secret rm ${sh(name)} >/dev/null`].join("\n"), { what: `remove podman secret ${name}` });
            },
        });
    },
});

export class PodmanSecret extends HostResource {
    declare readonly name: pulumi.Output<string>;
    /** Changes whenever the value changes: a restart trigger for the containers using it. */
    declare readonly digest: pulumi.Output<string>;

    constructor(name: string, args: PodmanSecretArgs, opts?: pulumi.CustomResourceOptions) {
        super(podmanSecretProvider, "PodmanSecret", name, { digest: undefined, ...args }, opts);
    }
}
