// Every kind of cloud object post-setup manages, by the name resources use, grouped by the
// service that keeps it: each group is served by a provider of its own, so the code the engine
// stores with an object (its serialized provider) carries only its service's kinds.
import { Kind } from "../kind";
import { computeQuota, flavor, keypair } from "./compute";
import { applicationCredential, project, roleAssignment, user } from "./identity";
import { image } from "./image";
import { network, networkQuota, router, routerInterface, securityGroupRule, subnet } from "./network";
import { volumeQuota } from "./volume";

export const KIND_GROUPS = {
    identity: { project, user, roleAssignment, applicationCredential } as Record<string, Kind>,
    compute: { flavor, keypair, computeQuota } as Record<string, Kind>,
    network: { network, subnet, router, routerInterface, securityGroupRule, networkQuota } as Record<string, Kind>,
    image: { image } as Record<string, Kind>,
    volume: { volumeQuota } as Record<string, Kind>,
};
export type KindGroup = keyof typeof KIND_GROUPS;

/** The group a kind belongs to (undefined: no such kind). */
export function groupOf(kind: string): KindGroup | undefined {
    return (Object.keys(KIND_GROUPS) as KindGroup[]).find((g) => kind in KIND_GROUPS[g]);
}

export const KIND_NAMES = Object.values(KIND_GROUPS).flatMap((g) => Object.keys(g));
