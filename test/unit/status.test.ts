// npm run status and npm run logs: the parsing of what the host answers and the table, from
// command output written in the documented formats (systemctl list-units --plain --no-legend,
// podman ps --format, HAProxy's stats CSV, the openstack client's -f json, ovn-sbctl show), and
// statusChecks against a fake host that answers those commands (which commands are asked, and
// which are skipped for a smaller service set). No host is touched.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseConfig } from "../../components/config";
import { hostPlan } from "../../components/host-plan";
import { SERVICE_NAMES } from "../../components/services/index";
import { ExecResult, Host, RunOptions } from "../../providers/host/transport";
import { HOST_UNITS, logsArgs, logsCommand, streamLogs } from "../../tools/logs";
import {
    DASHBOARD_LOGIN, LIBVIRT_SESSION_UNIT, StatusInputs, StatusRow, backendServices, computeHostsStatus, evaluateStatus, parseCatalog, parseChassis, parseContainers,
    parseHaproxyCsv, parseProbes, parseServiceList, parseUnits, probeUrl, renderStatus, renderVersions, statusChecks, versionRows, versionsScript,
} from "../../tools/status";

const ok = (stdout: string): ExecResult => ({ code: 0, stdout, stderr: "" });
const fail = (code: number, stderr: string, stdout = ""): ExecResult => ({ code, stdout, stderr });

// ---- captured outputs of a healthy full cloud ----------------------------------------------------

const FULL: string[] = [...SERVICE_NAMES];
const DESCRIPTIONS: Record<string, string> = { keystone: "Keystone identity API", "nova-compute": "nova-compute (libvirt session of hotstack)" };

/** `systemctl list-units --all --plain --no-legend --no-pager 'hotstack-os-*.service' hotstack-os.target` */
function unitsText(state: Record<string, [string, string]> = {}, services = FULL): string {
    const line = (unit: string, active: string, sub: string, desc: string) => `${unit.padEnd(45)} loaded ${active.padEnd(8)} ${sub.padEnd(7)} ${desc}`;
    return [
        ...services.map((s) => line(`hotstack-os-${s}.service`, ...(state[s] ?? ["active", "running"]), DESCRIPTIONS[s] ?? `hotstack-os ${s}`)),
        line("hotstack-os-fabric.service", "active", "exited", "hotstack-os network fabric (hot-int, hot-ex, addresses)"),
        line("hotstack-os-nat.service", "active", "exited", "hotstack-os NAT of the provider network"),
        line("hotstack-os-shared-mounts.service", "active", "exited", "hotstack-os shared mounts"),
        line("hotstack-os.target", "active", "active", "hotstack-os services"),
    ].join("\n") + "\n";
}

/** `podman ps -a --filter name=hotstack-os- --format '{{.Names}}\t{{.State}}\t{{.Status}}'` */
function containersText(status: Record<string, [string, string]> = {}, services = FULL): string {
    return services.map((s) => [`hotstack-os-${s}`, ...(status[s] ?? ["running", "Up 2 hours (healthy)"])].join("\t")).join("\n") + "\n";
}

/** HAProxy 2.x/3.x stats CSV header, as `show stat` / `;csv` prints it. */
const CSV_HEADER = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,srid,sess_other,h1sess,h2sess,h3sess,req_other,h1req,h2req,h3req,proto,";

function csvLine(header: string, v: Record<string, string>): string {
    const names = header.slice(2).split(",");
    return names.map((n) => v[n] ?? "").join(",");
}

const FRONTENDS: [string, string][] = [
    ["keystone", "172.31.0.11:5000"], ["glance", "172.31.0.12:9292"], ["placement", "172.31.0.13:8778"], ["cinder", "172.31.0.41:8776"],
    ["heat", "172.31.0.51:8004"], ["nova", "172.31.0.21:8774"], ["neutron", "172.31.0.32:9696"], ["nova_metadata", "172.31.0.25:8775"], ["novnc", "172.31.0.26:6080"],
];

function statsCsv(server: Record<string, Record<string, string>> = {}, header = CSV_HEADER): string {
    const lines = [header];
    for (const [name, addr] of FRONTENDS) {
        const http = name !== "novnc";
        lines.push(csvLine(header, { pxname: name, svname: "FRONTEND", status: "OPEN", type: "0", mode: http ? "http" : "tcp" }));
        lines.push(csvLine(header, {
            pxname: name, svname: name, status: "UP", type: "2", addr, mode: http ? "http" : "tcp",
            check_status: http ? "L7OK" : "L4OK", check_code: http ? (name === "keystone" ? "200" : "300") : "", check_duration: "3",
            last_chk: http ? `HTTP status check returned code <${name === "keystone" ? 200 : 300}>` : "Layer4 check passed", ...server[name],
        }));
        lines.push(csvLine(header, { pxname: name, svname: "BACKEND", status: server[name]?.status?.startsWith("DOWN") ? "DOWN" : "UP", type: "1" }));
    }
    lines.push(csvLine(header, { pxname: "stats", svname: "FRONTEND", status: "OPEN", type: "0" }), csvLine(header, { pxname: "stats", svname: "BACKEND", status: "UP", type: "1" }));
    return lines.join("\n") + "\n";
}

