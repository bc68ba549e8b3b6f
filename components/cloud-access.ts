// CloudAccess: the cloud usable from its host as root. Our clouds in the root-only
// /etc/openstack/clouds.yaml (a managed block, beside any clouds of the user's), and an
// `openstack` command: the client of this cloud's release from the image the services are
// built on, run with podman. The same clouds.yaml is what the post-setup providers
// authenticate with, so a rotated password reaches them with no other step.
import * as pulumi from "@pulumi/pulumi";
import { File } from "../providers/file";
import { FileBlock } from "../providers/file-block";
import { ADMIN_CLOUD, CLOUDS_YAML, CloudEntry, USER_CLOUD, renderCloudEntry } from "../providers/openstack/api";

export const CLIENT_WRAPPER = "/usr/local/bin/openstack";

export interface CloudAccessArgs {
    authUrl: string;
    region: string;
    adminPassword: pulumi.Input<string>;
    /** The project user's cloud, when post-setup makes it. */
    user?: { name: string; project: string; password: pulumi.Input<string> };
    /** The image with python3-openstackclient (the services' shared OpenStack layer). */
    clientImageId: pulumi.Input<string>;
    digestKey: pulumi.Input<string>;
}

/** Our clouds, as `clouds:` entries (indented): the admin cloud, and the project user's. */
export function cloudEntries(a: { authUrl: string; region: string; adminPassword: string; user?: { name: string; project: string; password: string } }): string {
    const entry = (username: string, password: string, projectName: string): CloudEntry =>
        ({ authUrl: a.authUrl, username, password, projectName, userDomain: "Default", projectDomain: "Default", region: a.region });
    const entries = [renderCloudEntry(ADMIN_CLOUD, entry("admin", a.adminPassword, "admin"))];
    if (a.user) entries.push(renderCloudEntry(USER_CLOUD, entry(a.user.name, a.user.password, a.user.project)));
    return entries.join("\n") + "\n";
}

export function clientWrapper(imageId: string): string {
    return `#!/bin/sh
# Managed by hotstack-os (pulumi up): the openstack client of this cloud's release, from the
# hotstack-os-openstack image, with the clouds of ${CLOUDS_YAML} (--os-cloud ${ADMIN_CLOUD} or ${USER_CLOUD}).
# Files named in arguments must lie under the current directory, /tmp, /var/tmp or $HOME.
set -e
tty=; [ -t 0 ] && [ -t 1 ] && tty=-t
cwd=; [ "$PWD" != / ] && cwd="-v $PWD:$PWD"
envs=$(env | sed -n 's/^\\(OS_[A-Za-z0-9_]*\\)=.*/-e \\1/p')
# shellcheck disable=SC2086
exec podman run --rm -i $tty --network host --pull=never \\
    -v /etc/openstack:/etc/openstack:ro -v /tmp:/tmp -v /var/tmp:/var/tmp -v "$HOME:$HOME" $cwd -w "$PWD" \\
    -e HOME $envs --entrypoint openstack ${imageId.replace(/^sha256:/, "")} "$@"
`;
}

export class CloudAccess extends pulumi.ComponentResource {
    readonly cloudsFile: FileBlock;
    readonly client: File;

    constructor(name: string, args: CloudAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:cloud:CloudAccess", name, {}, opts);
        const content = pulumi.all([args.adminPassword, args.user?.password ?? ""]).apply(([adminPassword, userPassword]) =>
            cloudEntries({ authUrl: args.authUrl, region: args.region, adminPassword, user: args.user && { ...args.user, password: userPassword } }));
        this.cloudsFile = new FileBlock(`${name}-clouds`, {
            path: CLOUDS_YAML,
            marker: "hotstack-os clouds (managed by pulumi)",
            content: pulumi.secret(content),
            after: "clouds:",
            header: "clouds:\n",
            mode: "0600",
            private: true,
            digestKey: args.digestKey,
        }, { parent: this });
        this.client = new File(`${name}-client`, { path: CLIENT_WRAPPER, content: pulumi.output(args.clientImageId).apply(clientWrapper), mode: "0755" }, { parent: this });
        this.registerOutputs({});
    }
}
