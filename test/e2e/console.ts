// A guest's console as a user sees it (called by cloud.ts): the console URL nova hands out
// (`openstack console url show`), opened in headless Chromium (Debian's package, driven by
// playwright-core), through an SSH tunnel to the front door like the README's recipe for another
// machine. noVNC must say it is connected and draw a canvas that is not blank; a screenshot of the
// page is kept. A control first: the same page with a token nova never issued must not connect
// (so the check can fail).
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { SSH_PORT, TH, onHost } from "../support/testhost";
import { Checks } from "./checks";
import { log } from "./common";

/** Where the e2e run keeps what a person looks at afterwards (screenshots). */
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? path.join(TH, "artifacts");

/** A free local port. */
async function freePort(): Promise<number> {
    return new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
            const p = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(p));
        });
    });
}

/**
 * The test host's SSH with one forward: `-L` to `target` (host:port as seen from the test host),
 * or `-D` (target "socks": a SOCKS proxy that resolves names on the test host, as the README's
 * recipe for another machine does). Resolves once the local port accepts connections.
 */
export async function tunnel(target: string): Promise<{ port: number; close: () => void }> {
    const port = await freePort();
    const forward = target === "socks" ? ["-D", `127.0.0.1:${port}`] : ["-L", `127.0.0.1:${port}:${target}`];
    const ssh = childProcess.spawn("ssh", ["-N", ...forward, "-i", path.join(TH, "ssh", "id_ed25519"), "-p", String(SSH_PORT),
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${path.join(TH, "known_hosts")}`,
        "-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=ERROR", "root@127.0.0.1"], { stdio: "ignore" });
    for (let i = 0; i < 50; i++) {
        const open = await new Promise<boolean>((r) => {
            const c = net.connect(port, "127.0.0.1", () => (c.end(), r(true)));
            c.on("error", () => r(false));
        });
        if (open) return { port, close: () => ssh.kill() };
        await new Promise((r) => setTimeout(r, 200));
    }
    ssh.kill();
    throw new Error(`no tunnel to ${target}`);
}

/** Headless Debian Chromium (test/setup-machine.sh installs it), driven by playwright-core. */
export async function launchBrowser(socksPort?: number): Promise<import("playwright-core").Browser> {
    const { chromium } = require("playwright-core") as typeof import("playwright-core");
    return chromium.launch({
        executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
        // Names resolve at the proxy's end (socks5): *.hotstack-os.local as on the test host.
        ...(socksPort ? { proxy: { server: `socks5://127.0.0.1:${socksPort}` } } : {}),
        // This machine reaches nothing outside: no background traffic (see the env notes in README's Tests).
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
}

export interface Seen {
    status: string;
    /** Share of the canvas' pixels that are not the background's colour (0 when there is no canvas). */
    drawn: number;
}

/** noVNC's status line and how much of its canvas is drawn. */
export const SEE = `(() => {
    const status = (document.getElementById("status") || {}).textContent || "";
    const c = document.querySelector("#screen canvas") || document.querySelector("canvas");
    if (!c || !c.width || !c.height) return { status, drawn: 0 };
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let other = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) other++;
    return { status, drawn: other / (d.length / 4) };
})()`;

/**
 * Opens `server`'s console (as admin) and waits for noVNC to connect and draw; returns whether
 * it did. Figures: console_ok (and the control's verdict in the checks).
 */
export async function consoleInBrowser(checks: Checks, fig: Record<string, string | number>, o: { server: string; admin: string; frontDoor: string }): Promise<void> {
    const shown = JSON.parse(onHost(`${o.admin} console url show --novnc ${o.server} -f json`));
    const url = new URL(shown.url);
    const t = await tunnel(`${o.frontDoor}:${url.port || 80}`);
    const browser = await launchBrowser();
    const local = (u: URL) => `http://127.0.0.1:${t.port}${u.pathname}${u.search}`;
    const watch = async (page: import("playwright-core").Page, seconds: number, until: (s: Seen) => boolean): Promise<Seen> => {
        let seen: Seen = { status: "", drawn: 0 };
        for (const end = Date.now() + seconds * 1000; Date.now() < end; await page.waitForTimeout(500)) {
            seen = await page.evaluate(SEE) as Seen;
            if (until(seen)) break;
        }
        return seen;
    };
    try {
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        // The control: a token nova never issued.
        const bogus = new URL(url.toString());
        bogus.searchParams.set("path", "?token=00000000-0000-0000-0000-000000000000");
        const control = await browser.newPage();
        await control.goto(local(bogus));
        const refused = await watch(control, 30, (s) => /^connected/i.test(s.status) || /wrong|disconnect|fail/i.test(s.status));
        checks.expect(/wrong|disconnect|fail/i.test(refused.status), "control: the console page loads and, with a token nova never issued, says it could not connect", refused.status);
        await control.close();

        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        await page.goto(local(url));
        const seen = await watch(page, 90, (s) => /^connected/i.test(s.status) && s.drawn > 0.001);
        const shot = path.join(ARTIFACTS, `console-${o.server}.png`);
        await page.screenshot({ path: shot });
        log(`  console of ${o.server}: "${seen.status}", ${(seen.drawn * 100).toFixed(2)}% of the canvas drawn; screenshot ${shot}`);
        const connected = checks.expect(/^connected/i.test(seen.status), `noVNC connects to ${o.server}'s console through the front door (websocket through HAProxy)`, seen.status);
        const drawn = checks.expect(seen.drawn > 0.001, `${o.server}'s console shows something (the canvas is not blank)`, `${(seen.drawn * 100).toFixed(2)}% drawn`);
        fig.console_ok = connected && drawn ? 1 : 0;
    } finally {
        await browser.close();
        t.close();
    }
}
