// ContainerImage: an image built on the host with `podman build` from a context on the machine
// running Pulumi. Its input is a content hash of the context (plus build args), so unchanged
// assets never rebuild; a rebuild gives a new image ID, which restarts exactly the services
// that use it. Builds share the host through a few build slots (flock), so parallel resources
// never overload it; builds waiting for a slot take it in priority order (the order the
// services need their images). A failed build names the failing step and shows the build log's tail.
import * as childProcess from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { claim, release } from "./host/ledger";
import { exitIfAbsent, sh } from "./host/shell";
import { Host } from "./host/transport";
import { GONE, checker, defined, diffFields, hostProvider, isUnknown, lines, progress } from "./kit";
import { HostArgs, HostResource } from "./resource";

export interface ContainerImageArgs extends HostArgs {
    /** Tag, e.g. "localhost/hotstack-os-keystone:latest". */
    name: pulumi.Input<string>;
    /** Context directory on the machine running Pulumi. */
    contextDir: pulumi.Input<string>;
    /** Files (relative to contextDir) sent to the host: the build may use only these. */
    files: pulumi.Input<pulumi.Input<string>[]>;
    /** Containerfile, relative to contextDir. */
    containerfile: pulumi.Input<string>;
    buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Builds running at once on the host. */
    parallel?: pulumi.Input<number>;
    /** Builds waiting for a slot take it lowest first (default 100); only the order of builds, never a change. */
    priority?: pulumi.Input<number>;
}

interface ImageInputs {
    name: string;
    contextDir: string;
    files: string[];
    containerfile: string;
    buildArgs: Record<string, string>;
    parallel: number;
    priority: number;
    /** sha256 over file names, modes and contents, the Containerfile name and the build args. */
    contextHash: string;
}

const KIND = "container-image";
const LABEL = "io.hotstack-os.context";

/** The hash that decides rebuilds. Computed in the program, so diff never reads files. */
export function contextHash(contextDir: string, files: string[], containerfile: string, buildArgs: Record<string, string>): string {
    const h = crypto.createHash("sha256");
    for (const f of [...files].sort()) {
        const full = path.join(contextDir, f);
        h.update(`${f}\0${fs.statSync(full).mode & 0o777}\0`).update(fs.readFileSync(full)).update("\0");
    }
    h.update(`containerfile=${containerfile}\0`);
    for (const k of Object.keys(buildArgs).sort()) h.update(`${k}=${buildArgs[k]}\0`);
    return h.digest("hex");
}

/** The context as a tar stream (uid/gid 0), built by the local tar from exactly the listed files. */
function contextTar(p: ImageInputs): Buffer {
    return childProcess.execFileSync("tar", ["-c", "--owner=0", "--group=0", "-C", p.contextDir, "--", ...p.files], { maxBuffer: 512 * 1024 * 1024 });
}

/** `podman image exists`: 1 is "no such image"; anything else but 0 is an error, never absence. */
const unlessImage = (name: string) => exitIfAbsent(`podman image exists ${sh(name)}`, 1);

/** The inputs this resource manages, never the wrapper's fields. */
function own(p: Record<string, any>): ImageInputs {
    return defined({
        name: p.name, contextDir: p.contextDir, files: p.files, containerfile: p.containerfile, buildArgs: p.buildArgs, parallel: p.parallel, priority: p.priority, contextHash: p.contextHash,
    });
}

async function observe(host: Host, name: string): Promise<{ imageId: string; contextHash: string } | undefined> {
    const r = await host.run(`set -e\n${unlessImage(name)}\npodman image inspect ${sh(name)} --format '{{.Id}} {{index .Labels "${LABEL}"}}'`, { what: `inspect image ${name}` });
    const [imageId, hash] = r.stdout.trim().split(/\s+/);
    return imageId ? { imageId, contextHash: hash ?? "" } : undefined;
}

/** This provider process's id (one per run): a build records it, so a later run can tell a build
 *  left by an earlier run from one of its own. */
function runId(): string {
    const g = globalThis as any;
    return (g[Symbol.for("hotstack-os.build-run-id")] ??= crypto.randomUUID());
}