const PROJECT_ID = "6f1e0b3a9c2d4e5f8a7b6c5d4e3f2a1b";
const CATALOG: [string, string, string][] = [
    ["keystone", "identity", "http://keystone.hotstack-os.local:5000/v3/"],
    ["glance", "image", "http://glance.hotstack-os.local:9292"],
    ["placement", "placement", "http://placement.hotstack-os.local:8778"],
    ["nova", "compute", "http://nova.hotstack-os.local:8774/v2.1"],
    ["neutron", "network", "http://neutron.hotstack-os.local:9696"],
    ["cinderv3", "volumev3", `http://cinder.hotstack-os.local:8776/v3/${PROJECT_ID}`],
    ["heat", "orchestration", `http://heat.hotstack-os.local:8004/v1/${PROJECT_ID}`],
];

/** `openstack catalog list -f json` (python-openstackclient: Name, Type, Endpoints as the catalog's list). */
const catalogJson = (entries = CATALOG) => JSON.stringify(entries.map(([name, type, url], n) => ({
    Name: name,
    Type: type,
    Endpoints: [
        { id: `${n}a`, interface: "public", region_id: "RegionOne", url, region: "RegionOne" },
        { id: `${n}b`, interface: "internal", region_id: "RegionOne", url: url.replace(/[a-z]+\.hotstack-os\.local/, "172.31.0.99"), region: "RegionOne" },
    ],
})), null, 2);

const probes = (codes: Record<string, string> = {}) => CATALOG.map(([name, , url]) => `${url}\t${codes[name] ?? (name === "cinderv3" || name === "heat" ? "401" : "200")}`).join("\n") + "\n";

const SBCTL = `Chassis "lab1.example.org"
    hostname: lab1.example.org
    Encap geneve
        ip: "172.31.0.129"
        options: {csum="true"}
    Port_Binding cr-lrp-5b0f1c1e-2b7c-4a51-9f0e-3d8c7a6b5e4f
`;

/** `openstack compute service list -f json` */
const computeJson = (compute: Partial<Record<string, string>> = {}) => JSON.stringify([
    { ID: "0c1d", Binary: "nova-scheduler", Host: "lab1.example.org", Zone: "internal", Status: "enabled", State: "up", "Updated At": "2025-06-01T10:00:01.000000" },
    { ID: "1d2e", Binary: "nova-conductor", Host: "lab1.example.org", Zone: "internal", Status: "enabled", State: "up", "Updated At": "2025-06-01T10:00:02.000000" },
    { ID: "2e3f", Binary: "nova-compute", Host: "lab1.example.org", Zone: "nova", Status: compute.status ?? "enabled", State: compute.state ?? "up", "Updated At": "2025-06-01T10:00:03.000000" },
]);

/** `openstack volume service list -f json` */
const volumeJson = (withVolume = true) => JSON.stringify([
    { Binary: "cinder-scheduler", Host: "lab1.example.org", Zone: "nova", Status: "enabled", State: "up", "Updated At": "2025-06-01T10:00:04.000000" },
    ...(withVolume ? [{ Binary: "cinder-volume", Host: "lab1.example.org@nfs", Zone: "nova", Status: "enabled", State: "up", "Updated At": "2025-06-01T10:00:05.000000" }] : []),
]);

function healthy(over: Partial<StatusInputs> = {}): StatusInputs {
    return {
        quadlets: ok(FULL.slice().sort().join("\n") + "\n"),
        units: ok(unitsText()),
        containers: ok(containersText()),
        libvirt: ok("active\n"),
        haproxy: ok(statsCsv()),
        haproxyUrl: "http://172.31.0.129:8404/stats;csv",
        catalog: ok(catalogJson()),
        endpoints: ok(probes()),
        chassis: ok(SBCTL),
        computeServices: ok(computeJson()),
        volumeServices: ok(volumeJson()),
        ...over,
    };
}

const row = (rows: StatusRow[], component: string) => {
    const r = rows.find((x) => x.component === component);
    assert.ok(r, `a row "${component}" in: ${rows.map((x) => x.component).join(", ")}`);
    return r;
};
const notUp = (rows: StatusRow[]) => rows.filter((r) => r.state !== "up").map((r) => r.component);

// ---- parsing --------------------------------------------------------------------------------------

