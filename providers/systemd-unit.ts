// SystemdUnit: a systemd unit, system-wide or in a user's manager (`systemctl --user -M user@`),
// with its content, enabled and active state; a content change (or a trigger change) restarts
// it. Without `content` it manages only the state of a unit some package installed
// (e.g. openvswitch-switch.service): that unit file is never written or removed.
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { Connection } from "./host/connection";
import { writeFileScript } from "./host/files";
import { claim, createdByUs, dropLedger, readLedger } from "./host/ledger";
import { sh } from "./host/shell";
import { Host, hostCommandError } from "./host/transport";
import { ACCOUNT_NAME, GONE, checker, defined, diffFields, hostOf, isUnknown } from "./kit";

export interface SystemdUnitArgs {
    connection: pulumi.Input<Connection>;
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
    connection: Connection;
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
const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");
const keyOf = (p: { scope: string; user?: string; name: string }) => `${p.scope}:${p.user ?? ""}:${p.name}`;
const ENABLED_STATES = ["enabled", "enabled-runtime", "static", "alias", "indirect", "generated", "linked", "linked-runtime"];

/** Shell that sets SC (the systemctl to use), UNIT_DIR, OWNER and JOURNAL for this unit. */
function scopeScript(p: { scope: string; user?: string; name: string }): string {
    if (p.scope === "system") {
        return [`SC=systemctl; UNIT_DIR=/etc/systemd/system; OWNER=root:root; n=${sh(p.name)}`, 'journal() { journalctl -u "$n" -n 40 --no-pager 2>&1 || true; }'].join("\n");
    }
    return [
        `u=${sh(p.user!)}; n=${sh(p.name)}`,
        'uid=$(id -u "$u"); home=$(getent passwd "$u" | cut -d: -f6)',
        'SC="systemctl --user -M $u@"; UNIT_DIR="$home/.config/systemd/user"; OWNER="$u:$(id -gn "$u")"',
        // The user's manager runs only with lingering (or a login): wait for it, bounded.
        'for i in $(seq 60); do systemctl is-active --quiet "user@$uid.service" && break; sleep 0.5; done',
        'systemctl is-active --quiet "user@$uid.service" || { echo "the systemd manager of $u is not running (is lingering enabled?)" >&2; exit 1; }',
        'journal() { journalctl "_SYSTEMD_USER_UNIT=$n" "_UID=$uid" -n 40 --no-pager 2>&1 || true; }',
    ].join("\n");
}

interface Observed {
    contentSha256?: string;
    known: boolean;
    enabled: boolean;
    active: boolean;
}

async function observe(host: Host, p: UnitInputs | UnitOutputs): Promise<Observed> {
    const r = await host.run([
        scopeScript(p),
        'f="$UNIT_DIR/$n"',
        'if [ -f "$f" ]; then echo "sha=$(sha256sum < "$f" | cut -d" " -f1)"; fi',
        '$SC cat "$n" >/dev/null 2>&1 && echo known=1 || echo known=0',
        'echo "enabled=$($SC is-enabled "$n" 2>/dev/null || true)"',
        'echo "active=$($SC is-active "$n" 2>/dev/null || true)"',
    ].join("\n"), { what: `inspect unit ${p.name}` });
    const get = (k: string) => r.stdout.split("\n").find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
    return {
        contentSha256: get("sha"),
        known: get("known") === "1",
        enabled: ENABLED_STATES.includes(get("enabled") ?? ""),
        active: get("active") === "active",
    };
}

/** Writes the unit (when it has content), reloads, enables/starts/restarts, and proves it is active. */
async function converge(host: Host, p: UnitInputs, restart: boolean): Promise<UnitOutputs> {
    const lines = [scopeScript(p), 'f="$UNIT_DIR/$n"', "set -e"];
    if (p.content !== undefined) {
        lines.push('install -d -o "${OWNER%%:*}" -g "${OWNER#*:}" "$UNIT_DIR"');
        lines.push(`if [ ! -f "$f" ] || [ "$(sha256sum < "$f" | cut -d' ' -f1)" != ${sh(sha256(p.content))} ]; then`);
        lines.push(`( ${writeFileScript("__UNIT__", { owner: "root", group: "root", mode: "0644" }).replace("p=__UNIT__", 'p="$f"')} )`);
        lines.push('chown "$OWNER" "$f"; $SC daemon-reload; fi');
    }
    lines.push(p.enabled ? '$SC enable "$n" >/dev/null 2>&1 || $SC enable "$n"' : '$SC disable "$n" >/dev/null 2>&1 || true');
    if (p.active) {
        lines.push(restart ? '$SC restart "$n" || { journal >&2; exit 1; }' : '$SC start "$n" || { journal >&2; exit 1; }');
        // Type=notify/oneshot units are active once start returns; give others a moment to settle.
        lines.push('for i in $(seq 20); do [ "$($SC is-active "$n")" = activating ] || break; sleep 0.5; done');
        // A simple/exec service counts as active as soon as it has forked: one that dies at once
        // shows within a second, and must fail the create rather than pass it.
        lines.push('[ "$($SC show -p Type --value "$n")" = oneshot ] || for i in 1 2 3 4 5; do $SC is-active --quiet "$n" || break; sleep 0.2; done');
        lines.push('$SC is-active --quiet "$n" || { echo "$n is $($SC is-active "$n") after start" >&2; journal >&2; exit 1; }');
        if (p.waitForPath) {
            lines.push(`w=${sh(p.waitForPath)}; for i in $(seq 100); do [ -e "$w" ] && break; sleep 0.1; done`);
            lines.push('[ -e "$w" ] || { echo "$n is active but $w did not appear within 10 s" >&2; journal >&2; exit 1; }');
        }
    } else {
        lines.push('$SC stop "$n" 2>/dev/null || true');
    }
    await host.run(lines.join("\n"), { stdin: p.content ?? "", what: `${p.scope} unit ${p.name}` });
    const { content, ...rest } = p;
    return defined({ ...rest, contentSha256: content === undefined ? undefined : sha256(content) });
}

export const systemdUnitProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        const inputs = { ...news, scope: news.scope ?? "system", enabled: news.enabled ?? true, active: news.active ?? true, restartOnChange: news.restartOnChange ?? true, triggers: news.triggers ?? [] };
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

