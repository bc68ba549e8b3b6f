// Cinder objects of post-setup: the project's volume quotas.
import { quotaKind } from "../kind";

// (The volumev3 endpoint already ends with the admin's project id.)
export const volumeQuota = quotaKind("volumev3", (project) => `/os-quota-sets/${project}`, "quota_set");
