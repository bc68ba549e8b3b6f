// Each password key rotated through config, one at a time, on a deployed stack (e2e:resilience
// with the identity set, e2e:cloud with ROTATE=1 on the full set): each run succeeds, every
// service stays active, a token works (with the new admin password when that one changed), and
// exactly the containers that mount the changed password restart — no other unit of the program.
import { PASSWORD_KEYS, PasswordKey, parseConfig } from "../../components/config";
import { serviceContext } from "../../components/services/context";
import { serviceSpecs } from "../../components/services/index";
import { onHostOk } from "../support/testhost";
import { brokerLogin, brokerPassword } from "./amqp";
import { Checks } from "./checks";
import { restartedUnits, unitStarts } from "./measure";

const SECRET_OF: Record<PasswordKey, string> = {
    adminPassword: "ADMIN_PASSWORD", dbPassword: "DB_PASSWORD", servicePassword: "SERVICE_PASSWORD",
    mysqlRootPassword: "MYSQL_ROOT_PASSWORD", rabbitmqPassword: "RABBITMQ_PASSWORD",
};

/** The containers of a service set, and for each password key the ones that mount it (sorted). */
export function passwordUsers(serviceSet: "identity" | "full"): { services: string[]; users: (key: PasswordKey) => string[] } {
    const specs = serviceSpecs(serviceContext(parseConfig({ serviceSet })));
    return {
        services: specs.map((s) => s.name),
        users: (key) => specs.filter((s) => (s.secrets ?? []).includes(SECRET_OF[key] as never)).map((s) => s.name).sort(),
    };
}

export interface Rotation {
    serviceSet: "identity" | "full";
    /** The stack's password config: each rotation sets one key here before `converge` runs. */
    passwords: Partial<Record<PasswordKey, string>>;
    converge: (what: string) => Promise<unknown>;
    tokenWorks: () => boolean;
}

/** Rotates every password key in turn; figures `rotations_ok` and `rotation_restarts_exact`. */
export async function rotateEach(checks: Checks, r: Rotation): Promise<Record<string, string>> {
    const { services, users } = passwordUsers(r.serviceSet);
    let ok = 0;
    let exact = 0;
    for (const key of PASSWORD_KEYS) {
        const previous = key === "rabbitmqPassword" ? brokerPassword() : undefined;
        r.passwords[key] = `rotated-${key}-${Date.now().toString(36)}`;
        const before = unitStarts();
        const ran = await r.converge(`rotate ${key}`).then(() => true, (e) => {
            checks.expect(false, `rotating ${key}: the run succeeds`, (e as Error).message.split("\n").slice(0, 4).join(" | "));
            return false;
        });
        if (ran) checks.expect(true, `rotating ${key}: the run succeeds`);
        const healthy = checks.expect(onHostOk(`systemctl is-active --quiet ${services.map((s) => `hotstack-os-${s}.service`).join(" ")}`), `rotating ${key}: every service stays active`);
        let brokerOk = true;
        if (key === "rabbitmqPassword") {
            // The broker itself must hold the new password (a config default alone seeds only an empty node).
            const taken = brokerLogin(r.passwords[key]!);
            const stale = previous ? brokerLogin(previous) : "not read before the run";
            brokerOk = checks.expect(taken === "accepted" && stale === "refused", "rotating rabbitmqPassword: the broker takes the new password and refuses the one before", `new: ${taken}, before: ${stale}`);
        }
        // The wait is generous and its time is printed: before containers kept their MAC across
        // restarts (service.ts macFor), keystone could not reach a restarted MariaDB until its ARP
        // entry expired (tokens came back after 3-38 s); the printed time shows a regression.
        const token = await checks.waitFor(`rotating ${key}: a token${key === "adminPassword" ? " with the new admin password" : ""}`, 120, r.tokenWorks, 2);
        let restarted: string[] = [];
        try {
            restarted = restartedUnits(before, unitStarts());
        } catch (e) {
            checks.expect(false, `rotating ${key}: the units' start times were read`, (e as Error).message);
        }
        const expected = users(key);
        const isExact = checks.expect(JSON.stringify(restarted) === JSON.stringify(expected), `rotating ${key}: exactly the containers that use it restarted`, `restarted [${restarted.join(", ")}], users [${expected.join(", ")}]`);
        if (ran && healthy && brokerOk && token !== undefined) ok++;
        if (isExact) exact++;
    }
    return { rotations_ok: `${ok}/${PASSWORD_KEYS.length}`, rotation_restarts_exact: `${exact}/${PASSWORD_KEYS.length}` };
}
