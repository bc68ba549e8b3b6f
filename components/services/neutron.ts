// Neutron: ML2/OVN. neutron-server (API, RPC and the OVN maintenance worker in Debian's
// all-in-one server) and the OVN agent with its metadata extension on the host network (it
// serves 169.254.169.254 from ovnmeta-* namespaces, proxying to nova's metadata API).
import { renderIni } from "../ini";
import { PUBLIC_DOMAIN } from "../names";
import { ServiceContext, token } from "./context";
import { ServiceDescriptor, catalogUrl, specBase } from "./descriptor";
import { API_SECRETS, WORKER_SECRETS, authtoken, database, httpHealth, registrationEnv, serviceUser } from "./openstack";
import { ServiceSpec } from "./service";

export const NEUTRON: ServiceDescriptor = {
    name: "neutron",
    set: "full",
    versionPackage: "python3-neutron",
    // openvswitch-common: the ML2/OVN driver runs ovsdb-client; iptables: the metadata extension
    // runs iptables-save/-restore in each ovnmeta-* namespace (assets/images/neutron/Containerfile).
    layerPackages: ["iptables", "neutron-common", "neutron-ovn-agent", "openvswitch-common"],
    containers: [
        {
            name: "neutron-server", image: "neutron", role: "controller", order: 140, address: { key: "neutronServerIp", default: "172.31.0.32" },
            hostname: "neutron", aliases: ["neutron"], secrets: API_SECRETS, wants: ["mariadb", "rabbitmq", "keystone", "ovn-northd", "dnsmasq"], after: ["haproxy"],
            frontend: { name: "neutron", port: 9696, check: { path: "/", status: 200 } },
        },
        // Serves the metadata of the guests on its host.
        { name: "neutron-ovn-agent", image: "neutron", role: "compute", order: 210, secrets: WORKER_SECRETS, wants: ["neutron-server", "ovn-controller"] },
    ],
    publicName: "neutron",
    publicAliases: ["neutron-server"],
    internalName: { name: "neutron", container: "neutron-server" },
    catalog: [{ type: "network", container: "neutron-server", path: "", registered: true }],
    keystoneUsers: ["neutron"],
    databases: ["neutron"],
    rabbitmqUser: "openstack",
    specs: (ctx) => neutron(ctx),
};

export function neutron(ctx: ServiceContext): [ServiceSpec, ServiceSpec] {
    const c = ctx.config;
    const northd = c.ips.ovnNorthdIp;
    const neutronConf = renderIni({
        DEFAULT: {
            ...ctx.logging,
            state_path: "/var/lib/neutron",
            core_plugin: "ml2",
            // OVN L3, and VLAN trunks (HotStack scenarios need them).
            service_plugins: "ovn-router,trunk",
            transport_url: ctx.transportUrl,
            auth_strategy: "keystone",
            notify_nova_on_port_status_changes: true,
            notify_nova_on_port_data_changes: true,
            vlan_transparent: true,
            global_physnet_mtu: c.mtu,
            api_workers: 1,
            rpc_workers: 1,
        },
        agent: { root_helper: "sudo neutron-rootwrap /etc/neutron/rootwrap.conf" },
        database: database(ctx, "neutron", 3),
        keystone_authtoken: authtoken(ctx, "neutron"),
        nova: serviceUser(ctx, "nova"),
        oslo_concurrency: { lock_path: "/var/lib/neutron/tmp" },
        oslo_messaging_rabbit: { rpc_conn_pool_size: 5 },
        oslo_policy: { enforce_new_defaults: true },
    });
    const ml2Conf = renderIni({
        ml2: { type_drivers: "flat,vlan,geneve", tenant_network_types: "geneve", mechanism_drivers: "ovn", extension_drivers: "port_security", overlay_ip_version: 4, path_mtu: c.mtu },
        ml2_type_flat: { flat_networks: "provider" },
        // Geneve header: tenant MTU = path MTU - 38.
        ml2_type_geneve: { vni_ranges: "1:65536", max_header_size: 38 },
        ml2_type_vlan: { network_vlan_ranges: "provider:100:200" },
        ovn: {
            ovn_nb_connection: `tcp:${northd}:6641`,
            ovn_sb_connection: `tcp:${northd}:6642`,
            ovn_l3_scheduler: "leastloaded",
            ovn_metadata_enabled: true,
            // Floating IP traffic goes through the gateway chassis: this host.
            enable_distributed_floating_ip: false,
        },
    });
    const agentConf = renderIni({
        DEFAULT: {
            use_rootwrap_daemon: false,
            nova_metadata_host: `nova.${PUBLIC_DOMAIN}`,
            nova_metadata_port: 8775,
            nova_metadata_protocol: "http",
            nova_metadata_insecure: true,
            metadata_proxy_shared_secret: token("SERVICE_PASSWORD"),
        },
        // The agent runs as root: no sudo, no rootwrap.
        agent: { extensions: "metadata", root_helper: "" },
        ovs: { ovsdb_connection: "unix:/run/openvswitch/db.sock" },
        ovn: { ovn_sb_connection: `tcp:${northd}:6642` },
        privsep: { helper_command: "privsep-helper" },
        privsep_entrypoint: { helper_command: "privsep-helper" },
    });
    const neutronTemplate = { target: "/etc/neutron/neutron.conf", content: neutronConf };
    return [
        {
            ...specBase(NEUTRON, "neutron-server", c.ips),
            description: "Neutron server, networking (ML2/OVN)",
            exec: "neutron-server",
            env: registrationEnv(ctx, "NEUTRON_PUBLIC_URL", catalogUrl(NEUTRON, "network")),
            templates: [neutronTemplate, { target: "/etc/neutron/plugins/ml2/ml2_conf.ini", content: ml2Conf }],
            health: httpHealth("neutron-server", 15),
            startTimeoutSeconds: 900,
            stopTimeoutSeconds: 30,
        },
        {
            ...specBase(NEUTRON, "neutron-ovn-agent", c.ips),
            description: "Neutron OVN agent (metadata)",
            exec: "neutron-ovn-agent",
            privileged: true,
            env: { NEUTRON_URL: `http://${c.ips.neutronServerIp}:9696/` },
            templates: [neutronTemplate, { target: "/etc/neutron/neutron_ovn_agent.ini", content: agentConf }],
            volumes: ["/run/openvswitch:/run/openvswitch"],
            health: { cmd: "hotstack-health neutron-ovn-agent", timeoutSeconds: 10, startPeriodSeconds: 10 },
            startTimeoutSeconds: 300,
            stopTimeoutSeconds: 10,
        },
    ];
}
