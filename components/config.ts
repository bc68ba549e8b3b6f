// The one typed configuration of hotstack-os, read from Pulumi config and validated before any
// resource exists: its keys and defaults (config/defaults.ts), the parser (config/parse.ts) with
// post-setup's part (config/post-setup.ts) and the extra hosts (config/hosts.ts); addresses and
// networks are checked by providers/addresses.ts, which the providers use too.
export * from "./config/defaults";
export { loadConfig, parseConfig } from "./config/parse";
export { Cidr, inCidr, intToIp, ipToInt, parseCidr } from "../providers/addresses";
