// What every provider shares, one module per kind of thing (importers use this barrel): the host
// wrapper (kit/host-provider.ts), input checks that name the field (kit/checks.ts), field diffs
// tolerant of preview's unknowns (kit/diff.ts), digests and progress lines (kit/output.ts), and
// the address checks the config parser shares (addresses.ts).
export { HOSTNAME, isCidr, isIpv4 } from "./addresses";
export * from "./kit/checks";
export * from "./kit/diff";
export * from "./kit/host-provider";
export * from "./kit/output";
