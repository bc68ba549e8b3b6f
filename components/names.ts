// Names the host plan and the service files share. A leaf module (it imports nothing), so the
// service descriptors can be read by the config parser without an import cycle.
export const PUBLIC_DOMAIN = "hotstack-os.local";
/** Names dnsmasq answers with a service's own address on the container network. */
export const INTERNAL_DOMAIN = "hotstack-os.internal";
/** An API's public URL through HAProxy: http://<name>.hotstack-os.local:<port> (no port when it is HTTP's own, 80). */
export const publicUrl = (name: string, port: number) => `http://${name}.${PUBLIC_DOMAIN}${port === 80 ? "" : `:${port}`}`;

/** The host units the containers are ordered after (service.ts). */
export const FABRIC_UNIT = "hotstack-os-fabric.service";
export const SHARED_MOUNTS_UNIT = "hotstack-os-shared-mounts.service";
