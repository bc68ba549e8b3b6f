// Small helpers of the providers' own output: digests, "key=value" probe output, progress lines.
import * as crypto from "node:crypto";

/** sha256 (hex) of a text. */
export function sha256(text: string | Buffer): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/** Values of "key=value" lines (the first one for each key), as the probe scripts print them. */
export function keyValues(text: string): (key: string) => string | undefined {
    const values = new Map<string, string>();
    for (const line of text.split("\n")) {
        const at = line.indexOf("=");
        if (at > 0 && !values.has(line.slice(0, at))) values.set(line.slice(0, at), line.slice(at + 1));
    }
    return (key) => values.get(key);
}

// ---- progress ------------------------------------------------------------------------------

/**
 * Progress of a long step (an image build, a wait for health), as lines on the provider
 * process's output: the Pulumi CLI shows them (unattached to the resource in 3.270: a dynamic
 * provider has no engine connection), so each names its resource. At most one line every
 * `everyMs` per resource, except the first and `force`d ones.
 */
export function progress(resource: string, message: string, force = false, everyMs = 3000): void {
    const g = globalThis as any;
    const last: Map<string, number> = (g[Symbol.for("hotstack-os.progress")] ??= new Map<string, number>());
    const now = Date.now();
    if (!force && now - (last.get(resource) ?? 0) < everyMs) return;
    last.set(resource, now);
    console.log(`hotstack-os ${resource}: ${message}`);
}

/** Feeds complete output lines to `onLine` (for RunOptions.onOutput). */
export function lines(onLine: (line: string) => void): (stream: "stdout" | "stderr", text: string) => void {
    let rest = "";
    return (_stream, text) => {
        const parts = (rest + text).split("\n");
        rest = parts.pop() ?? "";
        for (const l of parts) if (l.trim()) onLine(l);
    };
}