describe("status: parsing what the host answers", () => {
    test("systemctl list-units lines, with the marker a failed unit may carry", () => {
        const units = parseUnits("hotstack-os-keystone.service   loaded active running Keystone identity API\n● hotstack-os-glance.service loaded failed failed  Glance image API\nhotstack-os.target loaded active active hotstack-os services\n");
        assert.deepEqual(units.map((u) => [u.unit, u.load, u.active, u.sub, u.description]), [
            ["hotstack-os-keystone.service", "loaded", "active", "running", "Keystone identity API"],
            ["hotstack-os-glance.service", "loaded", "failed", "failed", "Glance image API"],
            ["hotstack-os.target", "loaded", "active", "active", "hotstack-os services"],
        ]);
        assert.deepEqual(parseUnits(""), []);
    });

    test("podman ps: state, status and the health in its status", () => {
        const cs = parseContainers("hotstack-os-keystone\trunning\tUp 2 hours (healthy)\nhotstack-os-glance\trunning\tUp 5 seconds (starting)\nhotstack-os-heat-api\trunning\tUp 1 minute (unhealthy)\nhotstack-os-dnsmasq\trunning\tUp 2 hours\nhotstack-os-memcached\texited\tExited (0) 3 minutes ago\n");
        assert.deepEqual(cs.map((c) => [c.name, c.state, c.health]), [
            ["hotstack-os-keystone", "running", "healthy"], ["hotstack-os-glance", "running", "starting"], ["hotstack-os-heat-api", "running", "unhealthy"],
            ["hotstack-os-dnsmasq", "running", "none"], ["hotstack-os-memcached", "exited", "none"],
        ]);
    });

    test("HAProxy's stats CSV is read by column name, in any column order", () => {
        const rows = parseHaproxyCsv(statsCsv({ nova: { status: "DOWN", check_status: "L7STS", check_code: "503", last_chk: "HTTP status check returned code <503>" } }));
        const nova = rows.find((r) => r.proxy === "nova" && r.server === "nova")!;
        assert.deepEqual(nova, { proxy: "nova", server: "nova", status: "DOWN", checkStatus: "L7STS", checkCode: "503", lastCheck: "HTTP status check returned code <503>" });
        assert.equal(rows.filter((r) => r.server === "FRONTEND").length, 10, "nine frontends and the stats page");
        const names = CSV_HEADER.slice(2).split(",");
        const shuffled = `# ${[...names].reverse().join(",")}`;
        const again = parseHaproxyCsv(statsCsv({}, shuffled)).find((r) => r.proxy === "keystone" && r.server === "keystone")!;
        assert.equal(again.status, "UP");
        assert.equal(again.checkCode, "200");
        assert.throws(() => parseHaproxyCsv("<html>503 Service Unavailable</html>"), /no CSV header/);
    });

    test("the catalog's public endpoints, from the client's list or its text form; templates cut off for probing", () => {
        const eps = parseCatalog(catalogJson());
        assert.equal(eps.length, 7, "one public URL per service; internal ones are not probed");
        assert.deepEqual(eps[0], { name: "keystone", type: "identity", url: "http://keystone.hotstack-os.local:5000/v3/" });
        const text = JSON.stringify([{ Name: "glance", Type: "image", Endpoints: "RegionOne\n  public: http://glance.hotstack-os.local:9292\nRegionOne\n  internal: http://172.31.0.12:9292\n" }]);
        assert.deepEqual(parseCatalog(text), [{ name: "glance", type: "image", url: "http://glance.hotstack-os.local:9292" }]);
        assert.equal(probeUrl("http://cinder.hotstack-os.local:8776/v3/%(project_id)s"), "http://cinder.hotstack-os.local:8776/v3/");
        assert.equal(probeUrl("http://heat.hotstack-os.local:8004/v1/$(project_id)s"), "http://heat.hotstack-os.local:8004/v1/");
        assert.equal(probeUrl("http://glance.hotstack-os.local:9292"), "http://glance.hotstack-os.local:9292");
        assert.throws(() => parseCatalog("Missing value auth-url required for auth plugin password"));
        assert.deepEqual([...parseProbes("http://a:1\t200\nhttp://b:2\t000\n")], [["http://a:1", 200], ["http://b:2", 0]]);
    });

    test("ovn-sbctl show: chassis, hostname and encapsulation", () => {
        assert.deepEqual(parseChassis(SBCTL), [{ name: "lab1.example.org", hostname: "lab1.example.org", encaps: ["geneve 172.31.0.129"] }]);
        assert.deepEqual(parseChassis(""), []);
    });

    test("compute and volume service lists", () => {
        assert.deepEqual(parseServiceList(computeJson({ state: "down" }))[2], { binary: "nova-compute", host: "lab1.example.org", status: "enabled", state: "down", updated: "2025-06-01T10:00:03.000000" });
        assert.equal(parseServiceList(volumeJson())[1].host, "lab1.example.org@nfs");
    });

    test("HAProxy frontends map to the services behind them (from the service specs)", () => {
        assert.deepEqual(backendServices(), {
            keystone: "keystone", glance: "glance", placement: "placement", cinder: "cinder-api", heat: "heat-api",
            nova: "nova-api", neutron: "neutron-server", nova_metadata: "nova-metadata", novnc: "nova-novncproxy", dashboard: "dashboard",
        });
    });
});

