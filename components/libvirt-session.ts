// LibvirtSession: system user hotstack (group kvm, lingering) running its own libvirt session
// daemon as a systemd user unit, with cap_net_admin on libvirtd so the unprivileged daemon can
// create TAP devices. Nova talks to it through the session socket (group kvm, 0770).
// Why session mode: nova sees only hotstack's VMs, never the system libvirt's.
import * as pulumi from "@pulumi/pulumi";
import { Directory } from "../providers/directory";
import { File } from "../providers/file";
import { FileCapability } from "../providers/file-capability";
import { SystemUser } from "../providers/system-user";
import { sha256 } from "../providers/kit";
import { SystemdUnit } from "../providers/systemd-unit";
import { HostPlan } from "./host-plan";

export interface LibvirtSessionArgs {
    plan: HostPlan["libvirt"];
    /** The host (default main). */
    host?: string;
}

export class LibvirtSession extends pulumi.ComponentResource {
    readonly uid: pulumi.Output<number>;
    readonly gid: pulumi.Output<number>;
    /** The session socket, resolved once the daemon runs and the socket exists. */
    readonly socketPath: pulumi.Output<string>;
    readonly user: SystemUser;

    constructor(name: string, args: LibvirtSessionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:host:LibvirtSession", name, {}, opts);
        const { plan, host } = args;
        const child = { parent: this };
        this.user = new SystemUser(`${name}-user`, {
            host, name: plan.user, home: plan.home, comment: plan.comment, shell: "/usr/sbin/nologin", groups: ["kvm"], linger: true,
        }, child);
        this.uid = this.user.uid;
        this.gid = this.user.gid;

        // ~/.config/{libvirt,systemd/user}, owned by the user so its daemons can read them.
        const owned = { owner: plan.user, group: plan.user, mode: "0755" };
        const config = new Directory(`${name}-config`, { host, path: `${plan.home}/.config`, ...owned }, { ...child, dependsOn: this.user });
        const libvirtDir = new Directory(`${name}-libvirt-dir`, { host, path: plan.configDir, ...owned }, { ...child, dependsOn: config });
        const systemdDir = new Directory(`${name}-systemd-dir`, { host, path: `${plan.home}/.config/systemd`, ...owned }, { ...child, dependsOn: config });
        const unitDir = new Directory(`${name}-unit-dir`, { host, path: `${plan.home}/.config/systemd/user`, ...owned }, { ...child, dependsOn: systemdDir });

        const libvirtdConf = new File(`${name}-libvirtd-conf`, { host, path: `${plan.configDir}/libvirtd.conf`, content: plan.libvirtdConf, owner: plan.user, group: plan.user }, { ...child, dependsOn: libvirtDir });
        const qemuText = pulumi.all([this.uid, this.gid]).apply(([uid, gid]) => plan.qemuConf(uid, gid));
        const qemuConf = new File(`${name}-qemu-conf`, { host, path: `${plan.configDir}/qemu.conf`, content: qemuText, owner: plan.user, group: plan.user }, { ...child, dependsOn: libvirtDir });

        // A package update replaces the binary and drops the capability: refresh sees it, up puts it back.
        const capability = new FileCapability(`${name}-cap-net-admin`, { host, path: plan.binary, capabilities: "cap_net_admin+ep" }, child);

        const socketPath = this.uid.apply((uid) => plan.socketPath(uid));
        const unit = new SystemdUnit(`${name}-daemon`, {
            host,
            name: plan.unitName,
            scope: "user",
            user: plan.user,
            content: plan.unit,
            // Restart when its config or the binary's capabilities change.
            triggers: [libvirtdConf.contentSha256, qemuConf.contentSha256, capability.capabilities.apply((c) => sha256(c))],
            waitForPath: socketPath,
        }, { ...child, dependsOn: [unitDir, libvirtdConf, qemuConf, capability] });

        this.socketPath = pulumi.all([socketPath, unit.active]).apply(([p]) => p);
        this.registerOutputs({ uid: this.uid, gid: this.gid, socketPath: this.socketPath });
    }
}
