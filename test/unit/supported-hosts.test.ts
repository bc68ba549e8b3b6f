// README's "Supported hosts" table is kept true against the distribution plans the program runs
// (components/distro-plan.ts): one row per distribution it knows, the Open vSwitch package the
// plan installs, the repositories the plan needs named where it comes from, and "by CI" only for
// the distribution the test host runs (Debian: test/testhost).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { DISTROS, DISTRO_PLANS } from "../../components/distro-plan";

const NAMES: Record<string, string> = { Debian: "debian", Ubuntu: "ubuntu", Fedora: "fedora", "CentOS Stream": "centos", RHEL: "rhel" };
/** A word of each repository's name that the table must show in "from". */
const KEYWORD = (name: string) => (/EPEL/.test(name) ? "EPEL" : /NFV SIG/.test(name) ? "NFV SIG" : /Fast Datapath/.test(name) ? "Fast Datapath" : name);

function rows(): string[][] {
    const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
    const m = /<!-- supported-hosts[^>]*-->\n([\s\S]*?)<!-- \/supported-hosts -->/.exec(readme);
    assert.ok(m, "README has the supported-hosts table");
    return m[1].trim().split("\n").slice(2).map((l) => l.replace(/^\||\|$/g, "").split("|").map((c) => c.trim()));
}

test("README's Supported hosts table matches the distribution plans", () => {
    const table = rows();
    assert.deepEqual(table.map((r) => NAMES[r[0]]).sort(), [...DISTROS].sort(), "one row per distribution the plans know");
    for (const [name, versions, podman, ovs, from, proven] of table) {
        const plan = DISTRO_PLANS[NAMES[name] as keyof typeof DISTRO_PLANS];
        const planOvs = plan.packages.filter((p) => /^openvswitch/.test(p));
        assert.equal(planOvs.length, 1, `${name}: the plan installs one Open vSwitch package`);
        assert.equal(/`([^`]+)`/.exec(ovs)?.[1], planOvs[0], `${name}: the table names the package the plan installs`);
        for (const r of plan.repositories) assert.ok(from.includes(KEYWORD(r.name)), `${name}: "from" names ${r.name}`);
        if (!plan.repositories.length) assert.match(from, /archive|repositories/, `${name}: from the distribution itself`);
        assert.match(podman, /^\d+\.(\d+|x)$/, `${name}: podman version`);
        const [maj, min] = podman.split(".");
        assert.ok(Number(maj) > 4 || (Number(maj) === 4 && (min === "x" || Number(min) >= 4)), `${name}: podman ≥ 4.4 (Quadlet)`);
        assert.ok(versions, `${name}: versions`);
        assert.equal(/^by CI/.test(proven), NAMES[name] === "debian", `${name}: only the test host's distribution is proven by CI`);
    }
});

test("the test host is the Debian row's version (what 'by CI' means)", () => {
    const build = fs.readFileSync(path.resolve(__dirname, "../testhost/build-rootfs.sh"), "utf8");
    assert.match(build, /trixie/, "test/testhost/build-rootfs.sh builds Debian trixie");
    assert.match(rows().find((r) => r[0] === "Debian")![1], /13 \(trixie\)/);
});
