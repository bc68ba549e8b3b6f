// Whether the running broker takes a password for user "openstack": a real AMQP PLAIN login from
// the test host to the hotstack-os-rabbitmq container, as the services' oslo.messaging does it.
import * as fs from "fs";
import * as path from "path";
import { onHost, onHostStatus } from "../support/testhost";

const LOGIN = fs.readFileSync(path.join(__dirname, "amqp-login.py"), "utf8");
// The first stdin line is the password, the rest is the script (nothing secret in argv).
const RUNNER = "import sys; pw = sys.stdin.readline().rstrip(chr(10)); exec(sys.stdin.read())";
const BROKER_IP = "$(podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' hotstack-os-rabbitmq)";

/** "accepted", "refused" (ACCESS_REFUSED), or what else happened (the probe's last stderr line). */
export function brokerLogin(password: string): string {
    const { status, stderr } = onHostStatus(`python3 -c '${RUNNER}' "${BROKER_IP}"`, `${password}\n${LOGIN}`);
    if (status === 0) return "accepted";
    if (status === 2) return "refused";
    return `no answer (exit ${status}: ${stderr.trim().split("\n").pop() ?? ""})`;
}

/** The password the running broker was last given: the user in its imported definitions file. */
export function brokerPassword(): string | undefined {
    const defs = JSON.parse(onHost("podman exec hotstack-os-rabbitmq cat /etc/rabbitmq/definitions.json", { allowFailure: true }) || "{}");
    return defs.users?.[0]?.password;
}
