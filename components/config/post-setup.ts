// Post-setup's part of the config: the project, user, networks and objects made once the cloud
// runs. Names the cloud keeps for itself (its projects, the services' keystone users) are refused.
import { Cidr, intToIp, inCidr, ipToInt, overlaps, parseCidr } from "../../providers/addresses";
import { PostSetupPlan, SSH_PUBLIC_KEY, jsonValue, parseFlavors, parseImages, parseQuotas } from "../post-setup-plan";
import { keystoneUsers } from "../services/catalogue";
import { DEFAULTS, PROJECT, RawConfig, SERVICE_SETS } from "./defaults";

export interface NetworkFacts {
    serviceSet: (typeof SERVICE_SETS)[number];
    providerNet?: Cidr;
    containerNet?: Cidr;
    hotExIp: string;
    hotEx?: number;
}

/** Keystone projects the cloud makes for itself (keystone's bootstrap: admin; the services' project: service). */
const RESERVED_PROJECTS = ["admin", "service"] as const;

/** Post-setup's plan from config, or undefined when it is off (it needs the full service set). */
export function parsePostSetup(
    raw: RawConfig,
    net: NetworkFacts,
    bad: (k: string, v: unknown, why: string) => void,
    bool: (k: keyof typeof DEFAULTS) => boolean,
    str: (k: keyof typeof DEFAULTS) => string,
): PostSetupPlan | undefined {
    const on = bool("postSetup");
    if (net.serviceSet !== "full") {
        if (raw.postSetup === "true") bad("postSetup", true, `needs ${PROJECT}:serviceSet full (it is ${net.serviceSet})`);
        return undefined;
    }
    if (!on) return undefined;
    const name = (k: keyof typeof DEFAULTS, what: string) => {
        const v = str(k);
        if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/.test(v)) bad(k, v, `must be ${what} (letters, digits, _ . @ -)`);
        return v;
    };
    const privateCidr = str("privateCidr");
    const priv = parseCidr(privateCidr);
    if (!priv) bad("privateCidr", privateCidr, "must be an IPv4 network in CIDR form with its network address, like 192.168.100.0/24");
    else if (priv.prefix > 29) bad("privateCidr", privateCidr, "is too small: needs at least a /29");
    else {
        for (const [k, other] of [["providerNetwork", net.providerNet], ["containerNetwork", net.containerNet]] as const) {
            if (other && overlaps(priv, other)) bad("privateCidr", privateCidr, `overlaps ${PROJECT}:${k} ${other.text}`);
        }
    }
    const dnsList = jsonValue<unknown>(raw.privateDns, "privateDns", [], bad);
    const privateDns = Array.isArray(dnsList) && dnsList.length ? (dnsList as string[]) : [net.hotExIp];
    if (!Array.isArray(dnsList)) bad("privateDns", dnsList, "must be a list of IPv4 addresses");
    else for (const ip of dnsList) if (ipToInt(String(ip)) === undefined) bad("privateDns", ip, "must be an IPv4 address");

    // The provider subnet's pool: the spec's .130-.200 on the default network, else from hot-ex + 1.
    let providerPool: [string, string] = ["", ""];
    const p = net.providerNet;
    if (p && net.hotEx !== undefined) {
        const text = str("providerAllocationPool");
        const last = p.network + p.size - 2;
        const fallback: [string, string] = [intToIp(net.hotEx + 1), intToIp(Math.min(net.hotEx + 71, last))];
        const [a, b] = text ? text.split("-") : fallback;
        const start = ipToInt(a ?? "");
        const end = ipToInt(b ?? "");
        if (start === undefined || end === undefined || start > end) bad("providerAllocationPool", text, 'must be "START-END", two IPv4 addresses in order');
        else if (!inCidr(p, start) || !inCidr(p, end) || start <= p.network || end > last) bad("providerAllocationPool", text, `must lie inside ${PROJECT}:providerNetwork ${p.text}, without its network and broadcast addresses`);
        else if (net.hotEx >= start && net.hotEx <= end) bad("providerAllocationPool", text, `must not contain ${PROJECT}:hotExIp ${net.hotExIp} (the gateway)`);
        providerPool = [a, b];
    }
    const sshPublicKey = str("sshPublicKey").trim();
    if (sshPublicKey && !SSH_PUBLIC_KEY.test(sshPublicKey)) bad("sshPublicKey", sshPublicKey.slice(0, 40) + (sshPublicKey.length > 40 ? "…" : ""), "must be one OpenSSH public key line (e.g. the content of ~/.ssh/id_ed25519.pub)");
    // The cloud's own project and users: adopting one would rewrite its password or description.
    const own = (k: keyof typeof DEFAULTS, what: string, reserved: readonly string[]) => {
        const v = name(k, what);
        if (reserved.includes(v.toLowerCase())) bad(k, v, `is the cloud's own (${reserved.join(", ")} are reserved); choose another name`);
        return v;
    };
    return {
        project: own("postSetupProject", "a project name", RESERVED_PROJECTS),
        user: own("postSetupUser", "a user name", keystoneUsers()),
        role: "member",
        roleFallbacks: ["_member_"],
        quotas: parseQuotas(raw.quotas, "quotas", bad),
        flavors: parseFlavors(raw.flavors, "flavors", bad),
        privateCidr,
        privateDns,
        providerCidr: p?.text ?? "",
        providerGateway: net.hotExIp,
        providerPool,
        physicalNetwork: name("physicalNetwork", "a physical network name"),
        networkType: "flat",
        images: parseImages(raw.images, "images", bad),
        appCredentialName: name("appCredentialName", "an application credential name"),
        keypairName: name("keypairName", "a keypair name"),
        sshPublicKey,
    };
}
