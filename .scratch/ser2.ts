import * as pulumi from "/work/main/node_modules/@pulumi/pulumi";
import { cloudObjectProvider } from "/work/main/providers/cloud-object";
(async () => {
  const text = (await pulumi.runtime.serializeFunction(() => cloudObjectProvider, { allowSecrets: true })).text;
  require("fs").writeFileSync("/tmp/cloud-provider.js", text);
  console.log(text.length);
})();
