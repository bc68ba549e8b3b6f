// What the host must offer before anything is changed on it (providers/preflight.ts probes it).
// Minimums per service set, from measured use: the whole cloud peaked at about 6.7 GB of memory
// in e2e:cloud (23 containers, a guest, tempest; the dashboard adds dashboard_rss_mb, README Measured), so below 6 GB it cannot run; 8 GB and 50 GB of
// disk are what the README promises.
import { Requirements } from "../providers/preflight";
import { HotStackConfig } from "./config";
import { PODMAN_NETWORK } from "./host-plan";
import { serviceContext } from "./services/context";
import { serviceSpecs } from "./services/index";

const MINIMUMS = {
    full: { minMemoryMb: 6144, recommendedMemoryMb: 8192, minDiskMb: 20480, recommendedDiskMb: 51200 },
    identity: { minMemoryMb: 2048, recommendedMemoryMb: 4096, minDiskMb: 5120, recommendedDiskMb: 10240 },
    host: { minMemoryMb: 512, recommendedMemoryMb: 1024, minDiskMb: 1024, recommendedDiskMb: 2048 },
};

export function preflightRequirements(c: HotStackConfig): Requirements {
    const m = MINIMUMS[c.serviceSet];
    const specs = c.serviceSet === "host" ? [] : serviceSpecs(serviceContext(c));
    // HAProxy publishes "<hot-ex>:<port>:<port>"; dnsmasq answers DNS on the hot-ex address.
    const published = specs.flatMap((s) => s.publish ?? []).map((p) => Number(p.split(":").pop()));
    const dns = specs.some((s) => s.name === "dnsmasq") ? [53] : [];
    return {
        dataDir: c.dataDir,
        minMemoryMb: c.preflightMinMemoryMb || m.minMemoryMb,
        recommendedMemoryMb: Math.max(m.recommendedMemoryMb, c.preflightMinMemoryMb),
        minDiskMb: c.preflightMinDiskMb || m.minDiskMb,
        recommendedDiskMb: Math.max(m.recommendedDiskMb, c.preflightMinDiskMb),
        virtType: c.virtType,
        networks: [c.containerNetwork, c.providerNetwork],
        ownInterfaces: ["hot-ex", "hot-int", PODMAN_NETWORK, "br-int"],
        frontAddress: c.hotExIp,
        tcpPorts: [...published, ...dns],
        udpPorts: dns,
    };
}

/**
 * A compute host (not main): room for guests, KVM where configured, and none of the networks
 * main carries (the provider and container networks live on main only). Memory: its three
 * compute containers; guests come on top. preflightMinMemoryMb/DiskMb override these too.
 */
export function computePreflightRequirements(c: HotStackConfig): Requirements {
    return {
        dataDir: c.dataDir,
        minMemoryMb: c.preflightMinMemoryMb || 1536,
        recommendedMemoryMb: Math.max(4096, c.preflightMinMemoryMb),
        minDiskMb: c.preflightMinDiskMb || 5120,
        recommendedDiskMb: Math.max(20480, c.preflightMinDiskMb),
        virtType: c.virtType,
        networks: [],
        ownInterfaces: ["hot-int", "br-int"],
        frontAddress: "",
        tcpPorts: [],
        udpPorts: [],
    };
}
