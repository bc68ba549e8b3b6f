// Secrets: every password comes from config (a secret) or is generated with @pulumi/random, and
// reaches the containers only as a podman secret (root-only store, mounted as a file).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PodmanSecret } from "../providers/podman-secret";
import { HotStackConfig, PasswordKey } from "./config";
import { SecretName } from "./services/context";
import { podmanSecretName } from "./services/service";

const CONFIG_KEY: Partial<Record<SecretName, PasswordKey>> = {
    DB_PASSWORD: "dbPassword",
    SERVICE_PASSWORD: "servicePassword",
    ADMIN_PASSWORD: "adminPassword",
    MYSQL_ROOT_PASSWORD: "mysqlRootPassword",
    RABBITMQ_PASSWORD: "rabbitmqPassword",
};

/** Generated lengths other than 32: Django wants a SECRET_KEY of 50 characters or more. */
const LENGTH: Partial<Record<SecretName, number>> = { DASHBOARD_SECRET_KEY: 64 };

export class Secrets extends pulumi.ComponentResource {
    readonly values: Partial<Record<SecretName, pulumi.Output<string>>> = {};
    readonly secrets: Partial<Record<SecretName, PodmanSecret>> = {};
    /** The per-stack random key of every digest of a secret kept in state. */
    readonly digestKey: pulumi.Output<string>;

    constructor(name: string, args: { config: HotStackConfig; needed: SecretName[] }, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:secrets:Secrets", name, {}, opts);
        // One random key per stack for the digests in state (restart triggers): keyed by a secret,
        // they give no way to test guesses of a password set in config.
        const digestKey = new random.RandomPassword(`${name}-digest-key`, { length: 32, special: false }, { parent: this }).result;
        this.digestKey = digestKey;
        for (const s of args.needed) {
            const key = CONFIG_KEY[s];
            const given = key ? args.config.passwords[key] : undefined;
            // URL-safe on purpose: passwords end up in database and broker URLs unescaped.
            const value = given !== undefined
                ? pulumi.secret(given)
                : new random.RandomPassword(`${name}-${s.toLowerCase()}`, { length: LENGTH[s] ?? 32, special: false }, { parent: this }).result;
            this.values[s] = value;
            this.secrets[s] = new PodmanSecret(`${name}-${s.toLowerCase()}-podman`, { name: podmanSecretName(s), value, digestKey }, { parent: this });
        }
        this.registerOutputs({});
    }

    digest(s: SecretName): pulumi.Output<string> {
        const secret = this.secrets[s];
        if (!secret) throw new Error(`secret ${s} is not managed by this stack`);
        return secret.digest;
    }
}
