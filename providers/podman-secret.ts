// PodmanSecret: a podman secret holding a password. The value travels on stdin and lives only
// in podman's root-only secret store; state keeps a keyed digest, enough to see a change.
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./host/connection";
import { claim, createdByUs, dropLedger, readLedger } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, diffFields, hostOf, isUnknown, defined } from "./kit";

export interface PodmanSecretArgs {
    connection: pulumi.Input<Connection>;
    name: pulumi.Input<string>;
    value: pulumi.Input<string>;
}

interface SecretInputs {
    connection: Connection;
    name: string;
    value: string;
}

interface SecretOutputs {
    connection: Connection;
    name: string;
    digest: string;
    adopted?: boolean;
}

const KIND = "podman-secret";

/** HMAC keyed by the secret's name: a change detector that does not expose the value. */
export function secretDigest(name: string, value: string): string {
    return crypto.createHmac("sha256", `hotstack-os:${name}`).update(value).digest("hex");
}

async function exists(host: Host, name: string): Promise<boolean> {
    const r = await host.run(`podman secret inspect ${sh(name)} >/dev/null 2>&1 && echo yes || true`);
    return r.stdout.trim() === "yes";
}

async function store(host: Host, p: SecretInputs): Promise<SecretOutputs> {
    // Replace in two steps: older podman has no `secret create --replace`. `cat |` because podman
    // insists on a FIFO for stdin, and a local exec's stdin is a socket.
    await host.run(`podman secret rm ${sh(p.name)} >/dev/null 2>&1 || true\ncat | podman secret create ${sh(p.name)} - >/dev/null`, {
        stdin: p.value,
        what: `store podman secret ${p.name}`,
    });
    return { connection: p.connection, name: p.name, digest: secretDigest(p.name, p.value) };
}

export const podmanSecretProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        return checker({ ...news })
            .name("name", /^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/, "a podman secret name")
            .check("value", (v) => (typeof v === "string" && v.length > 0 ? undefined : "must be a non-empty string"))
            .result();
    },

    async diff(_id, olds, news) {
        return diffFields(olds, news, { name: "replace", value: "update" },
            (f) => (f === "value" ? olds.digest : olds[f]),
            (f) => (f === "value" ? (isUnknown(news.value) ? news.value : secretDigest(news.name, news.value)) : news[f]));
    },

    async create(inputs) {
        const p = inputs as SecretInputs;
        const host = await hostOf(p);
        const entry = await claim(host, KIND, p.name, (await exists(host, p.name)) ? {} : undefined);
        return { id: p.name, outs: { ...(await store(host, p)), adopted: !entry.created } };
    },

    async read(id, props) {
        const p = { ...props, name: props.name ?? id } as SecretOutputs;
        return (await exists(await hostOf(p), p.name)) ? { id, props: p } : GONE;
    },

    async update(_id, olds, news) {
        const p = news as SecretInputs;
        return { outs: defined({ ...(await store(await hostOf(p), p)), adopted: olds.adopted }) };
    },

    async delete(_id, props) {
        const p = props as SecretOutputs;
        const host = await hostOf(p);
        const entry = await readLedger(host, KIND, p.name);
        if (createdByUs(entry, p.adopted)) await host.run(`podman secret rm ${sh(p.name)} >/dev/null 2>&1 || true`);
        await dropLedger(host, KIND, p.name);
    },
};

export class PodmanSecret extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    /** Changes whenever the value changes: a restart trigger for the containers using it. */
    declare readonly digest: pulumi.Output<string>;

    constructor(name: string, args: PodmanSecretArgs, opts?: pulumi.CustomResourceOptions) {
        super(podmanSecretProvider, name, { digest: undefined, ...args }, opts, "hotstack", "PodmanSecret");
    }
}
