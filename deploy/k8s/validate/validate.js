// Validates Kubernetes manifests (a JSON array of objects on stdin, as tests/k8s_manifests_check.sh
// converts the YAML) against the Kubernetes API's schemas, with kubernetes-models: each object's
// apiVersion and kind pick its model, whose validate() checks every field by the API's OpenAPI
// schema. Prints one line per object; exits 1 if any is invalid or of a kind it does not know.
"use strict";

const fs = require("fs");

function modelOf(apiVersion, kind) {
  // "v1" -> kubernetes-models/v1/Kind; "apps/v1" -> kubernetes-models/apps/v1/Kind.
  const path = `kubernetes-models/${apiVersion}/${kind}`;
  return require(path)[kind];
}

const objects = JSON.parse(fs.readFileSync(0, "utf8"));
let failed = 0;
for (const object of objects) {
  const name = `${object.kind} ${object.metadata && object.metadata.namespace ? object.metadata.namespace + "/" : ""}${object.metadata && object.metadata.name}`;
  let Model;
  try {
    Model = modelOf(object.apiVersion, object.kind);
  } catch (e) {
    console.log(`UNKNOWN ${name} (${object.apiVersion}): ${e.message}`);
    failed++;
    continue;
  }
  try {
    new Model(object).validate();
    console.log(`valid   ${name}`);
  } catch (e) {
    console.log(`INVALID ${name}: ${e.message}`);
    failed++;
  }
}
process.exit(failed === 0 && objects.length > 0 ? 0 : 1);