/**
 * `stop_tree PID`: stops a build. Freezes PID (podman build) and everything below it, so nothing
 * new starts, kills everything below it, then lets podman go on: it sees its RUN step killed,
 * fails the build and removes its working container (killed itself, it leaves the container
 * mounted in storage and, where it was killed alone, the RUN step running: seen with podman 4.3;
 * where nested containers share one cgroup, as on the cgroup v1 test host, such a leftover can
 * kill the next build's steps, "container exited on killed"). Killed if it has not exited in 10 s.
 * The tree is walked again until a walk finds nobody new: a process forks between the moment its
 * children are read and the moment it is frozen. Children are read from
 * /proc/PID/task/TID/children (no procps needed).
 *
 * `stop_holders FILE PID TIME`: kills what a gone build left holding slot FILE, whose record still
 * names PID (gone) since TIME. Builds of this version keep their slot in podman's parent, which
 * waits for it (podman does not inherit the lock), but a build of an earlier version passed it to podman
 * and so to everything podman started: a process that escaped such a build's tree (seen once in
 * CI: a build interrupted as its first RUN step started, and every later build waited for the slot
 * for an hour) still held it. Holders are the processes with FILE open in two looks a second
 * apart, but never a build script (its command line names the queue), a child of one, or a build
 * waiting in the queue; and nothing is killed unless the slot is still held and its record is
 * unchanged after the second look (a build that took the slot meanwhile has written its own).
 */
const STOP_TREE = [
    "stop_tree() {",
    '  kill -STOP "$1" 2>/dev/null; kids=""; seen=x',
    '  while [ "$seen" != "$kids" ]; do',
    '    seen=$kids; new=$1',
    '    while [ -n "$new" ]; do',
    "      new=$(for p in $new; do cat /proc/$p/task/*/children 2>/dev/null; done)",
    '      for p in $new; do case " $kids " in *" $p "*) ;; *) kill -STOP "$p" 2>/dev/null; kids="$kids $p";; esac; done',
    "    done",
    "  done",
    '  [ -n "${kids# }" ] && kill -KILL $kids 2>/dev/null; kill -CONT "$1" 2>/dev/null',
    '  i=0; while kill -0 "$1" 2>/dev/null && [ "$i" -lt 20 ]; do sleep 0.5; i=$((i + 1)); done',
    '  kill -KILL "$1" 2>/dev/null; return 0',
    "}",
    // The processes with a file matching pattern $1 open.
    'holders() { find /proc/[0-9]*/fd -maxdepth 1 -lname "$1" 2>/dev/null | cut -d/ -f3 | sort -u; }',
    "stop_holders() {",
    '  queued=$(holders "$q/*")',
    '  first=$(holders "$1"); sleep 1; left=""',
    '  for p in $(holders "$1"); do',
    '    echo "$first" | grep -qFx "$p" && ! echo "$queued" | grep -qFx "$p" && [ "$p" != "$$" ] || continue',
    '    pp=$(awk \'{print $4}\' "/proc/$p/stat" 2>/dev/null) || continue',
    '    for c in "$p" "$pp"; do tr "\\0" " " < "/proc/$c/cmdline" 2>/dev/null | grep -qF hotstack-os-build.queue && continue 2; done',
    '    left="$left $p"',
    "  done",
    '  read -r _ rp _ rt 2>/dev/null < "$1" && [ "$rp" = "$2" ] && [ "$rt" = "$3" ] && ! flock -n "$1" true || return 0',
    '  [ -z "$left" ] || kill -KILL $left 2>/dev/null',
    '  echo $left',
    "}",
];

/** A build argument every build of ours carries, unique per build (no Containerfile reads it, so the layer cache ignores it): it names the build that left a working container. */
const BUILD_MARK = "HOTSTACK_OS_BUILD";

/**
 * Removes image `name`. A build killed outright (SIGKILL: its grace ran out under load, the host
 * went down) leaves working containers in storage (status Storage, unknown to `podman ps` without
 * --external): on the image its RUN step ran on and on its FROM image. One on this image, or on an
 * untagged cached layer of its own, makes `podman rmi` fail ("image used by …") after untagging
 * it. Those our builds left (their buildah.json carries BUILD_MARK among the build arguments) are
 * removed first when the build that made them has ended; any other container that uses the image
 * (a user's, someone else's build, a build of ours still running) fails the removal before
 * anything is changed, named.
 */
