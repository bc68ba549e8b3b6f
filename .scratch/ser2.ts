import * as pulumi from "/work/main/node_modules/@pulumi/pulumi";
import { cloudObjectProviders } from "/work/main/providers/cloud-object";
(async () => {
  const text = (await pulumi.runtime.serializeFunction(() => cloudObjectProviders.network, { allowSecrets: true })).text;
  require("fs").writeFileSync("/tmp/cloud-provider.js", text);
  console.log(text.length);
})();
