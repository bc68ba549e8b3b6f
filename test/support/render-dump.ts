// Renders a checkout's whole program under pulumi.runtime.setMocks and prints every resource
// (URN, parent, dependencies, inputs without __provider) and the stack outputs as JSON, for
// comparing two commits resource by resource (test/support/render-compare.sh).
//
//   node -r ts-node/register/transpile-only test/support/render-dump.ts <checkout dir> <config name>
//
// The configs below cover the service sets and the options that change rendered text.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export const CONFIGS: Record<string, Record<string, string>> = {
    full: {},
    "full-ssh-netdev": {
        host: "ssh://root@192.0.2.10", sshAgent: "true", sshHostKey: "SHA256:" + "A".repeat(43), ovsDatapathType: "netdev", mtu: "9000",
        virtType: "qemu", chassisHostname: "cmp1.example.org", debug: "true",
    },
    "full-moved": {
        dataDir: "/srv/hs", novaInstancesPath: "/srv/inst", cinderNfsExportDir: "/srv/nfs", containerNetwork: "10.9.0.0/24",
        providerNetwork: "10.8.0.0/24", hotExIp: "10.8.0.1", mariadbIp: "10.9.0.3", rabbitmqIp: "10.9.0.4", memcachedIp: "10.9.0.5",
        haproxyIp: "10.9.0.6", keystoneIp: "10.9.0.11", glanceIp: "10.9.0.12", placementIp: "10.9.0.13", novaApiIp: "10.9.0.21",
        novaConductorIp: "10.9.0.22", novaComputeIp: "10.9.0.24", cinderVolumeIp: "10.9.0.43", novaSchedulerIp: "10.9.0.23", novaMetadataIp: "10.9.0.25", novaNovncproxyIp: "10.9.0.26",
        ovnNorthdIp: "10.9.0.31", neutronServerIp: "10.9.0.32", cinderApiIp: "10.9.0.41", cinderSchedulerIp: "10.9.0.42",
        heatApiIp: "10.9.0.51", heatEngineIp: "10.9.0.53", dashboardIp: "10.9.0.61", region: "Lab2", cpuModel: "Skylake-Client",
        postSetup: "false", tokenExpiration: "7200",
    },
    identity: { serviceSet: "identity" },
    host: { serviceSet: "host" },
};

interface Registered {
    urn: string;
    parent: string;
    dependencies: string[];
    inputs: Record<string, unknown>;
}

async function main(dir: string, configName: string): Promise<void> {
    const config = CONFIGS[configName];
    if (!config) throw new Error(`no config ${configName} (known: ${Object.keys(CONFIGS).join(", ")})`);
    const resources: Registered[] = [];
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            const state: Record<string, any> = { ...args.inputs };
            if (args.type.endsWith(":SystemUser")) Object.assign(state, { uid: 990, gid: 989 });
            if (args.type.endsWith(":SystemdUnit")) state.active = true;
            if (args.type.endsWith(":File")) state.contentSha256 = `sha-of-${args.name}`;
            if (args.type.endsWith(":ContainerImage")) state.imageId = `sha256:${"0".repeat(56)}${args.name.slice(-8).padStart(8, "0")}`;
            if (args.type.endsWith(":PodmanSecret")) state.digest = `digest-of-${args.name}`;
            if (args.type.endsWith(":ContainerService")) state.active = true;
            if (args.type === "random:index/randomPassword:RandomPassword") state.result = `generated-${args.name}`;
            if (args.type.endsWith(":HostFacts")) Object.assign(state, { fqdn: "lab1.example.org", kvmGid: 993, hasKvm: true });
            if (args.type.endsWith(":HostPackages")) Object.assign(state, { distro: "debian", family: "debian", ovmfDir: "/usr/share/OVMF" });
            if (args.type.endsWith(":CloudObject")) state.objectId = `id-of-${args.name}`;
            return { id: `${args.name}-id`, state };
        },
        call: () => ({}),
    }, "hotstack-os", "unit", false);
    // The mock monitor keeps URNs; parents and dependencies are read from the requests.
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => register(req, (err: unknown, resp: any) => {
        if (!err) {
            const { __provider, ...inputs } = require("@pulumi/pulumi/runtime/rpc").deserializeProperties(req.getObject());
            resources.push({ urn: resp.getUrn(), parent: req.getParent(), dependencies: [...req.getDependenciesList()].sort(), inputs });
        }
        callback(err, resp);
    });
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`hotstack-os:${k}`, v])), []);
    const program: () => Promise<Record<string, unknown>> = require(path.resolve(dir, "index.ts"));
    const raw = await program();
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) outputs[k] = pulumi.Output.isInstance(v) ? await new Promise((r) => v.apply(r)) : v;
    resources.sort((a, b) => a.urn.localeCompare(b.urn));
    // The checkout's own path (image contexts) differs between checkouts, not between programs.
    process.stdout.write(JSON.stringify({ resources, outputs }, null, 1).split(path.resolve(dir)).join("<checkout>") + "\n");
}

if (require.main === module) {
    main(process.argv[2] ?? ".", process.argv[3] ?? "full").catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
