// npm run smoke — HotStack-OS's acceptance test (devsetup/hotstack-os/scripts/smoke-test.py of
// https://github.com/openstack-k8s-operators/hotstack) against a deployed
// stack: a Heat stack with two networks, a router, a trunk, a guest booted from a volume and one
// with an attached volume, two floating IPs; then ping and SSH from the host to both floating
// IPs (the SSH key reaches the guests through the metadata service: DHCP, the OVN metadata
// agent, HAProxy and nova's metadata API all worked). Everything runs on the host over the
// stack's own connection: the cloud answers only there, and floating IPs live on its provider
// network. Exit 0 only when every check passed.
//
//   npm run smoke -- [--stack-name hotstack-smoke-test] [--keypair-name hotstack-smoke-test]
//       [--ssh-username cirros] [--image cirros] [--flavor hotstack.small] [--external-network public]
//       [--keep-stack] [--cleanup-only] [--no-test-connectivity] [--no-test-ssh] [--cloud hotstack-os]
//   npm run smoke -- --cleanup-guests   (tools/guests.ts: the project's guests, never post-setup's objects)
//   npm run smoke -- --help
//   The host comes from the Pulumi stack's config (`pulumi config --json --show-secrets`, the
//   current stack or --stack NAME), or from --host local|ssh://user@address[:port] with
//   --ssh-key-file FILE and --ssh-host-key SHA256:… (or HOTSTACK_HOST / HOTSTACK_SSH_KEY_FILE /
//   HOTSTACK_SSH_HOST_KEY).
import * as fs from "node:fs";
import * as path from "node:path";
import { sh } from "../providers/host/shell";
import { Host } from "../providers/host/transport";
import { cleanupGuests } from "./guests";
import { CONNECTION_OPTIONS, ToolSpec, argsOrExit, hostFromCli, runMain } from "./stack";

const TEMPLATE = path.resolve(__dirname, "../assets/smoke/smoke-test-template.yaml");
const WORK = "/var/tmp/hotstack-os-smoke";

export interface SmokeOptions {
    stackName: string;
    keypairName: string;
    sshUsername: string;
    image: string;
    flavor: string;
    externalNetwork: string;
    cloud: string;
    keepStack: boolean;
    cleanupOnly: boolean;
    testConnectivity: boolean;
    testSsh: boolean;
    log: (line: string) => void;
}

export interface Check {
    name: string;
    ok: boolean;
    detail?: string;
}

