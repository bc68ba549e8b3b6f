// SystemdUnit and lingering need systemd as PID 1 and logind, which this machine does not run:
// they are tested on the disposable test host (test/host, npm run test:host). Here they are
// reported as skipped with the reason, never passed without running.
import { test } from "node:test";
import * as fs from "node:fs";

const systemd = fs.existsSync("/run/systemd/system");
const reason = "needs systemd as PID 1 and logind: runs on the disposable test host (npm run test:host)";
for (const t of ["local", "ssh"]) {
    test(`SystemdUnit create/read/diff/drift/update/delete [${t}]`, { skip: systemd ? "this machine runs systemd: see npm run test:host" : reason }, () => {});
    test(`SystemUser lingering [${t}]`, { skip: systemd ? "this machine runs systemd: see npm run test:host" : reason }, () => {});
}
