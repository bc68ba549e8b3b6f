// Guest cleanup between scenario runs: deletes the project user's servers, trunks, floating IPs,
// ports and volumes, and nothing post-setup made. It works as the project user (cloud
// `hotstack-os`), so objects of the admin project — router1 and its ports, the shared networks,
// an admin's server — are neither listed nor deletable; and it skips every port Neutron owns
// (device_owner `network:*`: router interfaces and gateways, DHCP, metadata), so a router of the
// user's keeps its interfaces. Used by `npm run smoke -- --cleanup-guests`.
import { sh } from "../providers/host/shell";
import { Host } from "../providers/host/transport";

export interface GuestLists {
    servers: { ID: string; Name: string }[];
    trunks: { ID: string; Name: string }[];
    floatingIps: { ID: string; "Floating IP Address": string }[];
    ports: { ID: string; Name: string; "Device Owner"?: string }[];
    volumes: { ID: string; Name: string }[];
}

export interface GuestCleanupPlan {
    trunks: string[];
    servers: string[];
    floatingIps: string[];
    ports: string[];
    volumes: string[];
}

/** What to delete, in order: trunks first (they hold their parent ports), servers, floating IPs, free ports, volumes. */
export function planGuestCleanup(l: GuestLists): GuestCleanupPlan {
    return {
        trunks: l.trunks.map((t) => t.ID),
        servers: l.servers.map((s) => s.ID),
        floatingIps: l.floatingIps.map((f) => f.ID),
        ports: l.ports.filter((p) => !String(p["Device Owner"] ?? "").startsWith("network:")).map((p) => p.ID),
        volumes: l.volumes.map((v) => v.ID),
    };
}

export interface GuestCleanupResult {
    deleted: GuestCleanupPlan;
    /** What could not be deleted, with the client's message. */
    failed: string[];
}

export async function cleanupGuests(host: Host, o: { cloud: string; log: (line: string) => void }): Promise<GuestCleanupResult> {
    const os = `openstack --os-cloud ${sh(o.cloud)}`;
    const list = async (what: string) => JSON.parse((await host.run(`${os} ${what} -f json`, { what: `openstack ${what}` })).stdout || "[]");
    const plan = planGuestCleanup({
        servers: await list("server list"),
        trunks: await list("network trunk list"),
        floatingIps: await list("floating ip list"),
        ports: await list("port list --long"),
        volumes: await list("volume list"),
    });
    const failed: string[] = [];
    const del = async (what: string, ids: string[], extra = "") => {
        if (!ids.length) return;
        const r = await host.run(`${os} ${what} delete ${extra}${ids.map(sh).join(" ")}`, { check: false, what: `openstack ${what} delete` });
        if (r.code !== 0) failed.push(`${what}: ${(r.stderr.trim() || `exit ${r.code}`).split("\n").slice(-3).join(" | ")}`);
        o.log(`${what} delete: ${ids.length}${r.code === 0 ? "" : " (with errors)"}`);
    };
    await del("network trunk", plan.trunks);
    // --wait: the servers' ports and volume attachments are released before those are deleted.
    await del("server", plan.servers, "--wait ");
    await del("floating ip", plan.floatingIps);
    // Ports nova made go with their servers: delete only what is still there.
    const left = new Set(planGuestCleanup({ servers: [], trunks: [], floatingIps: [], volumes: [], ports: await list("port list --long") }).ports);
    await del("port", plan.ports.filter((p) => left.has(p)));
    await del("volume", plan.volumes);
    return { deleted: plan, failed };
}
