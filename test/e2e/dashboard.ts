// The dashboard as a user sees it (called by cloud.ts): Horizon's login page through the front
// door, opened in headless Chromium through a SOCKS proxy on the test host's SSH (the README's
// recipe for another machine). A control first: a wrong password must not log in (so
// the check can fail). Then the project user logs in, opens Project > Instances and must find a
// running guest by its name, then its Console tab must show noVNC connected; screenshots are
// kept. Figures: dashboard_login_ok, dashboard_instances_ok, dashboard_console_ok, dashboard_rss_mb.
import * as fs from "node:fs";
import * as path from "node:path";
import { onHost } from "../support/testhost";
import { Checks } from "./checks";
import { log } from "./common";
import { ARTIFACTS, SEE, Seen, launchBrowser, tunnel } from "./console";

export interface DashboardLogin {
    /** The dashboardUrl output (http://dashboard.hotstack-os.local/). */
    url: string;
    user: string;
    password: string;
    /** A server of the user's project that the instances page must list, and its ID (its console tab is opened). */
    server: string;
    serverId: string;
}

/** Resident memory of the dashboard container's processes (gunicorn and its worker), MB. */
export function dashboardRssMb(): number | string {
    const kb = onHost("pid=$(podman inspect -f '{{.State.Pid}}' hotstack-os-dashboard) && ps -o rss= -p \"$pid\" --ppid \"$pid\" | awk '{s += $1} END {print s + 0}'", { allowFailure: true }).trim();
    return /^\d+$/.test(kb) && kb !== "0" ? Math.round(Number(kb) / 1024) : "n/a";
}

