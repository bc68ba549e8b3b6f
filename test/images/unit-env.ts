// The environment each unit gives its container, rendered by the service files for the image
// tests' network (10.214.0.0/24, the default addresses' last octets): test/images/smoke-*.sh
// start each role with `--env-file fixtures/env/<container>.env`, so the role scripts get what
// their units give them (the images hold no default for it). Values only the host knows
// (Outputs: nova-compute's XDG_RUNTIME_DIR) are left to the scripts.
//
//   node -r ts-node/register/transpile-only test/images/unit-env.ts    (rewrites fixtures/env)
// test/unit/image-env.test.ts fails when the files differ from what this renders.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../../components/config";
import { SERVICE_IPS } from "../../components/config/defaults";
import { serviceContext } from "../../components/services/context";
import { serviceSpecs } from "../../components/services/index";

export const ENV_DIR = path.join(__dirname, "fixtures/env");

/** File name → content: one KEY=VALUE file (podman's --env-file: literal values) per container that has an environment. */
export function imageTestEnvFiles(): Record<string, string> {
    const ips = Object.fromEntries(Object.entries(SERVICE_IPS).map(([k, v]) => [k, v.replace(/^\d+\.\d+\.\d+\./, "10.214.0.")]));
    const specs = serviceSpecs(serviceContext(parseConfig({ containerNetwork: "10.214.0.0/24", ...ips })));
    const files: Record<string, string> = {};
    for (const s of specs) {
        const lines = Object.entries(s.env ?? {}).filter(([, v]) => typeof v === "string").map(([k, v]) => `${k}=${v}`);
        if (lines.length) files[`${s.name}.env`] = `# rendered by test/images/unit-env.ts from components/services (do not edit)\n${lines.join("\n")}\n`;
    }
    return files;
}

if (require.main === module) {
    fs.rmSync(ENV_DIR, { recursive: true, force: true });
    fs.mkdirSync(ENV_DIR, { recursive: true });
    for (const [name, text] of Object.entries(imageTestEnvFiles())) fs.writeFileSync(path.join(ENV_DIR, name), text);
    console.log(`wrote ${Object.keys(imageTestEnvFiles()).length} files to ${ENV_DIR}`);
}
