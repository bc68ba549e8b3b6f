// hotstack-os: one Linux host (this one, or one over SSH) converged into a containerized
// OpenStack; further hosts over SSH get a compute host's host layer (config `hosts`). `pulumi up` applies, `pulumi up` again is a no-op, `pulumi refresh`
// finds drift, `pulumi destroy` removes exactly what this program made.
import { loadConfig } from "./components/config";
import { HotStack } from "./components/hotstack";

// Pulumi runs an exported function and uses its result as the stack outputs; the converge
// harness (test/harness) calls the same function.
export = async () => {
    const config = loadConfig(); // validated before any resource exists
    const stack = new HotStack("hotstack", config);
    return {
        ...(stack.cloud ?? {}),
        ...(stack.postSetup ?? {}),
        dataDir: stack.dataDir,
        providerNetwork: stack.providerNetwork,
        gateway: stack.gateway,
        libvirtSocket: stack.libvirtSocket,
        hotstackUid: stack.hotstackUid,
        services: Object.keys(stack.services),
        /** Every host with its roles: {main: ["controller", "compute"], compute1: ["compute"]}. */
        hosts: stack.hosts,
    };
};
