// Neutron objects of post-setup: the shared tenant network
// and the provider network with their subnets, the router with its gateway and interface, the
// default security groups' ingress rules, and the project's network quotas.
import { Ctx, Kind, Observed, getOrUndefined, pick, q, quotaKind, removeIfThere } from "../kind";

const netAttrs = (n: any) => ({
    shared: n.shared === true,
    external: n["router:external"] === true,
    networkType: n["provider:network_type"] ?? "",
    physicalNetwork: n["provider:physical_network"] ?? "",
});

/** spec: shared, external, networkType ("" = the cloud's default for tenant networks), physicalNetwork. */
export const network: Kind = {
    service: "network",
    compare: ["shared", "external"],
    replaceOn: ["networkType", "physicalNetwork"],
    async find(x) {
        const r = await x.cloud.request("network", "GET", `/v2.0/networks?name=${q(x.props.name)}`);
        return pick(r.body.networks, netAttrs);
    },
    async get(x, id) {
        const b = await getOrUndefined(x, "network", `/v2.0/networks/${id}`);
        return b && { id, attrs: netAttrs(b.network) };
    },
    async create(x) {
        const s = x.props.spec;
        const body: Record<string, unknown> = { name: x.props.name, shared: s.shared, "router:external": s.external };
        if (s.networkType) body["provider:network_type"] = s.networkType;
        if (s.physicalNetwork) body["provider:physical_network"] = s.physicalNetwork;
        const r = await x.cloud.request("network", "POST", "/v2.0/networks", { body: { network: body } });
        return { id: r.body.network.id, attrs: netAttrs(r.body.network) };
    },
    async update(x, id) {
        const s = x.props.spec;
        const r = await x.cloud.request("network", "PUT", `/v2.0/networks/${id}`, { body: { network: { shared: s.shared, "router:external": s.external } } });
        return { id, attrs: netAttrs(r.body.network) };
    },
    remove: (x, id) => removeNetworkObject(x, `/v2.0/networks/${id}`, "network", id),
};

const subnetAttrs = (s: any) => ({
    network: s.network_id,
    cidr: s.cidr,
    gateway: s.gateway_ip ?? "",
    dhcp: s.enable_dhcp === true,
    dns: [...(s.dns_nameservers ?? [])],
    pools: (s.allocation_pools ?? []).map((p: any) => `${p.start}-${p.end}`),
});

// (Kinds never call their own exported object: the closure serializer can order a module's
// exports after their first use, leaving such a reference undefined in the provider.)
async function getSubnet(x: Ctx, id: string): Promise<Observed | undefined> {
    const b = await getOrUndefined(x, "network", `/v2.0/subnets/${id}`);
    if (!b) return undefined;
    const attrs = subnetAttrs(b.subnet);
    // An unset gateway/pool means "the default": compare only what the spec sets.
    if (!x.props.spec.gateway) attrs.gateway = "";
    if (!(x.props.spec.pools ?? []).length) attrs.pools = [];
    return { id, attrs };
}

/** spec: network (id), cidr, gateway ("" = the first address), dhcp, dns [ips], pools ["start-end"] ([] = the whole range). */
export const subnet: Kind = {
    service: "network",
    compare: ["network", "cidr", "gateway", "dhcp", "dns", "pools"],
    replaceOn: ["network", "cidr"],
    async find(x) {
        const r = await x.cloud.request("network", "GET", `/v2.0/subnets?name=${q(x.props.name)}&network_id=${q(x.props.spec.network)}`);
        return pick(r.body.subnets, subnetAttrs);
    },
    get: getSubnet,
    async create(x) {
        const r = await x.cloud.request("network", "POST", "/v2.0/subnets", { body: { subnet: { name: x.props.name, network_id: x.props.spec.network, ip_version: 4, cidr: x.props.spec.cidr, ...subnetBody(x) } } });
        return (await getSubnet(x, r.body.subnet.id))!;
    },
    async update(x, id) {
        await x.cloud.request("network", "PUT", `/v2.0/subnets/${id}`, { body: { subnet: subnetBody(x) } });
        return (await getSubnet(x, id))!;
    },
    remove: (x, id) => removeNetworkObject(x, `/v2.0/subnets/${id}`, "subnet", id),
};

