// Providers that need systemd as PID 1 and logind (SystemdUnit, lingering), and what needs a
// newer podman or an apt mirror, run here: on the disposable test host, over SSH (npm run test:host).
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hostPackagesProvider } from "../../providers/host-packages";
import { closeAllConnections } from "../../providers/host/transport";
import { podmanNetworkProvider } from "../../providers/podman-network";
import { systemUserProvider } from "../../providers/system-user";
import { systemdUnitProvider } from "../../providers/systemd-unit";
import { userSystemctl } from "../../providers/host/units";
import { checked, create, read, serialized, setTestConfig, suffix, update } from "../support/providers";
import { onHost, onHostOk, startTestHost, stopTestHost, testHostConfig } from "../support/testhost";

before(() => {
    // Resources live on host "main" (their default); the stack config points it at the test host.
    setTestConfig(testHostConfig(startTestHost()));
});
after(async () => {
    await closeAllConnections();
    if (!process.env.KEEP_TESTHOST) stopTestHost();
});

const since = (unit: string) => onHost(`systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`).trim();
/** The user's own systemctl, the way the product reaches a user's manager. */
const userSc = (user: string) => userSystemctl(user, `$(id -u ${user})`);

describe("SystemdUnit, system scope [ssh, test host]", () => {
    test("create, read, no-op diff, drift (stopped by hand), content change restarts, delete [ssh]", async () => {
        const p = await serialized(systemdUnitProvider);
        const name = `hotstack-test-${suffix()}.service`;
        const content = (msg: string) => `[Unit]\nDescription=test ${msg}\n[Service]\nExecStart=/bin/sh -c 'echo ${msg}; exec sleep infinity'\n[Install]\nWantedBy=multi-user.target\n`;
        const inputs = await checked(p, { name, content: content("one") });
        const made = await create(p, inputs);
        assert.equal(onHost(`systemctl is-active ${name}; systemctl is-enabled ${name}`).trim(), "active\nenabled");
        assert.equal(made.outs.active, true);

        const back = await read(p, made.id, made.outs);
        assert.equal((await p.diff(made.id, back.props, inputs)).changes, false);

        onHost(`systemctl stop ${name}`); // drift
        const drifted = await read(p, made.id, back.props);
        assert.equal(drifted.props.active, false);
        const d = await p.diff(made.id, drifted.props, inputs);
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, [], "an update (a start), not a replacement");
        assert.deepEqual((d as any).fields, ["active"]);
        await update(p, made.id, drifted.props, inputs);
        assert.equal(onHost(`systemctl is-active ${name}`).trim(), "active");

        const started = since(name);
        const changed = await checked(p, { name, content: content("two") });
        const outs = await update(p, made.id, await read(p, made.id, back.props).then((r) => r.props), changed);
        assert.notEqual(since(name), started, "a content change restarts the unit");
        assert.match(onHost(`journalctl -u ${name} -n 5 --no-pager`), /two/);

        await p.delete(made.id, outs);
        assert.equal(onHostOk(`test -e /etc/systemd/system/${name}`), false);
        assert.equal(onHost(`systemctl is-active ${name}`, { allowFailure: true }).trim(), "inactive");
    });

    test("a failing unit is reported with its journal [ssh]", async () => {
        const p = await serialized(systemdUnitProvider);
        const name = `hotstack-fail-${suffix()}.service`;
        const inputs = await checked(p, { name, content: "[Service]\nExecStart=/bin/sh -c 'echo boom-from-unit >&2; exit 3'\n" });
        await assert.rejects(create(p, inputs), /boom-from-unit/);
        onHost(`systemctl stop ${name}; rm -f /etc/systemd/system/${name}; systemctl daemon-reload; systemctl reset-failed ${name} || true`);
    });

    test("a package's unit: only its state is managed [ssh]", async () => {
        const p = await serialized(systemdUnitProvider);
        const inputs = await checked(p, { name: "openvswitch-switch.service" });
        const made = await create(p, inputs);
        assert.equal(made.outs.active, true);
        await p.delete(made.id, made.outs);
        assert.equal(onHost("systemctl is-active openvswitch-switch").trim(), "active", "delete never stops a package's service");
    });
});