    async diff(_id, olds, news) {
        return diffFields(olds, news, { name: "replace", scope: "replace", user: "replace", content: "update", enabled: "update", active: "update", restartOnChange: "update", triggers: "update", waitForPath: "update" },
            (f) => (f === "content" ? olds.contentSha256 : olds[f]),
            (f) => (f === "content" ? (news.content === undefined || isUnknown(news.content) ? news.content : sha256(news.content)) : news[f]));
    },

    async create(inputs) {
        const p = inputs as UnitInputs;
        const host = await hostOf(p);
        let created = true;
        if (p.content !== undefined) {
            const found = await observe(host, p);
            const original = found.contentSha256 !== undefined
                ? { content: (await host.run(`${scopeScript(p)}\nbase64 -w0 "$UNIT_DIR/$n"`)).stdout }
                : undefined;
            created = (await claim(host, KIND, keyOf(p), original)).created;
        } else if (!(await observe(host, p)).known) {
            throw new Error(`unit ${p.name} is not installed on ${host.label}`);
        }
        const outs = await converge(host, p, false);
        return { id: keyOf(p), outs: { ...outs, adopted: !created } };
    },

    async read(id, props) {
        const [scope, user, name] = id.split(":");
        const p = { enabled: true, active: true, restartOnChange: true, triggers: [], scope, user: user || undefined, name, ...props } as UnitOutputs;
        const o = await observe(await hostOf(p), p);
        const gone = p.contentSha256 !== undefined ? o.contentSha256 === undefined : !o.known;
        if (gone) return GONE;
        return { id, props: defined({ ...p, contentSha256: o.contentSha256 === undefined ? undefined : o.contentSha256, enabled: o.enabled, active: o.active }) };
    },

    async update(_id, olds, news) {
        const p = news as UnitInputs;
        const changed = (p.content !== undefined && sha256(p.content) !== olds.contentSha256) || JSON.stringify(p.triggers) !== JSON.stringify(olds.triggers);
        // Restart only a unit that was running with the old content; a stopped one just starts.
        const outs = await converge(await hostOf(p), p, changed && p.restartOnChange && olds.active === true);
        return { outs: defined({ ...outs, adopted: olds.adopted }) };
    },

    async delete(_id, props) {
        const p = props as UnitOutputs;
        if (p.contentSha256 === undefined) return; // a package's unit: its state is left as it is
        const host = await hostOf(p);
        const entry = await readLedger(host, KIND, keyOf(p));
        const original = entry?.original?.content as string | undefined;
        const lines = [scopeScript(p), 'f="$UNIT_DIR/$n"'];
        if (createdByUs(entry, p.adopted)) {
            lines.push('$SC disable --now "$n" >/dev/null 2>&1 || true', 'rm -f "$f"', '$SC daemon-reload', '$SC reset-failed "$n" 2>/dev/null || true');
        } else if (original) {
            lines.push(`printf '%s' ${sh(original)} | base64 -d > "$f"`, '$SC daemon-reload');
        }
        const r = await host.run(lines.join("\n"), { check: false });
        // A user unit whose user (and so its manager) is already gone has nothing left to remove.
        if (r.code !== 0 && !(p.scope === "user" && /is not running|no such user/i.test(r.stderr))) {
            throw hostCommandError(host.label, `remove unit ${p.name}`, r.code, r.stderr, r.stdout);
        }
        await dropLedger(host, KIND, keyOf(p));
    },
};

export class SystemdUnit extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly contentSha256: pulumi.Output<string | undefined>;
    declare readonly enabled: pulumi.Output<boolean>;
    declare readonly active: pulumi.Output<boolean>;
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: SystemdUnitArgs, opts?: pulumi.CustomResourceOptions) {
        super(systemdUnitProvider, name, { contentSha256: undefined, enabled: undefined, active: undefined, adopted: undefined, ...args }, opts, "hotstack", "SystemdUnit");
    }
}