function subnetBody(x: Ctx): Record<string, unknown> {
    const s = x.props.spec;
    return {
        enable_dhcp: s.dhcp,
        dns_nameservers: s.dns ?? [],
        ...(s.gateway ? { gateway_ip: s.gateway } : {}),
        ...((s.pools ?? []).length ? { allocation_pools: s.pools.map((p: string) => ({ start: p.split("-")[0], end: p.split("-")[1] })) } : {}),
    };
}

const routerAttrs = (r: any) => ({ externalNetwork: r.external_gateway_info?.network_id ?? "" });

/** spec: externalNetwork (id; "" = none). */
export const router: Kind = {
    service: "network",
    async find(x) {
        const r = await x.cloud.request("network", "GET", `/v2.0/routers?name=${q(x.props.name)}`);
        return pick(r.body.routers, routerAttrs);
    },
    async get(x, id) {
        const b = await getOrUndefined(x, "network", `/v2.0/routers/${id}`);
        return b && { id, attrs: routerAttrs(b.router) };
    },
    async create(x) {
        const gw = x.props.spec.externalNetwork ? { external_gateway_info: { network_id: x.props.spec.externalNetwork } } : {};
        const r = await x.cloud.request("network", "POST", "/v2.0/routers", { body: { router: { name: x.props.name, ...gw } } });
        return { id: r.body.router.id, attrs: routerAttrs(r.body.router) };
    },
    async update(x, id) {
        const gw = x.props.spec.externalNetwork ? { network_id: x.props.spec.externalNetwork } : {};
        const r = await x.cloud.request("network", "PUT", `/v2.0/routers/${id}`, { body: { router: { external_gateway_info: gw } } });
        return { id, attrs: routerAttrs(r.body.router) };
    },
    remove: (x, id) => removeNetworkObject(x, `/v2.0/routers/${id}`, "router", id),
};

async function getRouterInterface(x: Ctx, id: string): Promise<Observed | undefined> {
    const [routerId, subnetId] = id.split("/");
    const r = await x.cloud.request("network", "GET", `/v2.0/ports?device_id=${q(routerId)}&fixed_ips=subnet_id%3D${q(subnetId)}`);
    return r.body.ports?.length ? { id, attrs: { router: routerId, subnet: subnetId } } : undefined;
}

/** A router's interface on a subnet; name = the subnet's name, spec {router, subnet} (ids). */
export const routerInterface: Kind = {
    service: "network",
    replaceOn: ["router", "subnet"],
    find: (x) => getRouterInterface(x, `${x.props.spec.router}/${x.props.spec.subnet}`),
    get: getRouterInterface,
    async create(x) {
        const { router: routerId, subnet: subnetId } = x.props.spec;
        await x.cloud.request("network", "PUT", `/v2.0/routers/${routerId}/add_router_interface`, { body: { subnet_id: subnetId } });
        return { id: `${routerId}/${subnetId}`, attrs: { router: routerId, subnet: subnetId } };
    },
    async remove(x, id) {
        const [routerId, subnetId] = id.split("/");
        const r = await x.cloud.request("network", "PUT", `/v2.0/routers/${routerId}/remove_router_interface`, { body: { subnet_id: subnetId }, ok: [404, 409] });
        if (r.status === 409) throw new Error(`the interface of router ${routerId} on subnet ${subnetId} is in use: ${JSON.stringify(r.body).slice(0, 300)}`);
    },
};

const ruleAttrs = (r: any) => ({
    securityGroup: r.security_group_id,
    direction: r.direction,
    protocol: r.protocol ?? "",
    ports: r.port_range_min == null ? "" : `${r.port_range_min}-${r.port_range_max}`,
    remote: r.remote_ip_prefix ?? "",
});

