// StorageLayout: the data dir tree with the spec's owners and modes. Directories the services
// chown themselves are only made to exist; shared ones are setgid kvm (and labelled
// virt_var_lib_t where SELinux is enabled) so QEMU (hotstack) and root in containers share files.
import * as pulumi from "@pulumi/pulumi";
import { Directory } from "../providers/directory";
import { SystemdUnit } from "../providers/systemd-unit";
import { DirectoryPlan, HostPlan } from "./host-plan";

export interface StorageLayoutArgs {
    directories: DirectoryPlan[];
    sharedMounts: HostPlan["sharedMounts"];
    /** The host (default main). */
    host?: string;
}

export class StorageLayout extends pulumi.ComponentResource {
    readonly directories: Record<string, Directory> = {};
    readonly sharedMounts: SystemdUnit;
    /** The data dir; absent on a compute host whose guests' directories live elsewhere. */
    readonly dataDir?: pulumi.Output<string>;

    constructor(name: string, args: StorageLayoutArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:host:StorageLayout", name, {}, opts);
        for (const d of args.directories) {
            const parent = d.parent ? this.directories[d.parent] : undefined;
            if (d.parent && !parent) throw new Error(`directory ${d.name}: parent ${d.parent} must come first in the plan`);
            this.directories[d.name] = new Directory(`${name}-${d.name}`, {
                host: args.host,
                path: d.path,
                owner: d.owner,
                group: d.group,
                mode: d.mode,
                selinuxType: d.selinuxType,
                bindsUnder: d.bindsUnder,
            }, { parent: this, dependsOn: parent ? [parent] : [] });
        }
        const m = args.sharedMounts;
        this.sharedMounts = new SystemdUnit(`${name}-shared-mounts`, { host: args.host, name: m.unitName, content: m.unit },
            { parent: this, dependsOn: m.directories.map((d) => this.directories[d]) });
        this.dataDir = this.directories.data?.path;
        this.registerOutputs({ dataDir: this.dataDir });
    }
}