export interface SmokeResult {
    checks: Check[];
    ok: boolean;
    stackSeconds: number;
    floatingIps: string[];
    /** Seconds from the stack being complete to the first successful SSH into each guest. */
    sshSeconds: number[];
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** The smoke run against one host. Reusable by tests (they call it with their own host). */
export async function smoke(host: Host, o: SmokeOptions): Promise<SmokeResult> {
    const checks: Check[] = [];
    const check = (name: string, ok: boolean, detail?: string) => {
        checks.push({ name, ok, detail });
        o.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
        return ok;
    };
    const os = async (args: string, opts: { allowFailure?: boolean } = {}) => {
        const r = await host.run(`cd ${WORK} && openstack --os-cloud ${sh(o.cloud)} ${args}`, { check: !opts.allowFailure, what: `openstack ${args.split(" ").slice(0, 3).join(" ")}` });
        return r.stdout.trim();
    };
    const json = async (args: string) => JSON.parse(await os(`${args} -f json`));
    const stackStatus = async () => {
        const out = await os(`stack show ${sh(o.stackName)} -f value -c stack_status`, { allowFailure: true });
        return out.split("\n").pop() || "";
    };
    const deleteStack = async (): Promise<boolean> => {
        if (!(await stackStatus())) return true;
        await os(`stack delete --yes ${sh(o.stackName)}`, { allowFailure: true });
        for (let t = 0; t < 300; t += 5) {
            const s = await stackStatus();
            if (!s) return true;
            if (s === "DELETE_FAILED") return false;
            await sleep(5);
        }
        return false;
    };

    await host.run(`install -d -m 0700 ${WORK}`);
    if (o.cleanupOnly) {
        const deleted = await deleteStack();
        check("stack deleted", deleted);
        await os(`keypair delete ${sh(o.keypairName)}`, { allowFailure: true });
        return { checks, ok: checks.every((c) => c.ok), stackSeconds: 0, floatingIps: [], sshSeconds: [] };
    }

    // 1. a keypair from a throwaway key made on the host (where ping and SSH run)
    const key = `${WORK}/id_ed25519`;
    await host.run(`[ -f ${key} ] || ssh-keygen -q -t ed25519 -N '' -C hotstack-os-smoke -f ${key}`, { what: "make the smoke test's SSH key" });
    const pub = (await host.run(`cat ${key}.pub`)).stdout.trim();
    const existing = await os(`keypair show ${sh(o.keypairName)} -f value -c fingerprint`, { allowFailure: true });
    if (existing) await os(`keypair delete ${sh(o.keypairName)}`);
    await host.run(`printf '%s\\n' ${sh(pub)} > ${WORK}/key.pub`);
    await os(`keypair create --public-key ${WORK}/key.pub ${sh(o.keypairName)} -f value -c name`);

    // 2. a stack of the same name from an earlier run goes first
    if (await stackStatus()) {
        o.log(`stack ${o.stackName} exists from an earlier run: deleting it first`);
        if (!check("earlier stack deleted", await deleteStack())) return done();
        await sleep(5);
    }

    // 3. create and wait (600 s)
    await host.run(`cat > ${WORK}/template.yaml`, { stdin: fs.readFileSync(TEMPLATE) });
    const started = Date.now();
    const params = { keypair_name: o.keypairName, image_name: o.image, flavor_name: o.flavor, external_network: o.externalNetwork };
    await os(`stack create -t ${WORK}/template.yaml ${Object.entries(params).map(([k, v]) => `--parameter ${sh(`${k}=${v}`)}`).join(" ")} ${sh(o.stackName)} -f value -c id`);
    let status = "";
    for (let t = 0; t < 600; t += 5) {
        status = await stackStatus();
        if (status !== "CREATE_IN_PROGRESS") break;
        await sleep(5);
    }
    const stackSeconds = (Date.now() - started) / 1000;
    const complete = Date.now();
    if (!check("stack CREATE_COMPLETE", status === "CREATE_COMPLETE", `${status} after ${stackSeconds.toFixed(0)} s${status === "CREATE_COMPLETE" ? "" : `: ${await os(`stack show ${sh(o.stackName)} -f value -c stack_status_reason`, { allowFailure: true })}`}`)) {
        await diagnose();
        return done(stackSeconds);
    }

    // 4. every resource complete; outputs
    const resources: { resource_name: string; resource_status: string; physical_resource_id: string; resource_type: string }[] = await json(`stack resource list ${sh(o.stackName)}`);
    const incomplete = resources.filter((r) => r.resource_status !== "CREATE_COMPLETE");
    check("every stack resource CREATE_COMPLETE", incomplete.length === 0, incomplete.map((r) => `${r.resource_name} ${r.resource_status}`).join(", ") || `${resources.length} resources`);
    const outputs: { output_key: string; output_value: any }[] = await json(`stack output show --all ${sh(o.stackName)}`).then((v: any) => Array.isArray(v) ? v : Object.entries(v).map(([k, x]: [string, any]) => ({ output_key: k, output_value: typeof x === "string" ? JSON.parse(x).output_value : x.output_value })));
    const out = (k: string) => outputs.find((x) => x.output_key === k)?.output_value;
    const fips = [String(out("instance1_floating_ip")), String(out("instance2_floating_ip"))];
    o.log(`outputs: ${outputs.map((x) => `${x.output_key}=${JSON.stringify(x.output_value)}`).join(" ")}`);
    const phys = (name: string) => resources.find((r) => r.resource_name === name)?.physical_resource_id ?? "";
    const digests: Promise<string>[] = [];

    // what the template asked for, as the cloud shows it
    const server1 = await json(`server show ${phys("instance1")}`);
    const bootedFromVolume = (server1.image === "" || /booted from volume/i.test(String(server1.image))) && (server1.volumes_attached ?? []).length > 0;
    check("instance1 booted from its volume", bootedFromVolume, `image=${JSON.stringify(server1.image)} volumes=${JSON.stringify(server1.volumes_attached)}`);
    const trunk = await json(`network trunk show ${phys("instance1-trunk")}`);
    const subPorts = Array.isArray(trunk.sub_ports) ? trunk.sub_ports : [];
    check("trunk with its VLAN 100 sub-port", subPorts.length === 1 && subPorts[0].segmentation_id === 100 && subPorts[0].segmentation_type === "vlan", JSON.stringify(subPorts));

    // 5. ping (after 30 s, every 2 s for up to 60 s)
    const sshSeconds: number[] = [];
    if (o.testConnectivity) {
        await sleep(30);
        for (const [i, ip] of fips.entries()) {
            let ok = false;
            for (let t = 0; t < 60 && !ok; t += 2) {
                ok = (await host.run(`ping -c 1 -W 2 ${sh(ip)} >/dev/null 2>&1 && echo ok || true`)).stdout.trim() === "ok";
                if (!ok) await sleep(2);
            }
            check(`ping ${ip} from the host`, ok, ok ? undefined : await consoleDigest(i));
        }
    }

    // 6. SSH with the key from metadata (every 5 s for up to 120 s), then look inside
    if (o.testSsh) {
        const sshCmd = (ip: string, cmd: string) => `ssh -i ${key} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR ${sh(`${o.sshUsername}@${ip}`)} ${sh(cmd)}`;
        for (const [i, ip] of fips.entries()) {
            const t0 = Date.now();
            let answer = "";
            for (let t = 0; t < 120 && !answer.includes("smoke-ok"); t += 5) {
                answer = (await host.run(sshCmd(ip, "echo smoke-ok; hostname; cat /proc/partitions"), { check: false })).stdout;
                if (!answer.includes("smoke-ok")) await sleep(5);
            }
            const reached = answer.includes("smoke-ok");
            const ok = check(`ssh ${o.sshUsername}@${ip} with the key from metadata`, reached, reached ? undefined : await consoleDigest(i));
            if (!ok) continue;
            // seconds from the stack being complete (the guests ACTIVE) to the guest answering SSH
            sshSeconds.push((Date.now() - complete) / 1000);
            const server = String(out(`instance${i + 1}_name`) ?? "");
            const hostname = answer.split("\n")[1]?.trim() ?? "";
            check(`instance${i + 1}'s hostname came from metadata`, server !== "" && hostname.split(".")[0].toLowerCase() === server.split(".")[0].toLowerCase().replace(/[^a-z0-9-]/g, "-"), `hostname ${JSON.stringify(hostname)}, server ${JSON.stringify(server)}`);
            if (i === 1) check("instance2 sees its extra volume as a disk", /\bvdb\b/.test(answer), answer.split("\n").filter((l) => /vd[a-z]/.test(l)).map((l) => l.trim().split(/\s+/).pop()).join(" "));
        }
    }
    if (!checks.every((c) => c.ok)) await diagnose();

    // 7. delete unless kept
    if (!o.keepStack) check("stack deleted", await deleteStack());
    return done(stackSeconds, fips, sshSeconds);

    function done(stackS = 0, floatingIps: string[] = [], ssh: number[] = []): SmokeResult {
        return { checks, ok: checks.length > 0 && checks.every((c) => c.ok), stackSeconds: stackS, floatingIps, sshSeconds: ssh };
    }

    /**
     * Why a guest did not answer, in one line a failure summary can carry: the guest's own status
     * lines (its init prints "hotstack-guest: ip=… metadata=…" and "ready …"), or else the last
     * console lines (a kernel panic, a boot loader that found no disk).
     */
    async function consoleDigest(index: number): Promise<string> {
        const name = `instance${index + 1}`;
        digests[index] ??= (async () => {
            const id = phys(name);
            if (!id) return `${name}: no server`;
            const status = await os(`server show ${sh(id)} -f value -c status`, { allowFailure: true });
            const lines = (await os(`console log show --lines 200 ${sh(id)}`, { allowFailure: true })).split("\n").map((l) => l.trim()).filter(Boolean);
            const own = lines.filter((l) => l.includes("hotstack-guest:"));
            const tail = (own.length ? own : lines).slice(-3).join(" | ");
            return `${name} ${status || "?"}, console: ${tail.slice(-400) || "(empty)"}`;
        })();
        return digests[index];
    }

    /** What a failed run shows: the failed resources and each guest's console tail. */
    async function diagnose(): Promise<void> {
        const failed = await os(`stack resource list ${sh(o.stackName)} --filter status=CREATE_FAILED -f value -c resource_name -c resource_status_reason`, { allowFailure: true });
        if (failed) o.log(`failed resources:\n${failed}`);
        for (const name of ["instance1", "instance2"]) {
            const id = await os(`stack resource show ${sh(o.stackName)} ${name} -f value -c physical_resource_id`, { allowFailure: true });
            if (!id) continue;
            o.log(`console of ${name} (last 25 lines):\n${await os(`console log show --lines 25 ${sh(id)}`, { allowFailure: true })}`);
        }
    }
}

export const SMOKE_SPEC: ToolSpec = {
    usage: "npm run smoke -- [options]",
    about: "HotStack-OS's smoke test against the deployed stack, run on its host: a Heat stack with two guests, then ping and SSH through their floating IPs. Exit 0 only when every check passed.",
    options: [
        { name: "image", value: "NAME", help: "guest image (default cirros)" },
        { name: "flavor", value: "NAME", help: "guest flavor (default hotstack.small)" },
        { name: "ssh-username", value: "USER", help: "login of the guest image (default cirros)" },
        { name: "stack-name", value: "NAME", help: "the Heat stack (default hotstack-smoke-test)" },
        { name: "keypair-name", value: "NAME", help: "the throwaway keypair (default hotstack-smoke-test)" },
        { name: "external-network", value: "NAME", help: "floating IPs from (default public)" },
        { name: "cloud", value: "NAME", help: "clouds.yaml entry on the host (default hotstack-os, the project user)" },
        { name: "keep-stack", help: "keep the Heat stack after the run" },
        { name: "cleanup-only", help: "only remove what an earlier run left (its stack and keypair)" },
        { name: "cleanup-guests", help: "only delete the project's servers, trunks, floating IPs, ports and volumes (never a post-setup object)" },
        { name: "no-test-connectivity", help: "skip ping" },
        { name: "no-test-ssh", help: "skip SSH" },
        ...CONNECTION_OPTIONS,
    ],
};

async function main(): Promise<void> {
    const args = argsOrExit(process.argv.slice(2), SMOKE_SPEC);
    const host = await hostFromCli(args);
    if (args.flag("cleanup-guests")) {
        const c = await cleanupGuests(host, { cloud: args.get("cloud") ?? "hotstack-os", log: (l) => console.log(l) });
        if (c.failed.length) console.error(`not deleted:\n  ${c.failed.join("\n  ")}`);
        process.exitCode = c.failed.length ? 1 : 0;
        return;
    }
    const r = await smoke(host, {
        stackName: args.get("stack-name") ?? "hotstack-smoke-test",
        keypairName: args.get("keypair-name") ?? "hotstack-smoke-test",
        sshUsername: args.get("ssh-username") ?? "cirros",
        image: args.get("image") ?? "cirros",
        flavor: args.get("flavor") ?? "hotstack.small",
        externalNetwork: args.get("external-network") ?? "public",
        cloud: args.get("cloud") ?? "hotstack-os",
        keepStack: args.flag("keep-stack"),
        cleanupOnly: args.flag("cleanup-only"),
        testConnectivity: !args.flag("no-test-connectivity"),
        testSsh: !args.flag("no-test-ssh"),
        log: (l) => console.log(l),
    });
    const failed = r.checks.filter((c) => !c.ok);
    console.log(failed.length ? `\nsmoke test FAILED: ${failed.map((c) => c.name).join("; ")}` : `\nsmoke test passed (${r.checks.length} checks)`);
    process.exitCode = r.ok ? 0 : 1;
}

if (require.main === module) runMain(main);
