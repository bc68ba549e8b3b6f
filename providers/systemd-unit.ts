// SystemdUnit: a systemd unit, system-wide or in a user's manager (`systemctl --user` as the user),
// with its content, enabled and active state; a content change (or a trigger change) restarts
// it. Without `content` it manages only the state of a unit some package installed
// (e.g. openvswitch-switch.service): that unit file is never written or removed.
import * as pulumi from "@pulumi/pulumi";
import { claim, release } from "./host/ledger";
import { Host } from "./host/transport";
import { UnitScope, startUnitScript, stopUnitScript, unitScope, writeUnitScript } from "./host/units";
import { ACCOUNT_NAME, GONE, checker, defined, diffFields, hostProvider, isUnknown, keyValues, sha256 } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface SystemdUnitArgs extends HostArgs {
    /** Unit name with its suffix, e.g. "hotstack-os-fabric.service". */
    name: pulumi.Input<string>;
    /** Unit file text. Omit to manage an existing unit's state only. */
    content?: pulumi.Input<string>;
    /** "system" (default) or "user" (then `user` names whose manager). */
    scope?: pulumi.Input<"system" | "user">;
    user?: pulumi.Input<string>;
    enabled?: pulumi.Input<boolean>;
    /** Started and kept running (default true). Oneshot units need RemainAfterExit=yes. */
    active?: pulumi.Input<boolean>;
    /** Restart when the content or a trigger changes (default true). */
    restartOnChange?: pulumi.Input<boolean>;
    /** Values whose change restarts the unit, e.g. hashes of the files it reads. */
    triggers?: pulumi.Input<pulumi.Input<string>[]>;
    /** A path the running unit creates (e.g. its socket): start waits for it, bounded. */
    waitForPath?: pulumi.Input<string>;
}

interface UnitInputs {
    name: string;
    content?: string;
    scope: "system" | "user";
    user?: string;
    enabled: boolean;
    active: boolean;
    restartOnChange: boolean;
    triggers: string[];
    waitForPath?: string;
}

interface UnitOutputs extends Omit<UnitInputs, "content"> {
    contentSha256?: string;
    adopted?: boolean;
}

const KIND = "systemd-unit";
const keyOf = (p: UnitScope) => `${p.scope}:${p.user ?? ""}:${p.name}`;
const ENABLED_STATES = ["enabled", "enabled-runtime", "static", "alias", "indirect", "generated", "linked", "linked-runtime"];
/** Where a user manager finds unit files besides the user's own directory. */
const USER_UNIT_PATHS = ["/etc/systemd/user", "/usr/local/lib/systemd/user", "/usr/lib/systemd/user", "/lib/systemd/user"];

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): UnitInputs {
    return defined({
        name: p.name, content: p.content, scope: p.scope, user: p.user, enabled: p.enabled, active: p.active,
        restartOnChange: p.restartOnChange, triggers: p.triggers, waitForPath: p.waitForPath,
    });
}

interface Observed {
    /** The user of a user unit does not exist (any more). */
    userAbsent: boolean;
    contentSha256?: string;
    known: boolean;
    enabled: boolean;
    active: boolean;
}

/**
 * The unit as the host shows it. A user unit whose manager is not running (no lingering) is
 * not running either; whether it is enabled is then what its install symlinks say.
 */
