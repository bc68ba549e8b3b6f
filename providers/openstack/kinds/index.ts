// Every kind of cloud object post-setup manages, by the name resources use.
import { Kind } from "../kind";
import { computeQuota, flavor, keypair } from "./compute";
import { applicationCredential, project, roleAssignment, user } from "./identity";
import { image } from "./image";
import { network, networkQuota, router, routerInterface, securityGroupRule, subnet } from "./network";
import { volumeQuota } from "./volume";

export const KINDS: Record<string, Kind> = {
    project,
    user,
    roleAssignment,
    applicationCredential,
    flavor,
    keypair,
    computeQuota,
    network,
    subnet,
    router,
    routerInterface,
    securityGroupRule,
    networkQuota,
    volumeQuota,
    image,
};
