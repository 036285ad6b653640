// Validates every object of rendered Kubernetes manifests (multi-document YAML files).
//
//   node validate.mjs [--schemas ../schemas/kubernetes-1.36.json] FILE.yaml...
//
// Built-in kinds: ajv (draft-07) against the strict JSON Schemas kept in ../schemas, then the
// validators of kubernetes-models (ajv code compiled from the same OpenAPI spec; they also know
// Quantity and int-or-string). prometheus-operator kinds: the validators of
// @kubernetes-models/prometheus-operator (compiled from the operator's CRD schemas);
// cert-manager kinds: those of @kubernetes-models/cert-manager.
// A kind that none of them knows is an error: nothing passes unchecked.
// Exit status: 0 all valid, 1 some object invalid, 2 bad usage or unreadable input.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let schemaFile = path.join(here, "../schemas/kubernetes-1.36.json");
if (args[0] === "--schemas") {
  schemaFile = args[1];
  args.splice(0, 2);
}
if (args.length === 0) {
  console.error("usage: node validate.mjs [--schemas FILE.json] MANIFEST.yaml...");
  process.exit(2);
}

const bundle = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const inRange = (lo, hi) => ({ type: "number", validate: (n) => Number.isInteger(n) && n >= lo && n <= hi });
ajv.addFormat("int32", inRange(-(2 ** 31), 2 ** 31 - 1));
ajv.addFormat("int64", inRange(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
ajv.addSchema({ $id: "k8s", definitions: bundle.definitions });
const schemaValidators = new Map();
for (const [gvk, k] of Object.entries(bundle.kinds)) {
  schemaValidators.set(
    gvk,
    ajv.compile({
      allOf: [{ $ref: `k8s#/definitions/${k.definition}` }],
      properties: { apiVersion: { const: k.apiVersion }, kind: { const: k.kind } },
      required: ["apiVersion", "kind", "metadata"],
    }),
  );
}

// kubernetes-models: "kubernetes-models/apps/v1/Deployment"; core group is "v1".
async function modelFor(apiVersion, kind) {
  const candidates = apiVersion.startsWith("monitoring.coreos.com/")
    ? [`@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`]
    : apiVersion.startsWith("cert-manager.io/")
      ? [`@kubernetes-models/cert-manager/${apiVersion}/${kind}`]
      : [`kubernetes-models/${apiVersion}/${kind}`];
  for (const spec of candidates) {
    try {
      const mod = await import(spec);
      if (mod[kind]) return mod[kind];
    } catch (e) {
      if (e.code !== "ERR_MODULE_NOT_FOUND" && e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw e;
    }
  }
  return null;
}

// Kubernetes decodes Secret data with Go's base64 decoder, which skips line breaks; kustomize
// v5 wraps long values. kubernetes-models' "byte" format does not allow them: remove them first.
function withoutBase64Breaks(obj) {
  if (obj.kind !== "Secret" && obj.kind !== "ConfigMap") return obj;
  const field = obj.kind === "Secret" ? "data" : "binaryData";
  if (!obj[field]) return obj;
  const data = Object.fromEntries(
    Object.entries(obj[field]).map(([k, v]) => [k, typeof v === "string" ? v.replace(/[\r\n]/g, "") : v]),
  );
  return { ...obj, [field]: data };
}

let objects = 0;
let failures = 0;
for (const file of args) {
  let docs;
  try {
    docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(2);
  }
  for (const doc of docs) {
    if (doc.errors.length) {
      console.error(`${file}: YAML error: ${doc.errors[0].message}`);
      process.exit(2);
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    objects++;
    const id = `${file}: ${obj.kind}/${obj.metadata?.name ?? "?"}`;
    const gvk = `${obj.apiVersion}/${obj.kind}`;
    const problems = [];
    const checkedBy = [];
    const v = schemaValidators.get(gvk);
    if (v) {
      checkedBy.push(`schema ${bundle["x-kubernetes-openapi-spec"]}`);
      if (!v(obj)) {
        for (const e of v.errors) {
          const extra = e.keyword === "additionalProperties" ? ` (${e.params.additionalProperty})` : "";
          problems.push(`schema: ${e.instancePath || "/"} ${e.message}${extra}`);
        }
      }
    }
    const Model = await modelFor(obj.apiVersion, obj.kind);
    if (Model) {
      checkedBy.push("kubernetes-models");
      try {
        new Model(withoutBase64Breaks(obj)).validate();
      } catch (e) {
        problems.push(`kubernetes-models: ${e.message}`);
      }
    }
    if (checkedBy.length === 0) problems.push(`no schema for ${gvk}`);
    if (problems.length) {
      failures++;
      console.log(`INVALID ${id}`);
      for (const p of problems) console.log(`  ${p}`);
    } else {
      console.log(`valid   ${id} (${checkedBy.join(", ")})`);
    }
  }
}
console.log(`${objects} objects, ${failures} invalid`);
if (objects === 0) {
  console.error("no objects found");
  process.exit(2);
}
process.exit(failures ? 1 : 0);