function removeImage(name: string, knownId?: string): string {
    const [first, rest] = [BUILD_MARK[0], BUILD_MARK.slice(1)];
    return [
        // Gone by name: an earlier removal that failed may have left it untagged, found by its id.
        `id=$(podman image inspect --format '{{.Id}}' ${sh(name)} 2>/dev/null || true)`,
        `if [ -z "$id" ]; then id=${sh(knownId ?? "")}; [ -n "$id" ] && podman image exists "$id" && [ "$(podman image inspect --format '{{len .RepoTags}}' "$id")" = 0 ] || exit 0; fi`,
        // Another name for it exists (a user's tag): rmi only takes our name away, whoever uses it.
        `if [ "$(podman image inspect --format '{{len .RepoTags}}' "$id")" -gt 1 ]; then podman rmi ${sh(name)} >/dev/null; exit 0; fi`,
        // This image and its own untagged cached layers: top-down until the first tagged image below it.
        'mine=" $id "',
        'for i in $(podman history -q --no-trunc "$id" | grep -v missing); do',
        '  if [ "$i" != "$id" ]; then [ "$(podman image inspect --format \'{{len .RepoTags}}\' "$i" 2>/dev/null)" = 0 ] || break; mine="$mine$i "; fi',
        "done",
        `store="$(podman info --format '{{.Store.GraphRoot}}/{{.Store.GraphDriverName}}')-containers"`,
        // Every container, listed once (--filter does not see storage-only ones): ID, image, status.
        `ctrs=$(podman ps -a --external --no-trunc --format '{{.ID}} {{.ImageID}} {{.Status}}')`,
        // ours CID: a working container (storage only) a build of ours left and that build has
        // ended (the bracket keeps grep's own command line from matching the live probe).
        "ours() {",
        `  [ "$(printf '%s\\n' "$ctrs" | awk -v c="$1" '$1 == c { print $3 }')" = Storage ] || return 1`,
        `  b=$(sed -n 's/.*"${BUILD_MARK}":"\\([^"]*\\)".*/\\1/p' "$store/$1/userdata/buildah.json" 2>/dev/null || true)`,
        '  [ -n "$b" ] || return 1',
        `  for p in /proc/[0-9]*; do tr "\\0" " " 2>/dev/null < "$p/cmdline" | grep -q -- "build-arg [${first}]${rest}=$b " && return 1; done`,
        "  return 0",
        "}",
        `others_fail() { echo "image ${name} is used by containers this program did not make or a build still runs in:$1 (podman ps -a --external); remove them or let the build end, or keep the image out of the stack (pulumi state delete)" >&2; exit 2; }`,
        'left=""; others=""',
        `for c in $(printf '%s\\n' "$ctrs" | awk -v mine="$mine" 'index(mine, " " $2 " ") { print $1 }'); do`,
        '  if ours "$c"; then left="$left $c"; else others="$others $(printf %.12s "$c")"; fi',
        "done",
        '[ -z "$others" ] || others_fail "$others"',
        'if [ -n "$left" ]; then',
        `  echo "PROGRESS removing what killed builds left on ${name}:$(for c in $left; do printf " %.12s" "$c"; done)" >&2`,
        "  podman rm -f --ignore $left >/dev/null",
        "fi",
        // By its id (a failed rmi untags it first). Podman also removes the untagged layers below,
        // where a killed build may have left a working container (one the scan above cannot see: a
        // layer `podman history` shows as <missing>): podman names it, and one of ours goes.
        'n=0; ref=$id',
        'until err=$(podman rmi "$ref" 2>&1 >/dev/null); do',
        `  cid=$(printf '%s\\n' "$err" | sed -n 's/.*image used by \\([0-9a-f]\\{64\\}\\).*/\\1/p' | head -n 1)`,
        '  if [ -z "$cid" ] || [ "$n" -ge 20 ]; then printf "%s\\n" "$err" >&2; exit 1; fi',
        '  ours "$cid" || others_fail " $(printf %.12s "$cid")"',
        `  echo "PROGRESS removing what a killed build left under ${name}: $(printf %.12s "$cid")" >&2`,
        `  under=$(printf '%s\\n' "$ctrs" | awk -v c="$cid" '$1 == c { print $2 }')`,
        '  podman rm -f --ignore "$cid" >/dev/null; n=$((n + 1))',
        // The image itself may be gone already: what is left is the untagged layer the container held.
        '  podman image exists "$ref" || ref=$under',
        "done",
    ].join("\n");
}