/** The project's "default" security group (listing it for the project makes neutron create it). */
async function defaultGroup(x: Ctx, project: string): Promise<string> {
    const r = await x.cloud.request("network", "GET", `/v2.0/security-groups?name=default&project_id=${q(project)}`);
    const sg = r.body.security_groups?.[0];
    if (!sg) throw new Error(`project ${project} has no default security group`);
    return sg.id;
}

/**
 * An ingress rule on a project's default group; spec {project (id), protocol, ports "min-max" or "", remote}.
 * The project is part of the rule's identity: another project (e.g. the project deleted and made
 * again, with a new id) replaces the rule, so it moves to the new project's default group. It is
 * compared with the last spec, not with the cloud: neutron keeps a deleted project's groups and
 * their rules, so the old rule still reads as there.
 */
export const securityGroupRule: Kind = {
    service: "network",
    compare: ["protocol", "ports", "remote", "direction"],
    replaceOn: ["protocol", "ports", "remote", "direction", "project"],
    async find(x) {
        const s = x.props.spec;
        const group = await defaultGroup(x, s.project);
        const r = await x.cloud.request("network", "GET", `/v2.0/security-group-rules?security_group_id=${q(group)}&direction=ingress&ethertype=IPv4`);
        const want = { securityGroup: group, direction: "ingress", protocol: s.protocol, ports: s.ports, remote: s.remote };
        return pick(r.body.security_group_rules, ruleAttrs, (rule: any) => JSON.stringify(ruleAttrs(rule)) === JSON.stringify(want));
    },
    async get(x, id) {
        const b = await getOrUndefined(x, "network", `/v2.0/security-group-rules/${id}`);
        return b && { id, attrs: ruleAttrs(b.security_group_rule) };
    },
    async create(x) {
        const s = x.props.spec;
        const group = await defaultGroup(x, s.project);
        const [min, max] = s.ports ? s.ports.split("-").map(Number) : [undefined, undefined];
        const r = await x.cloud.request("network", "POST", "/v2.0/security-group-rules", {
            body: { security_group_rule: { security_group_id: group, direction: "ingress", ethertype: "IPv4", protocol: s.protocol, port_range_min: min, port_range_max: max, remote_ip_prefix: s.remote } },
        });
        return { id: r.body.security_group_rule.id, attrs: ruleAttrs(r.body.security_group_rule) };
    },
    remove: (x, id) => removeIfThere(x, "network", `/v2.0/security-group-rules/${id}`),
};

/** A project's network quotas (spec: the limits). */
export const networkQuota = quotaKind("network", (project) => `/v2.0/quotas/${project}`, "quota");

/**
 * Deletes a network object; "in use" (409) becomes a message that names what the users of the
 * cloud put there (e.g. a server's port on the network), since this program will not remove it.
 */
async function removeNetworkObject(x: Ctx, path: string, what: string, id: string): Promise<void> {
    const r = await x.cloud.request("network", "DELETE", path, { ok: [404, 409] });
    if (r.status !== 409) return;
    const filter = { network: `network_id=${q(id)}`, subnet: `fixed_ips=subnet_id%3D${q(id)}`, router: `device_id=${q(id)}` }[what] ?? "";
    const owners = await x.cloud.request("network", "GET", `/v2.0/ports?${filter}`);
    const users = (owners.body.ports ?? [])
        .filter((p: any) => !String(p.device_owner ?? "").startsWith("network:"))
        .map((p: any) => `port ${p.id} of ${p.device_owner || "nothing"} ${p.device_id || ""}`.trim());
    throw new Error(`${what} ${x.props.name} (${id}) is in use by objects this program did not make, so it is kept: ${users.length ? users.join(", ") : JSON.stringify(r.body).slice(0, 300)}. Remove them (e.g. \`openstack server delete …\`) and run again.`);
}
