// components/image-updates.ts against Debian's own tools on this machine: version order against
// `dpkg --compare-versions`, the newest version in the suites' indexes against apt's candidate.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { describe, test } from "node:test";
import { compareVersions, describeUpdates, newestVersions, updatesByImage, updatesFor } from "../../components/image-updates";

const LISTS = "/var/lib/apt/lists";
const bash = (script: string, input?: string) => execFileSync("bash", ["-c", script], { input, encoding: "utf8", maxBuffer: 256 << 20 });
const lists = () => fs.readdirSync(LISTS).filter((f) => /_Packages(\.\w+)?$/.test(f)).map((f) => `${LISTS}/${f}`);
const isUpdates = (f: string) => /-(updates|security)_/.test(f);
/** A Packages index of this machine, decompressed by apt itself; of `only`'s packages when given. */
const index = (f: string, only?: string[]) => bash(`/usr/lib/apt/apt-helper cat-file ${f}` + (only ? ` | awk -v want=' ${only.join(" ")} ' 'BEGIN { RS = ""; ORS = "\\n\\n" } $1 == "Package:" && index(want, " " $2 " ")'` : ""));

/** dpkg's verdict on each pair: -1, 0 or 1. */
function dpkgOrder(pairs: [string, string][]): number[] {
    const out = bash("while IFS=' ' read -r a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; else echo 1; fi; done", pairs.map((p) => p.join(" ")).join("\n") + "\n");
    return out.trim().split("\n").map(Number);
}

describe("image updates (Debian versions and indexes)", () => {
    test("versions order as dpkg orders them: tricky ones, and pairs of this machine's real versions", () => {
        const tricky = ["0", "00", "1.0", "1.0-0", "1.0-1", "1.0~rc1", "1.0~rc1-1", "1.0~", "1.0~~", "1.0~~a", "1.0a", "1.0+b1", "1.0.", "1.0-1~bpo12+1", "1:0.9", "2:31.0.0-6+deb13u3", "2:31.0.0-6+deb13u4", "2:31.0.0-6+deb13u10", "2:31.0.0-6", "1.2.3-4+really1.2.2", "9.8p1-1", "10.0-1", "1.0-1a", "1.0-1+"];
        const real = [...new Set(bash("dpkg-query -W -f '${Version}\\n'").trim().split("\n"))];
        assert.ok(real.length > 100, `this machine's installed versions: ${real.length}`);
        const pairs: [string, string][] = [];
        tricky.forEach((a, i) => tricky.slice(i).forEach((b) => pairs.push([a, b], [b, a])));
        // Neighbours in a sort are the close calls; random pairs the rest.
        const sorted = [...real].sort();
        for (let i = 1; i < Math.min(sorted.length, 120); i++) pairs.push([sorted[i - 1], sorted[i]]);
        for (let i = 0; i < 100; i++) pairs.push([real[(i * 7919) % real.length], real[(i * 104729 + 13) % real.length]]);
        const expected = dpkgOrder(pairs);
        assert.equal(expected.length, pairs.length);
        const wrong = pairs.filter(([a, b], i) => Math.sign(compareVersions(a, b)) !== expected[i]).map(([a, b]) => `${a} vs ${b}`);
        assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${pairs.length} pairs differ from dpkg`);
    });

    test("the newest version in the suites' indexes is apt's candidate", () => {
        // The point-release and security suites whole; of the main suite, the stanzas of some packages they update.
        const updates = lists().filter(isUpdates).map((f) => index(f));
        assert.ok(updates.length >= 1, "this machine has the updates or security suite's index");
        const updated = [...new Set(updates.flatMap((i) => [...i.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1])))].slice(0, 60);
        const main = lists().filter((f) => !isUpdates(f)).map((f) => index(f, updated));
        const newest = newestVersions([...main, ...updates]);
        assert.deepEqual(newestVersions([...updates, ...main]), newest, "the order of the indexes does not matter");
        // apt's candidate is the newest published version unless a newer one is installed: not installed here, then.
        const policy = bash(`apt-cache policy ${updated.join(" ")} | awk '/^[^ ].*:$/ {p = substr($0, 1, length($0) - 1)} /Installed:/ {i = $2} /Candidate:/ {print p, i, $2}'`);
        const candidates = policy.trim().split("\n").map((l) => l.split(" ")).filter(([, installed]) => installed === "(none)");
        assert.ok(candidates.length >= 5, `packages with an update in these indexes, not installed here: ${candidates.length}`);
        for (const [p, , candidate] of candidates) assert.equal(newest.get(p), candidate, `newest ${p}`);
    });

    test("each update counts for the image whose own layer installed the package; children follow their parent", () => {
        const parents = { base: undefined, openstack: "base", heat: "openstack", nova: "openstack" };
        const installed = {
            base: { libc6: "2.41-12", curl: "8.14.1-2" },
            openstack: { libc6: "2.41-12", curl: "8.14.1-2", "python3-oslo.log": "7.1.0-2" },
            heat: { libc6: "2.41-12", curl: "8.14.1-2", "python3-oslo.log": "7.1.0-2", "heat-common": "1:24.0.0-3" },
            nova: { libc6: "2.41-12", curl: "8.14.1-2", "python3-oslo.log": "7.1.0-2", "nova-common": "2:31.0.0-6+deb13u3" },
        };
        const newest = new Map([["libc6", "2.41-12+deb13u1"], ["heat-common", "1:24.0.0-3"], ["nova-common", "2:31.0.0-6+deb13u4"], ["curl", "8.14.1-1"]]);
        const by = updatesByImage(installed, parents, newest);
        assert.deepEqual(by.base, [{ package: "libc6", from: "2.41-12", to: "2.41-12+deb13u1" }], "libc6 is base's; an older curl is no update");
        assert.deepEqual(by.openstack, []);
        assert.deepEqual(by.heat, [], "heat-common is current");
        assert.deepEqual(by.nova, [{ package: "nova-common", from: "2:31.0.0-6+deb13u3", to: "2:31.0.0-6+deb13u4" }]);
        assert.equal(describeUpdates(by.nova), "nova-common 2:31.0.0-6+deb13u3 → 2:31.0.0-6+deb13u4");
        assert.equal(describeUpdates(updatesFor({ a: "1", b: "1", c: "1" }, new Map([["a", "2"], ["b", "2"], ["c", "2"]])), 2), "a 1 → 2, b 1 → 2 and 1 more");
    });
});
