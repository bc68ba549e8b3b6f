// A project of its own that uses a hotstack-os cloud: it reads the hotstack-os stack with a
// StackReference and, through an OpenStack provider built from that stack's structured outputs
// (authUrl, region and the post-setup application credential — never its clouds.yaml text),
// makes a network, a subnet on the stack's router, a security group, a keypair and a server
// with a floating IP on the stack's public network.
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
/** The hotstack-os stack: self-managed backends name it organization/<project>/<stack>. */
const hotstackStack = config.get("hotstackStack") ?? "organization/hotstack-os/dev";
const flavorName = config.get("flavor") ?? "hotstack.small";
const imageName = config.get("image") ?? "cirros";
const cidr = config.get("cidr") ?? "192.168.200.0/24";
const sshPublicKey = config.require("sshPublicKey");
/** A router of this project instead of the stack's router1 (which must belong to the credential's project). */
const ownRouter = config.getBoolean("ownRouter") ?? true; // router1 is the admin project's: the project user cannot add to it
const prefix = config.get("namePrefix") || `${pulumi.getProject()}-${pulumi.getStack()}`;

const hotstack = new pulumi.StackReference("hotstack", { name: hotstackStack });
const out = <T>(name: string) => hotstack.requireOutput(name) as pulumi.Output<T>;

type Named = { id: string; name: string };
const publicNetwork = out<Named & { subnetId: string }>("publicNetwork");

/** The id of one of the stack's post-setup flavors or images, by name; an unknown name says which there are. */
function idOf(what: "flavor" | "image", name: string): pulumi.Output<string> {
    return out<Record<string, string>>(`${what}s`).apply((ids) => {
        const id = ids?.[name];
        if (!id) throw new Error(`the hotstack-os stack ${hotstackStack} has no ${what} "${name}" (it has: ${Object.keys(ids ?? {}).join(", ") || "none"}); pulumi config set ${what} <one of them>`);
        return id;
    });
}

// The project user's application credential, scoped to its project. Secret here whatever the
// referenced stack says: the provider's inputs are stored in this stack's state.
const provider = new openstack.Provider("hotstack", {
    authUrl: out<string>("authUrl"),
    region: out<string>("region"),
    applicationCredentialId: out<string>("appCredentialId"),
    applicationCredentialSecret: pulumi.secret(out<string>("appCredentialSecret")),
});
const opts = { provider };

const network = new openstack.networking.Network("network", { name: `${prefix}-net`, adminStateUp: true }, opts);
const subnet = new openstack.networking.Subnet("subnet", { name: `${prefix}-subnet`, networkId: network.id, cidr, ipVersion: 4, enableDhcp: true }, opts);

const routerId = ownRouter
    ? new openstack.networking.Router("router", { name: `${prefix}-router`, externalNetworkId: publicNetwork.id }, opts).id
    : out<Named>("router").id;
const routerInterface = new openstack.networking.RouterInterface("router-interface", { routerId, subnetId: subnet.id }, opts);

const securityGroup = new openstack.networking.SecGroup("security-group", { name: `${prefix}-sg`, description: "ssh and ping from anywhere" }, opts);
const ingress = { securityGroupId: securityGroup.id, direction: "ingress", ethertype: "IPv4", remoteIpPrefix: "0.0.0.0/0" };
new openstack.networking.SecGroupRule("ssh", { ...ingress, protocol: "tcp", portRangeMin: 22, portRangeMax: 22 }, opts);
new openstack.networking.SecGroupRule("icmp", { ...ingress, protocol: "icmp" }, opts);

const keypair = new openstack.compute.Keypair("keypair", { name: `${prefix}-key`, publicKey: sshPublicKey }, opts);

// The server's port on the network made here, with the security group; the floating IP goes on it.
const port = new openstack.networking.Port("server-port", {
    name: `${prefix}-server`,
    networkId: network.id,
    fixedIps: [{ subnetId: subnet.id }],
    securityGroupIds: [securityGroup.id],
    adminStateUp: true,
}, opts);

const server = new openstack.compute.Instance("server", {
    name: `${prefix}-server`,
    flavorId: idOf("flavor", flavorName),
    imageId: idOf("image", imageName),
    keyPair: keypair.name,
    networks: [{ port: port.id }],
}, opts);

// A floating IP needs the subnet on a router with a gateway on the public network.
const floatingIp = new openstack.networking.FloatingIp("floating-ip", {
    pool: publicNetwork.name,
    portId: port.id,
    description: `${prefix}-server`,
}, { provider, dependsOn: [routerInterface] });

export const networkId = network.id;
export const serverName = server.name;
export const address = floatingIp.address;
export const sshCommand = pulumi.interpolate`ssh ${imageName === "cirros" ? "cirros" : "<user>"}@${floatingIp.address}`;
