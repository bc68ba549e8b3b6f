// The base of every host resource: it names its host (default "main", resolved from the stack
// config by the provider), carries the providers' code version, and reports the machine it was
// made on. Resources never carry connection details. A dynamic resource as
// `pulumi.dynamic.Resource` makes one (same type token, so the same URNs), but with its
// provider stored packed (./packed-provider).
import * as pulumi from "@pulumi/pulumi";
import { MAIN_HOST } from "./host/connection";
import { packedProvider } from "./packed-provider";
import { PROVIDER_VERSION } from "./version";

export interface HostArgs {
    /** The host it lives on: "main" (config `host`) or a key of config `hosts`. */
    host?: pulumi.Input<string>;
}

export class HostResource extends pulumi.CustomResource {
    declare readonly host: pulumi.Output<string>;
    /** /etc/machine-id of the host it was made on. */
    declare readonly machineId: pulumi.Output<string>;

    constructor(provider: pulumi.dynamic.ResourceProvider, type: string, name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
        if ("__provider" in props) throw new Error(`${type} ${name}: __provider is the engine's, not an input`);
        const inputs = { providerVersion: PROVIDER_VERSION, ...props, host: props.host ?? MAIN_HOST, machineId: undefined, __provider: packedProvider(provider) };
        super(`pulumi-nodejs:dynamic/hotstack:${type}`, name, inputs, opts);
    }
}