async function observe(host: Host, p: UnitScope): Promise<Observed> {
    const r = await host.run([
        unitScope(p, { manager: "probe" }),
        'f="$UNIT_DIR/$n"',
        'if [ -f "$f" ]; then echo "sha=$(sha256sum < "$f" | cut -d" " -f1)"; fi',
        'if [ "$MANAGER" = 1 ]; then',
        '  $SC cat "$n" >/dev/null 2>&1 && echo known=1 || echo known=0',
        // is-enabled and is-active exit non-zero for "disabled" and "inactive": the text is the answer.
        '  echo "enabled=$($SC is-enabled "$n" 2>/dev/null || true)"',
        '  echo "active=$($SC is-active "$n" 2>/dev/null || true)"',
        "else",
        `  known=0; for d in "$UNIT_DIR" ${USER_UNIT_PATHS.join(" ")}; do if [ -f "$d/$n" ]; then known=1; break; fi; done; echo "known=$known"`,
        '  enabled=disabled; [ ! -f "$f" ] || grep -q "^\\[Install\\]" "$f" || enabled=static',
        '  for l in "$UNIT_DIR"/*.wants/"$n" "$UNIT_DIR"/*.requires/"$n"; do if [ -L "$l" ] || [ -e "$l" ]; then enabled=enabled; fi; done',
        '  echo "enabled=$enabled"',
        "  echo active=inactive",
        "fi",
    ].join("\n"), { what: `inspect unit ${p.name}` });
    const get = keyValues(r.stdout);
    return {
        userAbsent: get("user") === "absent",
        contentSha256: get("sha"),
        known: get("known") === "1",
        enabled: ENABLED_STATES.includes(get("enabled") ?? ""),
        active: get("active") === "active",
    };
}

/** Writes the unit (when it has content), reloads, enables/starts/restarts, and proves it is active. */
async function converge(host: Host, p: UnitInputs, restart: boolean): Promise<UnitOutputs> {
    const lines = ["set -e", unitScope(p, { manager: "wait" }), 'f="$UNIT_DIR/$n"'];
    if (p.content !== undefined) lines.push(writeUnitScript(sha256(p.content)));
    // enable/disable report on stderr even when they succeed: quiet first, loud only to show a failure.
    lines.push(p.enabled ? '$SC enable "$n" >/dev/null 2>&1 || $SC enable "$n"' : '$SC disable "$n" >/dev/null 2>&1 || $SC disable "$n"');
    lines.push(p.active ? startUnitScript({ restart, settle: true, waitForPath: p.waitForPath }) : stopUnitScript());
    await host.run(lines.join("\n"), { stdin: p.content ?? "", what: `${p.scope} unit ${p.name}` });
    const { content, ...rest } = p;
    return defined({ ...rest, contentSha256: content === undefined ? undefined : sha256(content) });
}

