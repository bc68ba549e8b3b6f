import * as fs from "node:fs";
import { File } from "../providers/file";
import { Directory } from "../providers/directory";
import { up } from "../test/harness/engine";
const root = "/tmp/prof-files";
const prog = () => { const d = new Directory("root", { path: root }); for (let i = 0; i < 100; i++) new File(`f${i}`, { path: `${root}/f${i}`, content: `x${i}\n` }, { dependsOn: d }); };
(async () => {
  const stateFile = "/tmp/prof-state.json";
  if (!fs.existsSync(stateFile)) { const t0 = Date.now(); await up(prog, { stateFile, config: { host: "local" } }); console.log("create", Date.now() - t0); }
  const t1 = Date.now(); await up(prog, { stateFile, config: { host: "local" }, refresh: true }); console.log("noop", Date.now() - t1);
})();