// ---- judgement and table -----------------------------------------------------------------------

describe("status: the table", () => {
    test("a healthy cloud: every check up, one row per service, unit, backend, endpoint, chassis and nova/cinder service", () => {
        const rows = evaluateStatus(healthy());
        assert.deepEqual(notUp(rows), []);
        assert.deepEqual(rows.filter((r) => r.component.startsWith("service ")).map((r) => r.component.slice(8)), FULL, "every deployed service, in start order");
        for (const c of ["unit hotstack-os-fabric.service", "unit hotstack-os-nat.service", "unit hotstack-os-shared-mounts.service", "unit hotstack-os.target", "libvirt session (user hotstack)"]) row(rows, c);
        assert.equal(rows.filter((r) => r.component.startsWith("haproxy ")).length, 9, "nine backends, not the stats page");
        assert.equal(rows.filter((r) => r.component.startsWith("endpoint ")).length, 7);
        assert.match(row(rows, "endpoint volumev3 (cinderv3)").detail, /^HTTP 401 http:\/\/cinder/, "a 401 answers");
        assert.match(row(rows, "ovn chassis lab1.example.org").detail, /encap geneve 172\.31\.0\.129/);
        row(rows, "compute service nova-compute (lab1.example.org)");
        row(rows, "volume service cinder-volume (lab1.example.org@nfs)");
        assert.match(row(rows, "service keystone").detail, /active \(running\); container Up 2 hours \(healthy\)/);
        const text = renderStatus(rows);
        assert.match(text, /^COMPONENT\s+STATE\s+DETAIL\n/);
        assert.match(text, new RegExp(`all ${rows.length} checks up\\n$`));
        assert.doesNotMatch(text, /journalctl/);
    });

    test("a stopped container: its row is down, named, with the journalctl to run next; the table says so", () => {
        const rows = evaluateStatus(healthy({
            units: ok(unitsText({ memcached: ["inactive", "dead"] })),
            containers: ok(containersText({ memcached: ["exited", "Exited (143) 10 seconds ago"] })),
        }));
        assert.deepEqual(notUp(rows), ["service memcached"]);
        const r = row(rows, "service memcached");
        assert.equal(r.state, "down");
        assert.match(r.detail, /inactive \(dead\); container Exited \(143\)/);
        assert.match(r.next!, /^journalctl -u hotstack-os-memcached -n 50 --no-pager/);
        const text = renderStatus(rows);
        assert.match(text, /1 of \d+ checks not up: service memcached/);
        assert.match(text, /\n {2}service memcached: journalctl -u hotstack-os-memcached -n 50 --no-pager {3}\(or here: npm run logs -- memcached\)\n/);
        assert.match(text, /^service memcached\s+down\s+inactive \(dead\)/m);
    });

    test("unhealthy and starting containers, a failed unit, a unit systemd does not know", () => {
        const rows = evaluateStatus(healthy({
            units: ok(unitsText({ glance: ["activating", "start"], "heat-api": ["failed", "failed"] }, FULL.filter((s) => s !== "placement"))),
            containers: ok(containersText({ keystone: ["running", "Up 3 minutes (unhealthy)"], "nova-api": ["running", "Up 4 seconds (starting)"] })),
        }));
        assert.equal(row(rows, "service keystone").state, "down");
        assert.equal(row(rows, "service nova-api").state, "starting");
        assert.equal(row(rows, "service glance").state, "starting");
        assert.equal(row(rows, "service heat-api").state, "down");
        assert.match(row(rows, "service placement").detail, /no unit hotstack-os-placement\.service loaded/);
        assert.deepEqual(notUp(rows).sort(), ["service glance", "service heat-api", "service keystone", "service nova-api", "service placement"]);
    });

    test("HAProxy: a backend that is down names the service behind it; no stats page is a row too", () => {
        const rows = evaluateStatus(healthy({ haproxy: ok(statsCsv({ nova: { status: "DOWN", check_status: "L4CON", check_code: "", last_chk: "Connection refused" } })) }));
        assert.deepEqual(notUp(rows), ["haproxy nova"]);
        assert.match(row(rows, "haproxy nova").detail, /DOWN, check L4CON, Connection refused/);
        assert.match(row(rows, "haproxy nova").next!, /journalctl -u hotstack-os-nova-api /);
        const rows2 = evaluateStatus(healthy({ haproxy: fail(7, "curl: (7) Failed to connect to 172.31.0.129 port 8404: Connection refused") }));
        assert.deepEqual(notUp(rows2), ["haproxy stats"]);
        assert.match(row(rows2, "haproxy stats").detail, /no answer from http:\/\/172\.31\.0\.129:8404\/stats;csv: curl: \(7\)/);
        assert.match(row(rows2, "haproxy stats").next!, /journalctl -u hotstack-os-haproxy /);
    });

    test("the dashboard: its login page through the front door; anything but 200 is down, naming its journal", () => {
        const login = "http://dashboard.hotstack-os.local/auth/login/";
        assert.equal(DASHBOARD_LOGIN, login);
        assert.deepEqual(row(evaluateStatus(healthy({ dashboard: ok(`${login}\t200\n`) })), "dashboard"), { component: "dashboard", state: "up", detail: `HTTP 200 ${login}` });
        const rows = evaluateStatus(healthy({ dashboard: ok(`${login}\t503\n`) }));
        assert.deepEqual(notUp(rows), ["dashboard"]);
        assert.equal(row(rows, "dashboard").detail, `HTTP 503 ${login}`);
        assert.match(row(rows, "dashboard").next!, /journalctl -u hotstack-os-dashboard /);
        assert.equal(row(evaluateStatus(healthy({ dashboard: ok(`${login}\t000\n`) })), "dashboard").detail, `no answer ${login}`);
    });

    test("endpoints: a 5xx or no answer is down, anything below 500 answers; a failed catalog is one row", () => {
        const rows = evaluateStatus(healthy({ endpoints: ok(probes({ glance: "503", neutron: "000", nova: "302" })) }));
        assert.deepEqual(notUp(rows), ["endpoint image (glance)", "endpoint network (neutron)"]);
        assert.match(row(rows, "endpoint image (glance)").detail, /^HTTP 503 /);
        assert.match(row(rows, "endpoint network (neutron)").detail, /^no answer http:\/\/neutron/);
        assert.match(row(rows, "endpoint network (neutron)").next!, /hotstack-os-neutron-server /);
        const rows2 = evaluateStatus(healthy({ catalog: fail(1, "Failed to discover available identity versions when contacting http://keystone.hotstack-os.local:5000/v3. Attempting to parse version from URL.\nService Unavailable (HTTP 503)"), endpoints: undefined }));
        assert.deepEqual(notUp(rows2), ["keystone catalog"]);
        assert.match(row(rows2, "keystone catalog").detail, /Service Unavailable \(HTTP 503\)/);
    });

    test("OVN without a chassis; nova-compute down; cinder-volume missing; the libvirt session inactive", () => {
        const rows = evaluateStatus(healthy({
            chassis: ok(""),
            computeServices: ok(computeJson({ state: "down" })),
            volumeServices: ok(volumeJson(false)),
            libvirt: fail(3, "", "inactive\n"),
        }));
        assert.deepEqual(notUp(rows), ["libvirt session (user hotstack)", "ovn chassis", "compute service nova-compute (lab1.example.org)", "volume service cinder-volume"]);
        assert.match(row(rows, "ovn chassis").next!, /hotstack-os-ovn-controller /);
        assert.match(row(rows, "compute service nova-compute (lab1.example.org)").next!, /journalctl -u hotstack-os-nova-compute /);
        assert.match(row(rows, "volume service cinder-volume").detail, /not registered/);
        assert.match(row(rows, "libvirt session (user hotstack)").next!, /runuser -u hotstack -- env XDG_RUNTIME_DIR=\/run\/user\/\$\(id -u hotstack\) systemctl --user status hotstack-os-libvirtd-session\.service/);
    });

    test("nothing deployed on the host is a failure, not an empty success", () => {
        const rows = evaluateStatus({ quadlets: ok(""), units: ok(""), containers: ok(""), libvirt: fail(1, "Failed to connect to bus: No such file or directory") });
        assert.deepEqual(notUp(rows), ["hotstack-os", "libvirt session (user hotstack)"]);
        assert.match(renderStatus(rows), /2 of 2 checks not up/);
    });

    test("the table's columns line up and long details are cut", () => {
        const text = renderStatus([
            { component: "service keystone", state: "up", detail: "active (running)" },
            { component: "endpoint compute (nova)", state: "down", detail: "x".repeat(400), next: "journalctl -u hotstack-os-nova-api -n 50 --no-pager" },
        ]);
        const lines = text.split("\n");
        assert.equal(lines[0].indexOf("STATE"), lines[1].indexOf("up"));
        assert.equal(lines[0].indexOf("DETAIL"), lines[2].indexOf("x"));
        assert.ok(lines[2].length < 220 && lines[2].endsWith("…"), "clipped");
    });
});

