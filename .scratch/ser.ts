import * as pulumi from "/work/main/node_modules/@pulumi/pulumi";
import { fileProvider } from "/work/main/providers/file";
(async () => {
  const text = (await pulumi.runtime.serializeFunction(() => fileProvider, { allowSecrets: true })).text;
  require("fs").writeFileSync("/tmp/file-provider.js", text);
  console.log(text.length);
})();
