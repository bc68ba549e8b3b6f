// OvsSetting: one key of Open vSwitch's global other_config (the Open_vSwitch record), e.g.
// userspace-tso-enable, which the userspace (netdev) datapath needs so that guests' TCP with
// checksum offload passes its connection tracking. Keys ovs-vswitchd reads only at start get
// `restartDaemon`: a change restarts it (a marker in /run makes a restart cut short by a crash
// happen on the next run). A key that was set before is put back on delete; one the program
// set is removed.
import * as pulumi from "@pulumi/pulumi";
import { claim, release } from "./host/ledger";
import { sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, diffFields, hostProvider } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface OvsSettingArgs extends HostArgs {
    /** The other_config key, e.g. "userspace-tso-enable". */
    key: pulumi.Input<string>;
    value: pulumi.Input<string>;
    /** ovs-vswitchd reads the key only at start: restart it when the value changes. */
    restartDaemon?: pulumi.Input<boolean>;
}

const KIND = "ovs-setting";
const MARKER = "/run/hotstack-os-ovs-restart-pending";

/** The key's value, or undefined when it is not set (OVS not answering is an error). */
async function current(host: Host, key: string): Promise<string | undefined> {
    const r = await host.run(`ovs-vsctl --timeout=30 --if-exists get Open_vSwitch . other_config:${sh(key)}`, { what: `read Open vSwitch other_config:${key}` });
    const v = r.stdout.trim();
    return v === "" ? undefined : v.replace(/^"(.*)"$/, "$1");
}

/** ovs-vswitchd restarted by its service manager (systemd, else OVS's own ovs-ctl), then answering again. */
const RESTART = [
    "if [ -d /run/systemd/system ]; then",
    "  for u in ovs-vswitchd.service openvswitch-switch.service openvswitch.service; do",
    '    if systemctl cat "$u" >/dev/null 2>&1; then systemctl restart "$u"; break; fi',
    "  done",
    "else /usr/share/openvswitch/scripts/ovs-ctl --no-ovsdb-server restart >/dev/null; fi",
    "for i in $(seq 60); do ovs-appctl -t ovs-vswitchd version >/dev/null 2>&1 && break; sleep 0.5; done",
    "ovs-appctl -t ovs-vswitchd version >/dev/null",
    `rm -f ${MARKER}`,
].join("\n");

/** Sets (or, with undefined, removes) the key; restarts the daemon when it changed, or a restart is owed. */
async function apply(host: Host, key: string, value: string | undefined, restart: boolean): Promise<void> {
    const set = value === undefined ? `ovs-vsctl remove Open_vSwitch . other_config ${sh(key)}` : `ovs-vsctl set Open_vSwitch . other_config:${sh(key)}=${sh(JSON.stringify(value))}`;
    const changed = (await current(host, key)) !== value;
    await host.run([
        "set -e",
        changed && restart ? `touch ${MARKER}` : "",
        changed ? set : "",
        restart ? `if [ -e ${MARKER} ]; then\n${RESTART}\nfi` : "",
    ].filter(Boolean).join("\n"), { what: `${value === undefined ? "remove" : "set"} Open vSwitch other_config:${key}${restart ? " and restart ovs-vswitchd" : ""}` });
}

export const ovsSettingProvider = hostProvider({
    async check(_olds, news) {
        return checker({ ...news, restartDaemon: news.restartDaemon ?? false })
            .name("key", /^[a-z0-9][a-z0-9_:-]{0,63}$/, "an other_config key (lower case letters, digits, _ : -)")
            .check("value", (v) => (typeof v === "string" && /^[\x21-\x7e]{1,256}$/.test(v) ? undefined : "must be one word of printable characters"))
            .boolean("restartDaemon")
            .result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { key: "replace", value: "update", restartDaemon: "update" });
    },

    async create(host, inputs) {
        const found = await current(host, inputs.key);
        // An adopted key keeps its value in the ledger, to put back on delete.
        const entry = await claim(host, KIND, inputs.key, found === undefined ? undefined : { value: found });
        await apply(host, inputs.key, inputs.value, inputs.restartDaemon);
        return { id: inputs.key, outs: { key: inputs.key, value: inputs.value, restartDaemon: inputs.restartDaemon, adopted: !entry.created } };
    },

    async read(host, id, props) {
        const value = await current(host, props.key ?? id);
        if (value === undefined) return GONE;
        return { id, props: { ...props, value } };
    },

    async update(host, _id, olds, news) {
        await apply(host, news.key, news.value, news.restartDaemon);
        return { outs: { key: news.key, value: news.value, restartDaemon: news.restartDaemon, adopted: olds.adopted } };
    },

    async delete(host, _id, props) {
        await release(host, KIND, props.key, props.adopted, {
            remove: () => apply(host, props.key, undefined, props.restartDaemon),
            restore: (original) => apply(host, props.key, String((original as { value?: string }).value), props.restartDaemon),
        });
    },
});

export class OvsSetting extends HostResource {
    declare readonly value: pulumi.Output<string>;

    constructor(name: string, args: OvsSettingArgs, opts?: pulumi.CustomResourceOptions) {
        super(ovsSettingProvider, "OvsSetting", name, { adopted: undefined, ...args }, opts);
    }
}
