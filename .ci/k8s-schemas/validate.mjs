// Validates rendered Kubernetes objects (a multi-document YAML file) against the JSON schemas of the pinned
// kubernetes-models packages: Kubernetes itself, KEDA and the Prometheus Operator. Prints one line per object,
// "ok", "invalid: …" or "no schema", and exits 1 if any object is invalid or of a kind it has no schema for
// that is not named in the NO_SCHEMA environment variable (comma-separated apiVersion/kind).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const yaml = require("js-yaml");

const packages = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function model(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const module = packages[group]
    ? `${packages[group]}/${group}/${version}`
    : group === ""
      ? `kubernetes-models/${version}`
      : `kubernetes-models/${group}/${version}`;
  try {
    return (await import(module))[kind];
  } catch {
    return undefined;
  }
}

const tolerated = new Set((process.env.NO_SCHEMA || "").split(",").filter(Boolean));
let failed = false;
for (const object of yaml.loadAll(readFileSync(process.argv[2], "utf8"))) {
  if (!object) continue;
  const what = `${object.apiVersion}/${object.kind} ${object.metadata?.name}`;
  const Model = await model(object.apiVersion, object.kind);
  if (!Model) {
    const ok = tolerated.has(`${object.apiVersion}/${object.kind}`);
    console.log(`${ok ? "no schema (tolerated)" : "no schema"}: ${what}`);
    failed ||= !ok;
    continue;
  }
  try {
    new Model(object).validate();
    console.log(`ok: ${what}`);
  } catch (e) {
    console.log(`invalid: ${what}: ${e.message.replace(/\s+/g, " ")}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
