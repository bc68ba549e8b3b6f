// The role scripts in the images take what the cloud decides from their units, never from a
// default of their own: every variable a role requires (`${NAME:?…}`) is in the environment of
// every unit that runs that role, and no script keeps a URL as a default.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { parseConfig } from "../../components/config";
import { serviceContext } from "../../components/services/context";
import { serviceSpecs } from "../../components/services/index";
import { ServiceSpec } from "../../components/services/service";

const IMAGES = path.resolve(__dirname, "../../assets/images");
const required = (text: string) => [...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]);
/**
 * What a role needs from its unit: its own required variables, and openstack.sh's admin
 * environment's when it uses it — all of them for a registration (hs_os_bootstrap, or
 * hs_os_admin_env without a URL), the region alone when it names keystone's URL itself.
 */
function needs(spec: ServiceSpec): string[] {
    const script = fs.readFileSync(path.join(IMAGES, spec.image, "roles", `${spec.exec}.sh`), "utf8");
    const common = required(fs.readFileSync(path.join(IMAGES, "openstack/openstack-common.sh"), "utf8"));
    const registers = /hs_os_bootstrap|hs_os_admin_env\s*($|[;|&)])/m.test(script);
    const ownUrl = /hs_os_admin_env\s+\S/.test(script);
    return [...new Set([...required(script), ...(registers ? common : ownUrl ? common.filter((n) => n === "REGION_NAME") : [])])];
}

/** Role-script variables missing from units' environments, as "unit: NAME" (none: consistent). */
export function missingEnv(specs: ServiceSpec[]): string[] {
    return specs.flatMap((s) => needs(s).filter((n) => !(n in (s.env ?? {}))).map((n) => `${s.name}: ${n}`));
}

const specs = serviceSpecs(serviceContext(parseConfig({})));

describe("role scripts and their units", () => {
    test("every variable a role requires is set by each unit that runs it", () => {
        assert.ok(specs.length >= 23);
        assert.ok(needs(specs.find((s) => s.name === "heat-api")!).includes("KEYSTONE_INTERNAL_URL"), "registering roles need openstack.sh's variables");
        assert.deepEqual(missingEnv(specs), []);
    });

    test("a unit without one of them is found", () => {
        const heat = specs.find((s) => s.name === "heat-api")!;
        const { HEAT_PUBLIC_URL: _gone, ...rest } = heat.env as Record<string, string>;
        assert.deepEqual(missingEnv([{ ...heat, env: rest }]), ["heat-api: HEAT_PUBLIC_URL"]);
    });

    test("no script in the images keeps a URL or a service name as its default", () => {
        const scripts = fs.readdirSync(IMAGES, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".sh"));
        const defaults = scripts.flatMap((f) => [...fs.readFileSync(path.join(IMAGES, f), "utf8").matchAll(/^\s*: "\$\{([A-Z0-9_]+):?=([^}]*)\}"/gm)]
            .filter((m) => /:\/\/|hotstack-os\.local/.test(m[2])).map((m) => `${f}: ${m[1]}=${m[2]}`));
        assert.deepEqual(defaults, []);
    });
});