// ---- statusChecks against a host ---------------------------------------------------------------------

/** A host that answers by script: the first matching pattern's answer (unknown scripts fail loudly). */
function fakeHost(answers: [RegExp, ExecResult][]): Host & { scripts: string[] } {
    const scripts: string[] = [];
    return {
        label: "fake host",
        scripts,
        async run(script: string, opts: RunOptions = {}) {
            scripts.push(script);
            const a = answers.find(([re]) => re.test(script));
            const r = a ? a[1] : fail(127, `fake host: no answer for ${script}`);
            if (opts.check !== false && r.code !== 0) throw new Error(`${script} failed`);
            return r;
        },
        machineId: async () => "fake",
    };
}

describe("statusChecks(host)", () => {
    test("asks the host for each part (stats page at the given hot-ex address, the admin cloud), probes the public URLs", async () => {
        const host = fakeHost([
            [/^ls -1 \/etc\/containers\/systemd /, ok(FULL.join("\n"))],
            [/^systemctl list-units --all --plain --no-legend --no-pager 'hotstack-os-\*\.service' hotstack-os\.target$/, ok(unitsText())],
            [/^podman ps -a --filter name=hotstack-os- /, ok(containersText())],
            [/^setpriv --reuid=\$\(id -u hotstack\) --regid=\$\(id -g hotstack\) --init-groups env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=\/run\/user\/\$\(id -u hotstack\) systemctl --user is-active hotstack-os-libvirtd-session\.service$/, ok("active\n")],
            [/^curl -sS --fail --max-time 10 'http:\/\/172\.31\.0\.200:8404\/stats;csv'$/, ok(statsCsv())],
            [/openstack --os-cloud hotstack-os-admin catalog list -f json$/, ok(catalogJson())],
            [/^\( printf/, ok(probes())],
            [/^podman exec hotstack-os-ovn-northd ovn-sbctl --timeout=20 show$/, ok(SBCTL)],
            [/openstack --os-cloud hotstack-os-admin compute service list -f json$/, ok(computeJson())],
            [/openstack --os-cloud hotstack-os-admin volume service list -f json$/, ok(volumeJson())],
            [/^printf '%s\\t%s\\n' http:\/\/dashboard\.hotstack-os\.local\/auth\/login\/ "\$\(curl -s -o \/dev\/null -w '%\{http_code\}' --max-time 20 http:\/\/dashboard\.hotstack-os\.local\/auth\/login\/ \|\| true\)"$/, ok("http://dashboard.hotstack-os.local/auth/login/\t200\n")],
        ]);
        const report = await statusChecks(host, { hotExIp: "172.31.0.200" });
        assert.deepEqual(notUp(report.rows), []);
        assert.equal(report.ok, true);
        const probe = host.scripts.find((s) => s.startsWith("( printf"))!;
        for (const [, , url] of CATALOG) assert.ok(probe.includes(`curl -s -o /dev/null -w '%{http_code}' --max-time 10 ${url}`), url);
        assert.match(probe, /\nwait$/);
        assert.equal(host.scripts.length, 11);
    });

    test("a stopped container makes it not ok and names the container", async () => {
        const host = fakeHost([
            [/^ls -1 /, ok(FULL.join("\n"))],
            [/^systemctl list-units/, ok(unitsText({ rabbitmq: ["failed", "failed"] }))],
            [/^podman ps/, ok(containersText({ rabbitmq: ["exited", "Exited (137) 5 seconds ago"] }))],
            [/^setpriv .* systemctl --user /, ok("active\n")],
            [/^curl /, ok(statsCsv())],
            [/catalog list/, ok(catalogJson())],
            [/^\( printf/, ok(probes())],
            [/ovn-sbctl/, ok(SBCTL)],
            [/compute service list/, ok(computeJson())],
            [/volume service list/, ok(volumeJson())],
            [/^printf .*dashboard/, ok("http://dashboard.hotstack-os.local/auth/login/\t200\n")],
        ]);
        const report = await statusChecks(host);
        assert.equal(report.ok, false);
        assert.deepEqual(notUp(report.rows), ["service rabbitmq"]);
        assert.ok(host.scripts.some((s) => s.includes("http://172.31.0.129:8404/stats;csv")), "the default hot-ex address");
    });

    test("the identity service set: no OVN, nova or cinder questions; a host that cannot run a command is a row, not a crash", async () => {
        const identity = ["mariadb", "rabbitmq", "memcached", "dnsmasq", "haproxy", "keystone"];
        const host = fakeHost([
            [/^ls -1 /, ok(identity.join("\n"))],
            [/^systemctl list-units/, ok(unitsText({}, identity))],
            [/^podman ps/, ok(containersText({}, identity))],
            [/^curl /, ok([CSV_HEADER, csvLine(CSV_HEADER, { pxname: "keystone", svname: "keystone", status: "UP", check_status: "L7OK", check_code: "200" })].join("\n"))],
            [/catalog list/, ok(catalogJson(CATALOG.slice(0, 1)))],
            [/^\( printf/, ok(`${CATALOG[0][2]}\t200\n`)],
        ]);
        host.run = ((orig) => async (script: string, opts?: RunOptions) => {
            if (/^setpriv .* systemctl --user /.test(script)) throw new Error("cannot connect to ssh://root@192.0.2.10: timed out");
            return orig(script, opts);
        })(host.run.bind(host));
        const report = await statusChecks(host);
        assert.ok(!host.scripts.some((s) => /ovn-sbctl|compute service|volume service/.test(s)), host.scripts.join("\n"));
        assert.deepEqual(notUp(report.rows), ["libvirt session (user hotstack)"]);
        assert.match(row(report.rows, "libvirt session (user hotstack)").detail, /timed out/);
        assert.equal(report.rows.filter((r) => r.component.startsWith("service ")).length, 6);
    });
});

// ---- logs ----------------------------------------------------------------------------------------

describe("npm run logs", () => {
    test("the journal of a service, by its name or its unit's; -f follows; --lines", () => {
        assert.equal(logsCommand("keystone", { follow: false, lines: 200 }), "journalctl -u hotstack-os-keystone.service -n 200 --no-pager");
        assert.equal(logsCommand("hotstack-os-nova-compute.service", { follow: true, lines: 200 }), "journalctl -u hotstack-os-nova-compute.service -n 200 --no-pager -f");
        assert.equal(logsCommand("fabric", { follow: false, lines: 20 }), "journalctl -u hotstack-os-fabric.service -n 20 --no-pager");
        assert.equal(logsCommand("libvirtd-session", { follow: false, lines: 200 }), `journalctl _SYSTEMD_USER_UNIT=${LIBVIRT_SESSION_UNIT} -n 200 --no-pager`);
        for (const s of SERVICE_NAMES) assert.match(logsCommand(s, { follow: false, lines: 1 }), new RegExp(`^journalctl -u hotstack-os-${s}\\.service `));
    });

    test("a name that is no service fails with every service listed (and close names suggested)", () => {
        assert.throws(() => logsCommand("nova", { follow: false, lines: 200 }), (e: Error) => {
            assert.match(e.message, /^"nova" is not a hotstack-os service \(did you mean nova-api, nova-conductor, nova-scheduler, nova-novncproxy, nova-metadata, nova-compute\?\)/);
            assert.match(e.message, new RegExp(`services: ${SERVICE_NAMES.join(", ")}`));
            assert.match(e.message, /host units: fabric, nat, shared-mounts, libvirtd-session/);
            return true;
        });
        assert.throws(() => logsCommand("", { follow: false, lines: 200 }), /which service\?/);
        assert.equal(logsCommand("", { follow: true, lines: 50, all: true }), "journalctl -u 'hotstack-os*' -n 50 --no-pager -f");
        assert.throws(() => logsCommand("keystone", { follow: false, lines: 200, all: true }), /--all or one service/);
        assert.throws(() => logsCommand("keystone; rm -rf /", { follow: false, lines: 200 }), /is not a hotstack-os service/);
        assert.throws(() => logsCommand("keystone", { follow: false, lines: NaN }), /--lines must be a whole number/);
    });

    test("arguments: the service, -f/--follow, -n/--lines, and the connection flags passed on", () => {
        const a = logsArgs(["keystone", "-f"]);
        assert.deepEqual([a.name, a.options], ["keystone", { follow: true, lines: 200, all: false }]);
        const b = logsArgs(["--host", "ssh://root@192.0.2.10", "--ssh-host-key", "SHA256:abc", "glance", "--lines", "50"]);
        assert.deepEqual([b.name, b.options, b.args.get("host"), b.args.get("ssh-host-key")], ["glance", { follow: false, lines: 50, all: false }, "ssh://root@192.0.2.10", "SHA256:abc"]);
        assert.deepEqual(logsArgs(["--stack=lab", "--follow", "nova-compute", "-n", "10"]).options, { follow: true, lines: 10, all: false });
        assert.deepEqual(logsArgs(["--all", "-f"]).options, { follow: true, lines: 200, all: true });
        assert.throws(() => logsArgs(["keystone", "--image-name", "x"]), /unknown option --image-name[\s\S]*--follow/);
        assert.throws(() => logsArgs(["keystone", "glance"]), /one service at a time/);
    });

    test("the output is handed on as it arrives, not when journalctl ends; its exit status is returned, not thrown", async () => {
        let finish!: () => void;
        const ended = new Promise<void>((r) => (finish = r));
        const seen: string[] = [];
        const host: Host = {
            label: "fake host",
            machineId: async () => "fake",
            async run(script: string, opts: RunOptions = {}) {
                assert.equal(script, "journalctl -u hotstack-os-keystone.service -n 200 --no-pager -f");
                assert.equal(opts.check, false);
                opts.onOutput?.("stdout", "Jun 01 10:00:00 lab1 keystone[12]: one\n");
                opts.onOutput?.("stderr", "warning\n");
                await ended;
                return { code: 130, stdout: "", stderr: "" };
            },
        };
        const code = streamLogs(host, logsCommand("keystone", { follow: true, lines: 200 }), (stream, text) => seen.push(`${stream}:${text}`));
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(seen, ["stdout:Jun 01 10:00:00 lab1 keystone[12]: one\n", "stderr:warning\n"], "written before the command ended");
        finish();
        assert.equal(await code, 130);
    });

    test("the unit names agree with the program's", () => {
        const plan = hostPlan(parseConfig({}));
        assert.equal(LIBVIRT_SESSION_UNIT, plan.libvirt.unitName);
        assert.equal(HOST_UNITS.fabric, "hotstack-os-fabric.service");
        assert.equal(HOST_UNITS["shared-mounts"], plan.sharedMounts.unitName);
        assert.equal(HOST_UNITS.nat, plan.nat.unitName);
    });
});

describe("status --versions", () => {
    const deployed = ["mariadb", "rabbitmq", "keystone", "nova-api", "nova-compute", "ovn-northd", "dashboard"];
    test("per image (the one its container runs), the package of each service it runs, from its dpkg database", () => {
        const script = versionsScript(deployed);
        const lines = script.split("\n");
        assert.equal(lines.length, 10, "infra, keystone, nova, ovn, dashboard: two lines each");
        assert.equal(lines[0], "img=$(podman container inspect --format '{{.Image}}' hotstack-os-mariadb 2>/dev/null || podman image inspect --format '{{.Id}}' localhost/hotstack-os-infra:latest 2>/dev/null)");
        assert.match(lines[1], /^if \[ -n "\$img" \]; then \( mnt=\$\(podman image mount "\$img"\) \|\| exit 1; awk -v want=' mariadb-server rabbitmq-server ' .* \) \| sed 's\/\^\/infra\\t\/'; else printf '%s\\tnone\\n' infra; fi$/);
        assert.ok(lines.some((l) => /hotstack-os-nova-api .*localhost\/hotstack-os-nova:latest/.test(l)), "nova's image as nova-api runs it");
        assert.equal(lines.filter((l) => /want=' python3-nova '/.test(l)).length, 1, "nova's package once for its two containers");
        assert.ok(lines.some((l) => /want=' python3-django-horizon '/.test(l)));
    });
    test("rows per service: the version, a package the image lacks, an image that is gone", () => {
        const answer = [
            "infra\tmariadb-server\t1:11.8.3-0+deb13u1",
            "keystone\tpython3-keystone\t2:27.0.0-3+deb13u6",
            "nova\tpython3-nova\t2:31.0.0-6+deb13u3",
            "ovn\tnone",
            "dashboard\tpython3-django-horizon\t3:25.3.0-3+deb13u1",
        ].join("\n");
        const rows = versionRows(deployed, answer);
        assert.deepEqual(rows, [
            { service: "mariadb", package: "mariadb-server", version: "1:11.8.3-0+deb13u1" },
            { service: "rabbitmq", package: "rabbitmq-server", version: "not installed" },
            { service: "keystone", package: "python3-keystone", version: "2:27.0.0-3+deb13u6" },
            { service: "nova", package: "python3-nova", version: "2:31.0.0-6+deb13u3" },
            { service: "ovn", package: "ovn-central", version: "no image localhost/hotstack-os-ovn:latest" },
            { service: "dashboard", package: "python3-django-horizon", version: "3:25.3.0-3+deb13u1" },
        ]);
        const text = renderVersions(rows).split("\n");
        assert.equal(text[0].indexOf("PACKAGE"), text[1].indexOf("mariadb-server"));
        assert.equal(text[0].indexOf("VERSION"), text[4].indexOf("2:31.0.0"));
    });
});

describe("status of the compute hosts", () => {
    test("a compute host that cannot be reached is a row of its own, naming it and its config key; the others are still asked", async () => {
        const asked: string[] = [];
        const r = await computeHostsStatus(["compute1", "compute2"], async (name) => {
            asked.push(name);
            throw new Error(`host "${name}" (hotstack-os:hosts.${name}): cannot connect to root@192.0.2.11:22: connect ECONNREFUSED`);
        });
        assert.deepEqual(asked, ["compute1", "compute2"]);
        assert.equal(r.ok, false);
        assert.match(r.text, /hotstack-os on compute host compute1\n\nCOMPONENT +STATE +DETAIL\nconnection +down +host "compute1" \(hotstack-os:hosts\.compute1\): cannot connect/);
        assert.match(r.text, /connection: check that compute2 runs and answers SSH \(its keys: hotstack-os:hosts\.compute2\)/);
        assert.deepEqual(await computeHostsStatus([], async () => assert.fail("no host to ask")), { text: "", ok: true });
    });
});
