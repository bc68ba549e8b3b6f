// A cloud object's read when its API does not answer: against a real HTTP server on 127.0.0.1
// (keystone's token answer, then the compute API answering as the case needs), through the
// serialized provider and the real transports. A refused connection or a 503 says nothing about
// the object: kept as last seen, marked unread (so it diffs as a change and the update reads it
// for real once the service is back), and said; so is a token keystone cannot issue (5xx); a 404
// is the API's word: gone.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { cloudObjectProviders } from "../../providers/cloud-object";
import { ADMIN_CLOUD, CLOUDS_YAML, renderCloudEntry } from "../../providers/openstack/api";
import { read, serialized, transports, update } from "../support/providers";

// The provider reads credentials and the "is nova-api deployed" marker at fixed paths: made
// here only where nothing is (never over a file of this machine's), removed after.
const UNIT = "/etc/containers/systemd/hotstack-os-nova-api.container";
const made: string[] = [];
const free = () => ![CLOUDS_YAML, UNIT].some((f) => fs.existsSync(f));

describe("CloudObject read when the API does not answer", { skip: !free() && `${CLOUDS_YAML} or ${UNIT} exists on this machine` }, () => {
    let server: http.Server;
    let port = 0;
    let closedPort = 0;
    /** What the compute API answers: a status, or "refuse" (the catalog points at a closed port). */
    let compute: number | "refuse" = 200;
    /** What keystone answers a token request. */
    let tokens = 201;
    const requests: string[] = [];

    before(async () => {
        server = http.createServer((req, res) => {
            requests.push(`${req.method} ${req.url}`);
            if (req.method === "POST" && req.url === "/v3/auth/tokens" && tokens !== 201) {
                res.writeHead(tokens, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: tokens, message: "An unexpected error prevented the server from fulfilling your request." } }));
                return;
            }
            if (req.method === "POST" && req.url === "/v3/auth/tokens") {
                const computeUrl = compute === "refuse" ? `http://127.0.0.1:${closedPort}/compute` : `http://127.0.0.1:${port}/compute`;
                res.writeHead(201, { "content-type": "application/json", "x-subject-token": "tok" });
                res.end(JSON.stringify({ token: { user: { id: "u" }, project: { id: "p" }, catalog: [{ type: "compute", endpoints: [{ interface: "public", region: "RegionOne", url: computeUrl }] }] } }));
                return;
            }
            if (req.url?.startsWith("/compute/flavors/")) {
                const status = compute as number;
                res.writeHead(status, { "content-type": status === 503 ? "text/html" : "application/json" });
                res.end(status === 200 ? JSON.stringify({ flavor: { vcpus: 1, ram: 512, disk: 1, "os-flavor-access:is_public": true } }) : status === 503 ? "<h1>503 Service Unavailable</h1>No server is available to handle this request." : "{}");
                return;
            }
            res.writeHead(500).end();
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        port = (server.address() as AddressInfo).port;
        const probe = http.createServer();
        await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
        closedPort = (probe.address() as AddressInfo).port;
        await new Promise((r) => probe.close(r));

        for (const dir of ["/etc/openstack", "/etc/containers/systemd"]) if (!fs.existsSync(dir)) (fs.mkdirSync(dir, { recursive: true }), made.unshift(dir));
        const entry = { authUrl: `http://127.0.0.1:${port}/v3`, username: "admin", password: "pw", projectName: "admin", userDomain: "Default", projectDomain: "Default", region: "RegionOne" };
        fs.writeFileSync(CLOUDS_YAML, `clouds:\n${renderCloudEntry(ADMIN_CLOUD, entry)}\n`, { mode: 0o600 });
        fs.writeFileSync(UNIT, "[Container]\n");
        made.unshift(CLOUDS_YAML, UNIT);
    });

    after(async () => {
        for (const f of made) fs.rmSync(f, { recursive: true, force: true });
        await new Promise((r) => server.close(r));
    });

    for (const t of transports()) {
        test(`503, a refused connection and no token keep the object as last seen, unread, and say so; the update reads it; 404 is gone [${t.name}]`, async () => {
            const p = await serialized(cloudObjectProviders.compute);
            const props = { host: t.host, kind: "flavor", name: "hotstack.tiny", spec: { vcpus: 1, ram: 512, disk: 1, public: true }, ledgerDir: "/var/lib/hotstack-os-test-ledger", observed: { vcpus: 1, ram: 512, disk: 1, public: true }, adopted: false };
            const said: string[] = [];
            const log = console.log;
            const readAs = async (answer: typeof compute) => {
                compute = answer;
                (globalThis as any)[Symbol.for("hotstack-os.openstack.sessions")]?.clear(); // a fresh login sees the catalog for this case
                said.length = 0;
                console.log = (...a: unknown[]) => void said.push(a.join(" "));
                try {
                    return await read(p, "f1", props);
                } finally {
                    console.log = log;
                }
            };

            const answered = await readAs(200);
            assert.equal(answered.id, "f1", "the API answers: read for real");

            requests.length = 0;
            const unavailable = await readAs(503);
            assert.equal(unavailable.id, "f1", "503: kept");
            assert.deepEqual(unavailable.props.observed, props.observed, "with what was last seen");
            assert.equal(unavailable.props.unread, true, "marked unread");
            assert.equal((await p.diff("f1", unavailable.props, props)).changes, true, "an unread object is a change: the update reads it");
            compute = 200;
            const updated = await update(p, "f1", unavailable.props, props);
            assert.equal(updated.unread, undefined, "the update read it for real");
            assert.deepEqual(updated.observed, props.observed);
            assert.equal((await p.diff("f1", updated, props)).changes, false, "then nothing to do");
            assert.ok(requests.filter((r) => r.startsWith("GET /compute/flavors/f1")).length > 1, "a 503 is asked again before giving up");
            assert.ok(said.some((l) => /flavor hotstack\.tiny: kept as last seen: the compute API \(nova-api\) did not answer .*503/.test(l)), `said: ${said.join(" | ")}`);

            const refused = await readAs("refuse");
            assert.equal(refused.id, "f1", "connection refused: kept");
            assert.ok(said.some((l) => /kept as last seen: the compute API \(nova-api\) did not answer .*no answer/.test(l)), `said: ${said.join(" | ")}`);

            tokens = 500;
            const noToken = await readAs(200);
            tokens = 201;
            assert.equal(noToken.props.unread, true, "no token (keystone answers 500): kept, unread");
            assert.ok(said.some((l) => /kept as last seen: .*POST .*auth\/tokens answered 500/.test(l)), `said: ${said.join(" | ")}`);

            const gone = await readAs(404);
            assert.equal(gone.id, "", "404: the object is gone (drift)");
            assert.equal(said.length, 0, "nothing to say about a definite answer");

            compute = 500;
            (globalThis as any)[Symbol.for("hotstack-os.openstack.sessions")]?.clear();
            await assert.rejects(read(p, "f1", props), /compute API: GET .* answered 500/, "any other error is still an error");
        });
    }
});