describe("SystemUser with lingering, and a user unit in its manager [ssh, test host]", () => {
    test("linger, user unit waiting for its socket, drift, delete [ssh]", async () => {
        const users = await serialized(systemUserProvider);
        const units = await serialized(systemdUnitProvider);
        const name = `hsl${suffix()}`;
        try {
            const uInputs = await checked(users, { name, home: `/var/lib/${name}`, groups: ["kvm"], linger: true });
            const user = await create(users, uInputs);
            assert.match(onHost(`loginctl show-user ${name}`), /Linger=yes/);
            const uid = user.outs.uid;

            const sock = `/run/user/${uid}/hotstack-test.sock`;
            const unitInputs = await checked(units, {
                name: "hotstack-test-user.service", scope: "user", user: name,
                content: `[Service]\nExecStart=/usr/bin/socat UNIX-LISTEN:${sock},fork EXEC:/bin/cat\n[Install]\nWantedBy=default.target\n`,
                waitForPath: sock,
            });
            const unit = await create(units, unitInputs);
            assert.equal(onHost(`${userSc(name)} is-active hotstack-test-user.service`).trim(), "active");
            assert.ok(onHostOk(`test -S ${sock}`));
            assert.equal((await units.diff(unit.id, (await read(units, unit.id, unit.outs)).props, unitInputs)).changes, false);

            onHost(`loginctl disable-linger ${name}`); // drift
            const drifted = await read(users, name, user.outs);
            assert.equal(drifted.props.linger, false);
            const d = await users.diff(name, drifted.props, uInputs);
            assert.equal(d.changes, true);
            assert.deepEqual(d.replaces, [], "an update, not a replacement");
            assert.deepEqual((d as any).fields, ["linger"]);
            await update(users, name, drifted.props, uInputs);
            assert.match(onHost(`loginctl show-user ${name}`), /Linger=yes/);

            // The system bus restarts (package upgrades do): `systemctl --user -M user@` fails
            // from then on (systemd 257); the user's manager must still be reachable.
            onHost("systemctl stop dbus.socket dbus.service; sleep 1; systemctl start dbus.socket dbus.service");
            let rewrote;
            try {
                const rewritten = await checked(units, { ...unitInputs, content: `${unitInputs.content}# after the system bus restarted\n` });
                rewrote = await update(units, unit.id, unit.outs, rewritten);
                assert.equal(onHost(`${userSc(name)} is-active hotstack-test-user.service`).trim(), "active");
                assert.equal((await read(units, unit.id, rewrote)).props.active, true);
            } finally {
                onHost("systemctl restart systemd-logind"); // logind lost the bus with it
            }

            await units.delete(unit.id, rewrote);
            assert.equal(onHostOk(`test -e /var/lib/${name}/.config/systemd/user/hotstack-test-user.service`), false);
            await users.delete(name, user.outs);
            assert.equal(onHostOk(`id ${name}`), false);
            assert.equal(onHostOk(`test -e /var/lib/systemd/linger/${name}`), false);
        } finally {
            onHost(`loginctl disable-linger ${name} 2>/dev/null; loginctl terminate-user ${name} 2>/dev/null; userdel -r ${name} 2>/dev/null; true`);
        }
    });
});

describe("podman 5 and apt on the test host [ssh, test host]", () => {
    test("PodmanNetwork names the host interface [ssh]", async () => {
        const p = await serialized(podmanNetworkProvider);
        const name = `hotstack-test-${suffix()}`;
        const made = await create(p, await checked(p, { name, subnet: "10.254.0.0/25", interfaceName: "hst-if" }));
        assert.equal(JSON.parse(onHost(`podman network inspect ${name}`))[0].network_interface, "hst-if");
        await p.delete(name, made.outs);
        assert.equal(onHostOk(`podman network exists ${name}`), false);
    });

    test("HostPackages installs what is missing from the mirror and never uninstalls [ssh]", async () => {
        const p = await serialized(hostPackagesProvider);
        onHost("dpkg -r tree >/dev/null 2>&1 || true");
        const debian = { family: "debian", repositories: [], packages: ["tree"], selinuxPackages: [], services: ["openvswitch-switch.service"], ovmfDir: "/usr/share/OVMF" };
        const inputs = await checked(p, { plans: { debian, fedora: { ...debian, family: "fedora", services: [] } } });
        const made = await create(p, inputs);
        assert.equal(made.outs.distro, "debian", "the test host runs Debian trixie");
        assert.deepEqual(made.outs.installed, ["tree"]);
        assert.ok(onHostOk("command -v tree"));
        onHost("systemctl stop openvswitch-switch");
        const drifted = await read(p, made.id, made.outs);
        assert.deepEqual(drifted.props.inactive, ["openvswitch-switch.service"]);
        assert.equal((await p.diff(made.id, drifted.props, inputs)).changes, true);
        await update(p, made.id, drifted.props, inputs);
        assert.equal(onHost("systemctl is-active openvswitch-switch").trim(), "active");
        await p.delete(made.id, made.outs);
        assert.ok(onHostOk("command -v tree"), "packages stay");
    });
});