export const systemdUnitProvider = hostProvider({
    async check(_olds, news) {
        const inputs: Record<string, any> = { ...news, scope: news.scope ?? "system", enabled: news.enabled ?? true, active: news.active ?? true, restartOnChange: news.restartOnChange ?? true, triggers: news.triggers ?? [] };
        const c = checker(inputs)
            .name("name", /^[A-Za-z0-9:_.@-]+\.(service|target|timer|socket|path|mount)$/, "a unit name with its suffix (.service, .target, …)")
            .oneOf("scope", ["system", "user"])
            .check("content", (v) => (typeof v === "string" && /^\[/m.test(v) ? undefined : "must be unit file text with [sections]"), true)
            .boolean("enabled")
            .boolean("active")
            .boolean("restartOnChange")
            .check("triggers", (v) => (Array.isArray(v) ? undefined : "must be a list of strings"))
            .absolutePath("waitForPath", true);
        if (inputs.scope === "user") c.name("user", ACCOUNT_NAME, "the user whose manager runs the unit");
        else if (inputs.user !== undefined && !isUnknown(inputs.user)) c.fail("user", "is only for scope \"user\"");
        return c.result();
    },

    async diff(olds, news) {
        return diffFields(olds, news, { name: "replace", scope: "replace", user: "replace", content: "update", enabled: "update", active: "update", restartOnChange: "update", triggers: "update", waitForPath: "update" },
            (f) => (f === "content" ? olds.contentSha256 : olds[f]),
            (f) => (f === "content" ? (news.content === undefined || isUnknown(news.content) ? news.content : sha256(news.content)) : news[f]));
    },

    async create(host, inputs) {
        const p = own(inputs);
        let created = true;
        if (p.content !== undefined) {
            const found = await observe(host, p);
            const original = found.contentSha256 !== undefined
                ? { content: (await host.run(`${unitScope(p, { manager: "probe" })}\nbase64 -w0 "$UNIT_DIR/$n"`, { what: `read unit ${p.name}` })).stdout }
                : undefined;
            created = (await claim(host, KIND, keyOf(p), original)).created;
        } else if (!(await observe(host, p)).known) {
            throw new Error(`unit ${p.name} is not installed on ${host.label}`);
        }
        const outs = await converge(host, p, false);
        return { id: keyOf(p), outs: { ...outs, adopted: !created } };
    },

    async read(host, id, props) {
        const [scope, user, name] = id.split(":");
        const known: Partial<UnitInputs> = own({ scope, user: user || undefined, name, ...props });
        const p = { ...known, enabled: known.enabled ?? true, active: known.active ?? true, restartOnChange: known.restartOnChange ?? true, triggers: known.triggers ?? [] } as UnitOutputs;
        const o = await observe(host, p);
        // A user unit whose user is gone is gone with it.
        const gone = o.userAbsent || (props.contentSha256 !== undefined ? o.contentSha256 === undefined : !o.known);
        if (gone) return GONE;
        return { id, props: defined({ ...p, contentSha256: o.contentSha256, enabled: o.enabled, active: o.active, adopted: props.adopted }) };
    },

    async update(host, _id, olds, news) {
        const p = own(news);
        const changed = (p.content !== undefined && sha256(p.content) !== olds.contentSha256) || JSON.stringify(p.triggers) !== JSON.stringify(olds.triggers);
        // Restart only a unit that was running with the old content; a stopped one just starts.
        const outs = await converge(host, p, changed && p.restartOnChange && olds.active === true);
        return { outs: defined({ ...outs, adopted: olds.adopted }) };
    },

    async delete(host, _id, props) {
        if (props.contentSha256 === undefined) return; // a package's unit: its state is left as it is
        const p = own(props);
        // Without a user (and so its manager) there is nothing left to remove; without a running
        // manager the file and its install links go, and the manager reads that when it starts.
        const scope = `${unitScope(p, { manager: "probe" })}\nf="$UNIT_DIR/$n"`;
        await release(host, KIND, keyOf(p), props.adopted, {
            async remove() {
                await host.run([
                    "set -e",
                    scope,
                    'if [ "$MANAGER" = 1 ]; then',
                    stopUnitScript(),
                    '  if [ -f "$f" ]; then $SC disable "$n" >/dev/null 2>&1 || $SC disable "$n"; fi',
                    '  rm -f "$f"',
                    "  $SC daemon-reload",
                    // Only a unit that failed is still loaded now: forgetting it is all that is left.
                    '  $SC reset-failed "$n" 2>/dev/null || true',
                    "else",
                    '  rm -f "$f" "$UNIT_DIR"/*.wants/"$n" "$UNIT_DIR"/*.requires/"$n"',
                    "fi",
                ].join("\n"), { what: `remove ${p.scope} unit ${p.name}` });
            },
            async restore(original) {
                const content = Buffer.from(String(original.content), "base64");
                await host.run(["set -e", scope, writeUnitScript(sha256(content))].join("\n"), { stdin: content, what: `restore ${p.scope} unit ${p.name}` });
            },
        });
    },
});

export class SystemdUnit extends HostResource {
    declare readonly name: pulumi.Output<string>;
    declare readonly contentSha256: pulumi.Output<string | undefined>;
    declare readonly enabled: pulumi.Output<boolean>;
    declare readonly active: pulumi.Output<boolean>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: SystemdUnitArgs, opts?: pulumi.CustomResourceOptions) {
        super(systemdUnitProvider, "SystemdUnit", name, { contentSha256: undefined, enabled: undefined, active: undefined, adopted: undefined, ...args }, opts);
    }
}
