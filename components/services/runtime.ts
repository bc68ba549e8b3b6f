// What every container unit relies on: hotstack-os.target (enabled at boot, wants every service)
// and the health gate script the units run as ExecStartPost.
import * as pulumi from "@pulumi/pulumi";
import { Directory } from "../../providers/directory";
import { File } from "../../providers/file";
import { SystemdUnit } from "../../providers/systemd-unit";
import { FABRIC_UNIT } from "../names";
import { TARGET, WAIT_HEALTHY } from "./service";

export const WAIT_HEALTHY_SCRIPT = `#!/bin/sh
# Managed by hotstack-os. ExecStartPost of every hotstack-os container unit: the unit counts as
# started only once the container's health command passes (or gives up after the limit).
# usage: wait-healthy CONTAINER SECONDS
c=$1; limit=\${2:-300}; start=$(date +%s)
while :; do
    podman healthcheck run "$c" >/dev/null 2>&1 && exit 0
    state=$(podman container inspect -f '{{.State.Status}}' "$c" 2>/dev/null || echo missing)
    if [ "$state" != running ]; then echo "$c is $state" >&2; exit 1; fi
    if [ $(( $(date +%s) - start )) -ge "$limit" ]; then
        echo "$c is not healthy after \${limit}s; last check output:" >&2
        podman container inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' "$c" 2>/dev/null | tail -20 >&2
        exit 1
    fi
    sleep 2
done
`;

export const TARGET_UNIT = `[Unit]
Description=hotstack-os: single-node OpenStack (every hotstack-os container unit)
Wants=network-online.target ${FABRIC_UNIT}
After=network-online.target openvswitch-switch.service openvswitch.service ${FABRIC_UNIT}

[Install]
WantedBy=multi-user.target
`;

export class ServiceRuntime extends pulumi.ComponentResource {
    readonly target: SystemdUnit;
    readonly waitHealthy: File;

    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("hotstack-os:service:Runtime", name, {}, opts);
        const dir = new Directory(`${name}-libexec`, { path: WAIT_HEALTHY.slice(0, WAIT_HEALTHY.lastIndexOf("/")), owner: "root", group: "root", mode: "0755" }, { parent: this });
        this.waitHealthy = new File(`${name}-wait-healthy`, { path: WAIT_HEALTHY, content: WAIT_HEALTHY_SCRIPT, mode: "0755" }, { parent: this, dependsOn: dir });
        this.target = new SystemdUnit(`${name}-target`, { name: TARGET, content: TARGET_UNIT }, { parent: this });
        this.registerOutputs({});
    }
}