export async function dashboardInBrowser(checks: Checks, fig: Record<string, string | number>, o: DashboardLogin): Promise<void> {
    // Through a SOCKS proxy on the test host's SSH, the README's recipe: names resolve there, so
    // the console links the dashboard hands out (nova.hotstack-os.local:6080) work too.
    const t = await tunnel("socks");
    const browser = await launchBrowser(t.port);
    const base = o.url.replace(/\/$/, "");
    const login = async (page: import("playwright-core").Page, password: string) => {
        await page.goto(`${base}/auth/login/`);
        await page.fill("#id_username", o.user);
        await page.fill("#id_password", password);
        // A login under load (keystone, then the session in memcached) took over 30 s once.
        await page.click("button[type=submit], #loginBtn", { timeout: 120_000 });
        await page.waitForLoadState("load", { timeout: 120_000 });
        await page.waitForLoadState("networkidle", { timeout: 60_000 }).catch(() => undefined);
    };
    /** Where a login ends (its path), or where it broke off and why (no form, a timeout). */
    const loggedInWith = async (password: string): Promise<string> => {
        const page = await browser.newPage();
        page.setDefaultTimeout(20_000);
        try {
            await login(page, password);
            return new URL(page.url()).pathname;
        } catch (e) {
            return `${new URL(page.url()).pathname} (broke off: ${(e as Error).message.split("\n")[0].slice(0, 100)})`;
        } finally {
            await page.close();
        }
    };
    try {
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        // A control of the sessions: the dashboard restarted with memcached at a port nothing
        // listens on cannot keep a login (sessions live only there). Its file is put back after.
        const settings = "/var/lib/hotstack-os/config/dashboard/etc__openstack-dashboard__local_settings.py";
        // The login page's status inside the container (000: gunicorn does not answer yet).
        const answer = () => onHost("podman exec hotstack-os-dashboard curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1/auth/login/ || true", { allowFailure: true }).trim();
        // --no-block: the unit's start waits for its health check (the login page), which a
        // dashboard without its memcached never passes (its login page needs the session).
        // Through the front door: HAProxy takes the backend back only after its own checks pass.
        const frontDoor = () => onHost(`curl -s -o /dev/null -w '%{http_code}' --max-time 10 ${base}/auth/login/ || true`, { allowFailure: true }).trim();
        const restart = async (what: string, up: () => boolean) => {
            onHost("systemctl restart --no-block hotstack-os-dashboard.service; sleep 2");
            await checks.waitFor(what, 180, up, 3);
        };
        onHost(`cp -p ${settings} ${settings}.e2e && sed -i 's/hotstack-os-memcached:11211/hotstack-os-memcached:11299/' ${settings}`);
        try {
            // Its login page needs the session: it answers, but not 200 (the old container still would).
            await restart("the dashboard answers with an error, its memcached address wrong", () => /^[1-5]\d\d$/.test(answer()) && answer() !== "200");
            const without = await loggedInWith(o.password);
            checks.expect(without.startsWith("/auth/"), "control: without its memcached the dashboard keeps no login", `landed on ${without}`);
        } finally {
            onHost(`mv -f ${settings}.e2e ${settings}`);
            await restart("the dashboard answers 200 again through the front door, its settings put back", () => answer() === "200" && frontDoor() === "200");
        }
        const control = await browser.newPage();
        await login(control, `${o.password}-wrong`);
        const refused = new URL(control.url()).pathname;
        const said = (await control.locator(".alert-danger, .error, .help-block").allTextContents()).join(" ").trim();
        checks.expect(refused.startsWith("/auth/login"), "control: a wrong password stays on the login page", `${refused}: ${said.slice(0, 120)}`);
        await control.close();

        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await login(page, o.password);
        const landed = new URL(page.url()).pathname;
        const shotHome = path.join(ARTIFACTS, "dashboard-home.png");
        await page.screenshot({ path: shotHome });
        const loggedIn = checks.expect(!landed.startsWith("/auth/"), `the dashboard logs ${o.user} in (keystone behind it, the session in memcached)`, `landed on ${landed}; screenshot ${shotHome}`);
        fig.dashboard_login_ok = loggedIn ? 1 : 0;

        await page.goto(`${base}/project/instances/`);
        await page.waitForLoadState("networkidle", { timeout: 60_000 }).catch(() => undefined);
        const rows = await page.locator("table#instances tbody tr").allTextContents();
        const shot = path.join(ARTIFACTS, "dashboard-instances.png");
        await page.screenshot({ path: shot, fullPage: true });
        log(`  dashboard: ${o.user} on ${landed}, instances page lists ${rows.length} row(s); screenshots ${shotHome}, ${shot}`);
        const found = checks.expect(rows.some((r) => r.includes(o.server)), `Project > Instances lists ${o.server}`, rows.map((r) => r.replace(/\s+/g, " ").trim().slice(0, 80)).join(" | ") || "no row");
        fig.dashboard_instances_ok = found ? 1 : 0;

        // The console from the dashboard: the instance's Console tab embeds nova's noVNC page.
        await page.goto(`${base}/project/instances/${o.serverId}/?tab=instance_details__console`);
        let seen: Seen = { status: "", drawn: 0 };
        let frameUrl = "";
        for (const end = Date.now() + 90_000; Date.now() < end; await page.waitForTimeout(1000)) {
            const frame = page.frames().find((f) => /vnc_lite\.html/.test(f.url()));
            if (!frame) continue;
            frameUrl = frame.url();
            seen = (await frame.evaluate(SEE).catch(() => seen)) as Seen;
            if (/^connected/i.test(seen.status) && seen.drawn > 0.001) break;
        }
        const shotConsole = path.join(ARTIFACTS, "dashboard-console.png");
        await page.screenshot({ path: shotConsole });
        log(`  dashboard console of ${o.server}: "${seen.status}", ${(seen.drawn * 100).toFixed(2)}% drawn, frame ${frameUrl.replace(/token(=|%3D)[^&]*/i, "token=…") || "none"}; screenshot ${shotConsole}`);
        const consoleOk = checks.expect(/^connected/i.test(seen.status) && seen.drawn > 0.001, `the dashboard's Console tab shows ${o.server}'s console (noVNC in its frame, connected and drawn)`, `${seen.status || "no noVNC frame"}; ${(seen.drawn * 100).toFixed(2)}% drawn`);
        fig.dashboard_console_ok = consoleOk ? 1 : 0;
    } finally {
        await browser.close();
        t.close();
    }
    fig.dashboard_rss_mb = dashboardRssMb();
}
