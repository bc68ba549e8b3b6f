import * as pulumi from "/work/main/node_modules/@pulumi/pulumi";
import * as fs from "fs";
const files = fs.readdirSync("/work/main/providers").filter((f) => f.endsWith(".ts") && !["kit.ts", "resource.ts", "version.ts"].includes(f));
(async () => {
  for (const f of files) {
    const mod = require(`/work/main/providers/${f}`);
    for (const [k, v] of Object.entries(mod)) {
      if (!k.endsWith("Provider") || typeof v !== "object") continue;
      const text = (await pulumi.runtime.serializeFunction(() => v, { allowSecrets: true })).text;
      // a top-level assignment of a variable that is defined only later
      const lines = text.split("\n");
      const defined = new Set<string>();
      const bad: string[] = [];
      lines.forEach((l, i) => {
        const d = /^(?:var|function) (__\w+)/.exec(l); if (d) defined.add(d[1]);
        const a = /^__[\w.]+ = (__\w+);$/.exec(l); if (a && !defined.has(a[1]) && lines.slice(i + 1).some((x) => x.startsWith(`var ${a[1]} `))) bad.push(`${i + 1}: ${l}`);
      });
      console.log(`${f} ${k} ${(text.length / 1024).toFixed(1)} KB ${bad.length ? "USE BEFORE DEFINE: " + bad.join(" | ") : ""}`);
    }
  }
})();
