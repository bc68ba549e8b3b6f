// The version of the providers' code: a hash of every source file under providers/. It is an
// input of every resource, so an upgrade of this program shows as "~ providerVersion" in the
// preview and updates each resource once without touching the host; the engine then stores the
// new serialized provider, which later refreshes and destroys run (they only ever run the
// provider stored in the state).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

function treeHash(dir: string): string {
    const h = crypto.createHash("sha256");
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const r = path.join(rel, e.name);
            if (e.isDirectory()) walk(r);
            else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts")) h.update(`${r}\0`).update(fs.readFileSync(path.join(dir, r))).update("\0");
        }
    };
    walk("");
    return h.digest("hex").slice(0, 16);
}

export const PROVIDER_VERSION = treeHash(__dirname);
