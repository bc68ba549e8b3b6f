// ContainerService (podman Quadlet) needs systemd and podman >= 4.4: on the test host.
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { containerServiceProvider } from "../../providers/container-service";
import { closeAllConnections } from "../../providers/host/transport";
import { ensureTestImage } from "../support/images";
import { checked, create, read, serialized, setTestConfig, suffix, update } from "../support/providers";
import { copyImageToHost, onHost, onHostOk, startTestHost, stopTestHost, testHostConfig } from "../support/testhost";

let image: string;
before(() => {
    // Resources live on host "main" (their default); the stack config points it at the test host.
    setTestConfig(testHostConfig(startTestHost()));
    image = ensureTestImage();
    copyImageToHost(image);
});
after(async () => {
    await closeAllConnections();
    if (!process.env.KEEP_TESTHOST) stopTestHost();
});

function quadlet(name: string, healthy: boolean, note = ""): string {
    return [
        "[Unit]",
        `Description=hotstack-os test service ${note}`,
        "[Container]",
        `ContainerName=hotstack-os-${name}`,
        `Image=${image}`,
        "Pull=never",
        "Network=none",
        `Exec=/bin/sh -c "echo started ${note}; sleep 1; ${healthy ? "touch /tmp/ready;" : "echo never-ready;"} exec sleep 1000000"`,
        "HealthCmd=test -e /tmp/ready",
        "HealthInterval=30s",
        "StopTimeout=1", // its PID 1 (sleep) ignores SIGTERM: do not wait 10 s on every stop
        "[Service]",
        `ExecStartPost=/bin/sh -c 'for i in $(seq 15); do podman healthcheck run hotstack-os-${name} >/dev/null 2>&1 && exit 0; sleep 1; done; echo hotstack-os-${name} is not healthy; exit 1'`,
        "TimeoutStartSec=60",
        "TimeoutStopSec=5", // after a failed start systemd otherwise waits 90 s for conmon
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

const started = (name: string) => onHost(`podman inspect -f '{{.State.StartedAt}}' hotstack-os-${name}`).trim();

describe("ContainerService [ssh, test host]", () => {
    test("create waits for health, read, no-op, drift (stopped by hand), trigger restarts only it, delete [ssh]", async () => {
        const p = await serialized(containerServiceProvider);
        const name = `t${suffix()}`;
        const inputs = await checked(p, { name, content: quadlet(name, true), triggers: ["config-v1"], startTimeoutSeconds: 60 });
        const made = await create(p, inputs);
        assert.equal(onHost(`systemctl is-active hotstack-os-${name}.service`).trim(), "active");
        assert.match(onHost(`podman inspect -f '{{.State.Health.Status}}' hotstack-os-${name}`), /healthy/);
        assert.ok(onHostOk(`test -f /etc/containers/systemd/hotstack-os-${name}.container`));

        const back = await read(p, name, made.outs);
        assert.equal((await p.diff(name, back.props, inputs)).changes, false);

        onHost(`systemctl stop hotstack-os-${name}.service`); // drift
        const drifted = await read(p, name, back.props);
        assert.equal(drifted.props.active, false);
        const d = await p.diff(name, drifted.props, inputs);
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, [], "an update (a start), not a replacement");
        assert.deepEqual((d as any).fields, ["active"]);
        const restarted = await update(p, name, drifted.props, inputs);
        assert.equal(onHost(`systemctl is-active hotstack-os-${name}.service`).trim(), "active");

        const t0 = started(name);
        const v2 = await checked(p, { ...inputs, triggers: ["config-v2"] });
        const outs = await update(p, name, restarted, v2);
        assert.notEqual(started(name), t0, "a trigger change restarts the container");

        await p.delete(name, outs);
        assert.equal(onHostOk(`test -e /etc/containers/systemd/hotstack-os-${name}.container`), false);
        assert.equal(onHostOk(`podman container exists hotstack-os-${name}`), false);
    });

    test("what runs is compared with the host's record of its inputs, not with the state [ssh]", async () => {
        // A run that was killed: it started the unit (and recorded its inputs), the state never heard of it.
        const p = await serialized(containerServiceProvider);
        const name = `k${suffix()}`;
        const v1 = await checked(p, { name, content: quadlet(name, true), triggers: ["secret-digest-1"], startTimeoutSeconds: 60 });
        await create(p, v1);
        const t1 = started(name);
        // The next run creates it again with the same inputs: adopted as it runs, no restart.
        const again = await create(p, v1);
        assert.equal(started(name), t1, "same inputs: not restarted");
        // ... or with a new secret (the killed run's passwords were never recorded): restarted.
        const v2 = await checked(p, { ...v1, triggers: ["secret-digest-2"] });
        const made = await create(p, v2);
        assert.notEqual(started(name), t1, "other inputs than the running ones: restarted");
        assert.equal(made.outs.applied, onHost(`cat /etc/containers/systemd/hotstack-os-${name}.container.applied`).trim());
        // A state that lags behind the host (update from v1 outputs to v2 inputs, host already v2): no restart.
        const t2 = started(name);
        await update(p, name, again.outs, v2);
        assert.equal(started(name), t2, "the host already runs v2: the update does not restart it");
        // Refresh sees what the host runs: a record of other inputs is drift.
        onHost(`echo other > /etc/containers/systemd/hotstack-os-${name}.container.applied`);
        const back = await read(p, name, made.outs);
        assert.equal((await p.diff(name, back.props, v2)).changes, true, "the host's record differs: an update");
        await update(p, name, back.props, v2);
        assert.notEqual(started(name), t2, "and that update restarts it");
        await p.delete(name, made.outs);
        assert.equal(onHostOk(`test -e /etc/containers/systemd/hotstack-os-${name}.container.applied`), false);
    });

    test("a service that never gets healthy fails with its journal, and stays in state to retry [ssh]", async () => {
        const p = await serialized(containerServiceProvider);
        const name = `u${suffix()}`;
        try {
            const inputs = await checked(p, { name, content: quadlet(name, false), startTimeoutSeconds: 30 });
            let err: any;
            try {
                await create(p, inputs);
            } catch (e) {
                err = e;
            }
            assert.ok(err, "create failed");
            assert.match(err.message, /never-ready|is not healthy/);
            assert.equal(err.id, name, "the engine records the unit (ErrorResourceInitFailed) so the next run updates it");
            assert.equal(err.properties.active, false);
        } finally {
            onHost(`systemctl stop hotstack-os-${name}.service; rm -f /etc/containers/systemd/hotstack-os-${name}.container; systemctl daemon-reload; podman rm -f hotstack-os-${name} >/dev/null 2>&1; true`);
        }
    });
});