async function build(host: Host, p: ImageInputs, previousId?: string): Promise<string> {
    const args = Object.entries(p.buildArgs).map(([k, v]) => `--build-arg ${sh(`${k}=${v}`)}`).join(" ");
    const short = p.name.replace(/^localhost\//, "").replace(/:latest$/, "");
    const script = [
        "set -u",
        ...STOP_TREE,
        'suspect=""',
        `name=${sh(p.name)}; short=${sh(short)}; run=${sh(runId())}`,
        `slots=${p.parallel}; prio=${p.priority ?? 100}; lockdir=/run/lock; q="$lockdir/hotstack-os-build.queue"; mkdir -p "$q"`,
        // A build of this same image that an earlier run left behind (its connection lingers, or
        // it was started before builds were tied to their connection): stopped, this run builds anew.
        'mark="$lockdir/hotstack-os-build.$(printf %s "$short" | tr / _).running"',
        'if read -r opid orun ostart 2>/dev/null < "$mark" && [ "$orun" != "$run" ] && tr "\\0" " " < "/proc/$opid/cmdline" 2>/dev/null | grep -qF -- " -t $name "; then',
        '  echo "PROGRESS a build of $short from an earlier run is still running ($(( $(date +%s) - ostart )) s): stopped, this run builds it anew" >&2',
        '  stop_tree "$opid"',
        "fi",
        // One of `parallel` build slots, held for the whole build (by its holder process, below),
        // so the slot is taken exactly while a build runs, whoever started it. Waiting builds
        // queue by priority: each holds a ticket (a file named
        // "<priority>.<pid>", flocked while it waits) and takes a free slot only when no live
        // ticket of a lower priority exists. A new ticket waits a moment first, so builds started
        // together (an image's children, once it is built) all queue before any takes the slot.
        // A ticket nobody holds was left by a killed run: removed. A waiting build writes a NUL
        // heartbeat each second: when its connection is gone the write kills it (SIGPIPE).
        'exec 8>"$q/.$$"; flock 8; mv "$q/.$$" "$q/$prio.$$"; sleep 2',
        "waited=2",
        "while :; do",
        "  ahead=0",
        '  for t in "$q"/*.*; do',
        '    n=${t##*/}; [ -e "$t" ] && [ "$n" != "$prio.$$" ] || continue',
        '    if flock -n "$t" true; then rm -f "$t"; elif [ "${n%%.*}" -lt "$prio" ]; then ahead=$((ahead + 1)); fi',
        "  done",
        '  if [ "$ahead" -eq 0 ]; then for i in $(seq "$slots"); do slot="$lockdir/hotstack-os-build.$i"; exec 9>>"$slot"; if flock -n 9; then break 2; fi; exec 9>&-; done; fi',
        // Every 10 s: a held slot whose recorded build (its shell, then its podman) is gone in two
        // looks in a row was left held by processes that escaped a build of an earlier version
        // (whose podman held the lock): they are stopped.
        '  if [ $((waited % 10)) -eq 2 ]; then',
        '    held=""; stale=""; for i in $(seq "$slots"); do f="$lockdir/hotstack-os-build.$i"; ! flock -n "$f" true 2>/dev/null && read -r hs hp hr ht 2>/dev/null < "$f" || continue',
        '      case "$hp.$ht" in *[!0-9.]* | .* | *.) continue;; esac',
        '      [ "$hr" = "$run" ] && who=this || who="an earlier"; held="$held; slot $i: $hs from $who run, $(( $(date +%s) - ht )) s"',
        '      kill -0 "$hp" 2>/dev/null && continue; stale="$stale $i.$hp.$ht"',
        '      case " $suspect " in *" $i.$hp.$ht "*) ;; *) continue;; esac',
        '      gone=$(stop_holders "$f" "$hp" "$ht"); [ -z "$gone" ] || echo "PROGRESS slot $i was still held after its build of $hs from $who run ended: stopped what it left holding it (pids $gone)" >&2',
        "    done; suspect=$stale",
        '    [ $((waited % 30)) -ne 2 ] || echo "PROGRESS waiting for a build slot ($waited s, $ahead needed sooner$held)" >&2',
        "  fi",
        "  printf '\\0' >&2; waited=$((waited + 1)); sleep 1",
        "done",
        // The slot names its holder at once (this shell until podman runs): a waiting build
        // judges a slot whose holder is gone.
        'printf "%s %s %s %s\\n" "$short" "$$" "$run" "$(date +%s)" > "$slot"',
        'rm -f "$q/$prio.$$"; exec 8>&-',
        'ctx=$(mktemp -d /var/tmp/hotstack-os-build.XXXXXX); log="$ctx.log"',
        // dash skips EXIT traps on signals: a build whose connection is gone cleans up on its SIGPIPE.
        'trap \'rm -rf "$ctx" "$log" "$ctx.pid"\' EXIT; trap \'rm -rf "$ctx" "$log" "$ctx.pid"; exit 141\' PIPE HUP TERM',
        'tar -x -C "$ctx" || { echo "the build context did not arrive whole" >&2; exit 1; }',
        // The build's steps as they start (for progress), its whole log kept for failures. The
        // slot is held by podman's parent, a process of its own that waits for it whatever becomes
        // of this shell, so it goes free the moment podman exits; podman itself does not get the
        // lock, so nothing escaping its tree can keep the slot. The records come first: until this
        // shell closes its descriptor nobody else can take the slot.
        `( podman build --pull=never --label ${LABEL}=${p.contextHash} -f "$ctx/${p.containerfile}" ${args} --build-arg ${BUILD_MARK}="$run.$$" -t "$name" "$ctx" >"$log" 2>&1 9>&- & echo "$!" > "$ctx.pid"; trap '' PIPE HUP TERM; wait "$!" ) </dev/null >/dev/null 2>&1 & holder=$!`,
        'while [ ! -s "$ctx.pid" ] && kill -0 "$holder" 2>/dev/null; do sleep 0.1; done; pid=$(cat "$ctx.pid" 2>/dev/null); [ -n "$pid" ] || pid=$holder',
        'printf "%s %s %s\\n" "$pid" "$run" "$(date +%s)" > "$mark"; printf "%s %s %s %s\\n" "$short" "$pid" "$run" "$(date +%s)" > "$slot"; exec 9>&-',
        // Tied to the connection: a NUL heartbeat every 2 s; when the write fails (the run was
        // killed, the connection dropped) the build and its steps are stopped.
        "( trap '' PIPE; while kill -0 \"$pid\" 2>/dev/null; do sleep 2 </dev/null >/dev/null 2>&1; printf '\\0' >&2 2>/dev/null || { stop_tree \"$pid\"; exit 0; }; done ) & tether=$!",
        'tail -n +1 -F --pid="$pid" "$log" 2>/dev/null | grep --line-buffered -E "^(STEP|\\[[0-9]+/[0-9]+\\] STEP) [0-9]+/[0-9]+" | sed -u "s/^/PROGRESS /" >&2',
        'rc=0; wait "$holder" || rc=$?',
        // The mark is this build's unless a later run's build of the same image took it over.
        'kill "$tether" 2>/dev/null; read -r mpid _ 2>/dev/null < "$mark" && [ "$mpid" = "$pid" ] && rm -f "$mark"',
        'if [ "$rc" -ne 0 ]; then',
        // The log's tail, then the failing step last, where an error message's tail shows it.
        '  echo "--- build log (last 12 lines) ---" >&2; tail -12 "$log" >&2',
        '  echo "failed at: $(grep -E "^(STEP|\\[[0-9]+/[0-9]+\\] STEP) [0-9]+/[0-9]+" "$log" | tail -1)" >&2; exit 1',
        "fi",
        'podman image inspect "$name" --format \'{{.Id}}\'',
    ];
    progress(`image ${short}`, "build started", true);
    const r = await host.run(script.join("\n"), {
        stdin: contextTar(p),
        what: `build image ${p.name}`,
        onOutput: lines((l) => {
            // "STEP 3/12: RUN apt-get …" (podman prints "[2/3] STEP …" for multi-stage builds)
            const m = /^PROGRESS (?:\[\d+\/\d+\] )?(?:STEP (\d+)\/(\d+): ?(.*)|(.*))$/.exec(l);
            // Steps are many (shown every few seconds); anything else (a wait, an earlier run's build) is news.
            if (m) progress(`image ${short}`, m[1] ? `build step ${m[1]}/${m[2]}: ${m[3].slice(0, 100)}` : m[4], !m[1]);
        }),
    });
    progress(`image ${short}`, "built", true);
    const imageId = r.stdout.trim().split("\n").pop()!;
    // The previous build is now untagged: drop it unless a container (or a child image) still
    // uses it (rmi exits 2) or it is gone already (1); any other failure is reported.
    if (previousId && previousId !== imageId) {
        await host.run(`rc=0; out=$(podman rmi ${sh(previousId)} 2>&1) || rc=$?; [ "$rc" -le 2 ] || { echo "$out" >&2; exit "$rc"; }`, { what: `remove the previous build ${previousId} of ${p.name}` });
    }
    return imageId;
}

export const containerImageProvider = hostProvider({
    async check(_olds, news) {
        return checker({ ...news, buildArgs: news.buildArgs ?? {}, parallel: news.parallel ?? 2, priority: news.priority ?? 100 })
            .name("name", /^[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9._-]+)?$/, "an image name like localhost/hotstack-os-keystone:latest")
            .absolutePath("contextDir")
            .check("files", (v) => (Array.isArray(v) && v.length > 0 && v.every((f) => isUnknown(f) || (typeof f === "string" && !f.startsWith("/") && !f.split("/").includes(".."))) ? undefined : "must be a non-empty list of paths relative to contextDir"))
            .check("containerfile", (v) => (typeof v === "string" && (isUnknown(news.files) || (news.files as string[]).includes(v)) ? undefined : "must be one of the files"))
            .integer("parallel", 1, 32)
            .integer("priority", 0, 999)
            .check("contextHash", (v) => (typeof v === "string" && /^[0-9a-f]{64}$/.test(v) ? undefined : "must be a sha256 (computed by the program)"))
            .result();
    },

    async diff(olds, news) {
        // priority is left out: the order of builds never changes what is on the host.
        return diffFields(olds, news, { name: "replace", contextHash: "update", buildArgs: "update", containerfile: "update", parallel: "update", files: "update", contextDir: "update" });
    },

    async create(host, inputs) {
        const p = own(inputs);
        const found = await observe(host, p.name);
        const entry = await claim(host, KIND, p.name, found && { imageId: found.imageId });
        // Same context already built (e.g. a crash after the build): nothing to do.
        const imageId = found && found.contextHash === p.contextHash ? found.imageId : await build(host, p);
        return { id: p.name, outs: defined({ ...p, imageId, adopted: !entry.created }) };
    },

    async read(host, id, props) {
        const p = own({ ...props, name: props.name ?? id });
        const o = await observe(host, p.name);
        if (!o) return GONE;
        return { id, props: defined({ ...p, imageId: o.imageId, contextHash: o.contextHash, adopted: props.adopted }) };
    },

    async update(host, _id, olds, news) {
        const p = own(news);
        const found = await observe(host, p.name);
        const imageId = found && found.contextHash === p.contextHash ? found.imageId : await build(host, p, olds.imageId);
        return { outs: defined({ ...p, imageId, adopted: olds.adopted }) };
    },

    async delete(host, id, props) {
        const name = String(props.name ?? id);
        await release(host, KIND, name, props.adopted, {
            async remove() {
                await host.run(`set -e\n${removeImage(name, props.imageId ? String(props.imageId) : undefined)}`, { what: `remove image ${name}` });
            },
        });
    },
});

export class ContainerImage extends HostResource {
    declare readonly name: pulumi.Output<string>;
    /** "sha256:…" of the built image: services run this exact image. */
    declare readonly imageId: pulumi.Output<string>;

    constructor(name: string, args: ContainerImageArgs, opts?: pulumi.CustomResourceOptions) {
        // The hash is computed here, in the program: the provider (and diff) never read local files.
        const contextHash = pulumi.all([args.contextDir, args.files, args.containerfile, args.buildArgs ?? {}])
            .apply(([dir, files, cf, ba]) => contextHashOf(dir, files, cf, ba as Record<string, string>));
        super(containerImageProvider, "ContainerImage", name, { imageId: undefined, adopted: undefined, ...args, contextHash }, opts);
    }
}

function contextHashOf(dir: string, files: string[], containerfile: string, buildArgs: Record<string, string>): string {
    return contextHash(dir, files, containerfile, buildArgs);
}
