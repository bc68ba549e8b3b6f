// The base of every host resource: it names its host (default "main", resolved from the stack
// config by the provider), carries the providers' code version, and reports the machine it was
// made on. Resources never carry connection details.
import * as pulumi from "@pulumi/pulumi";
import { MAIN_HOST } from "./host/connection";
import { PROVIDER_VERSION } from "./version";

export interface HostArgs {
    /** The host it lives on: "main" (config `host`) or a key of config `hosts`. */
    host?: pulumi.Input<string>;
}

export class HostResource extends pulumi.dynamic.Resource {
    declare readonly host: pulumi.Output<string>;
    /** /etc/machine-id of the host it was made on. */
    declare readonly machineId: pulumi.Output<string>;

    constructor(provider: pulumi.dynamic.ResourceProvider, type: string, name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { providerVersion: PROVIDER_VERSION, ...props, host: props.host ?? MAIN_HOST, machineId: undefined }, opts, "hotstack", type);
    }
}
