// What each resource "returns" under pulumi.runtime.setMocks in the graph tests: its inputs plus
import * as pulumi from "@pulumi/pulumi";
// the outputs the program reads from it (uids, digests, image ids, facts), fixed values.
export function mockedState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    const state: Record<string, any> = { ...inputs };
    if (type.endsWith(":SystemUser")) Object.assign(state, { uid: 990, gid: 989 });
    if (type.endsWith(":SystemdUnit")) state.active = true;
    if (type.endsWith(":File")) state.contentSha256 = `sha-of-${name}`;
    if (type.endsWith(":ContainerImage")) state.imageId = `sha256:${"0".repeat(56)}${name.slice(-8).padStart(8, "0")}`;
    if (type.endsWith(":ImageVersions")) state.versions = Object.fromEntries(inputs.packages.map((p: string) => [p, `1.0-${p}`]));
    if (type.endsWith(":PodmanSecret")) state.digest = `digest-of-${name}`;
    if (type.endsWith(":ContainerService")) state.active = true;
    if (type === "random:index/randomPassword:RandomPassword") state.result = "generatedpassword0123456789abcdef";
    if (type.endsWith(":HostFacts")) Object.assign(state, { fqdn: "lab1.example.org", kvmGid: 993, hasKvm: false });
    if (type.endsWith(":HostPackages")) Object.assign(state, { distro: "debian", family: "debian" });
    return state;
}

export interface Created {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/**
 * Runs index.ts under setMocks with `config` (keys in `secretKeys` secret): every resource it
 * registers, in order, and its stack outputs resolved. One program per process (index.ts is
 * required once), as under the engine.
 */
export async function runMockedProgram(stack: string, config: Record<string, string>, secretKeys: string[] = []): Promise<{ created: Created[]; outputs: Record<string, any> }> {
    const created: Created[] = [];
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            created.push({ type: args.type, name: args.name, inputs: args.inputs });
            return { id: `${args.name}-id`, state: mockedState(args.type, args.name, args.inputs) };
        },
        call: () => ({}),
    }, "hotstack-os", stack, false);
    pulumi.runtime.setAllConfig(config, secretKeys);
    const program: () => Promise<Record<string, any>> = require("../../index");
    const raw = await program();
    // Let every registration finish, as the engine would before the deployment ends.
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    const outputs: Record<string, any> = {};
    for (const [k, v] of Object.entries(raw)) outputs[k] = pulumi.Output.isInstance(v) ? await new Promise((resolve) => v.apply(resolve)) : v;
    return { created, outputs };
}
