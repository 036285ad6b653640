// What the issue asks of the rendered objects, beyond their schemas: the wiring between them
// (selectors, ports, mounts, flags, the certificate chain) and the required hardening.
//
//   node check-objects.mjs RENDERED_DIR   (the output of ../render-all)
//
// Prints one line per failed check and exits 1 if any failed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import YAML from "yaml";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node check-objects.mjs RENDERED_DIR");
  process.exit(2);
}
// The flags of `prescale serve` (adapter/cli/serve_options.cc, README).
const SERVE_FLAGS = new Set(
  ("config prometheus-url secure-port bind-address tls-cert-file tls-private-key-file cert-dir " +
    "client-ca-file requestheader-client-ca-file requestheader-allowed-names " +
    "requestheader-username-headers requestheader-group-headers requestheader-extra-headers-prefix " +
    "authentication-kubeconfig authorization-kubeconfig authorization-always-allow-paths " +
    "authorization-mode prometheus-token-file prometheus-ca-file prometheus-timeout audit-log " +
    "log-level grpc-port grpc-bind-address grpc-client-ca-file grpc-allowed-names demo-data").split(" "),
);

let failures = 0;
let checks = 0;
function check(where, ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.log(`FAIL ${where}: ${what}`);
  }
  return ok;
}
function load(name) {
  const text = fs.readFileSync(path.join(dir, `${name}.yaml`), "utf8");
  return YAML.parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
}
const find = (objs, kind, name) => objs.find((o) => o.kind === kind && (!name || o.metadata.name === name));
const matches = (selector, labels) =>
  Object.entries(selector || {}).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels && labels[k] === v);
function flagsOf(args) {
  const flags = new Map();
  for (const a of args) {
    const m = a.match(/^--([a-z0-9-]+)(?:=(.*))?$/);
    if (m) flags.set(m[1], m[2] ?? "");
  }
  return flags;
}
function pemOf(b64) {
  return Buffer.from(b64.replace(/\s/g, ""), "base64").toString("utf8");
}

function checkOverlay(name, { replicas, requiredAntiAffinity, monitoring, demo, keda = false, certManager = false }) {
  const objs = load(name);
  const at = (what) => `${name}: ${what}`;
  const ns = "prescale";
  check(at("Namespace"), find(objs, "Namespace", ns), "Namespace prescale missing");
  const sa = find(objs, "ServiceAccount", "prescale");
  check(at("ServiceAccount"), sa && sa.metadata.namespace === ns, "ServiceAccount prescale/prescale missing");
  const isOurSA = (s) => s.kind === "ServiceAccount" && s.name === "prescale" && s.namespace === ns;
  check(at("auth-delegator"),
    objs.some((o) => o.kind === "ClusterRoleBinding" && o.roleRef.name === "system:auth-delegator" && o.subjects.some(isOurSA)),
    "no ClusterRoleBinding of prescale's ServiceAccount to system:auth-delegator");
  check(at("auth-reader"),
    objs.some((o) => o.kind === "RoleBinding" && o.metadata.namespace === "kube-system" && o.roleRef.kind === "Role" &&
      o.roleRef.name === "extension-apiserver-authentication-reader" && o.subjects.some(isOurSA)),
    "no RoleBinding in kube-system to extension-apiserver-authentication-reader");
  const reader = objs.find((o) => o.kind === "ClusterRole" &&
    o.rules.some((r) => (r.apiGroups || []).includes("external.metrics.k8s.io")));
  check(at("reader ClusterRole"), reader, "no external.metrics.k8s.io reader ClusterRole");
  check(at("reader ClusterRole"), reader && !Object.keys(reader.metadata.labels || {}).some(
      (k) => k.startsWith("rbac.authorization.k8s.io/aggregate-to-")),
    "the reader role must not be aggregated to view/edit/admin (closed by default)");

  const dep = find(objs, "Deployment", "prescale");
  if (!check(at("Deployment"), dep, "Deployment prescale missing")) return;
  const pod = dep.spec.template;
  const podLabels = pod.metadata.labels;
  const c = pod.spec.containers.find((x) => x.name === "prescale");
  const d = (what) => at(`Deployment ${what}`);
  check(d("replicas"), dep.spec.replicas === replicas, `replicas ${dep.spec.replicas}, want ${replicas}`);
  check(d("selector"), matches(dep.spec.selector.matchLabels, podLabels), "selector does not match the pod labels");
  check(d("strategy"), dep.spec.strategy?.rollingUpdate?.maxUnavailable === 0, "rollingUpdate.maxUnavailable is not 0");
  check(d("serviceAccountName"), pod.spec.serviceAccountName === "prescale", "not the prescale ServiceAccount");
  const anti = pod.spec.affinity?.podAntiAffinity;
  const antiTerms = [
    ...(anti?.requiredDuringSchedulingIgnoredDuringExecution || []),
    ...(anti?.preferredDuringSchedulingIgnoredDuringExecution || []).map((t) => t.podAffinityTerm),
  ];
  check(d("anti-affinity"), antiTerms.some((t) => matches(t.labelSelector?.matchLabels, podLabels)), "no pod anti-affinity on its own pods");
  if (requiredAntiAffinity) {
    check(d("anti-affinity"), (anti?.requiredDuringSchedulingIgnoredDuringExecution || []).some(
      (t) => t.topologyKey === "kubernetes.io/hostname"), "replicas may share a node");
  }
  const psc = pod.spec.securityContext || {};
  check(d("pod securityContext"), psc.runAsNonRoot === true && psc.seccompProfile?.type === "RuntimeDefault",
    "pod must run as non-root with seccomp RuntimeDefault");
  const sc = c.securityContext || {};
  check(d("container securityContext"),
    sc.allowPrivilegeEscalation === false && sc.readOnlyRootFilesystem === true &&
      JSON.stringify(sc.capabilities?.drop) === JSON.stringify(["ALL"]) && sc.privileged !== true,
    "container must forbid privilege escalation, have a read-only root filesystem and drop ALL capabilities");
  for (const kind of ["requests", "limits"]) {
    check(d(`resources.${kind}`), c.resources?.[kind]?.cpu && c.resources?.[kind]?.memory, `cpu and memory ${kind} missing`);
  }
  const https = c.ports.find((p) => p.name === "https");
  check(d("port"), https && https.containerPort === 6443, "container port https must be 6443");
  for (const [probe, p] of [["livenessProbe", "/livez"], ["readinessProbe", "/readyz"]]) {
    const g = c[probe]?.httpGet;
    check(d(probe), g && g.path === p && g.scheme === "HTTPS" && (g.port === "https" || g.port === 6443),
      `${probe} must GET ${p} over HTTPS on the serving port`);
  }
  check(d("command"), c.args[0] === "serve", "the container must run `prescale serve`");
  const flags = flagsOf(c.args.slice(1));
  for (const a of c.args.slice(1)) {
    const f = a.match(/^--([a-z0-9-]+)/);
    check(d("args"), f && SERVE_FLAGS.has(f[1]), `unknown or malformed serve argument ${a}`);
  }
  check(d("--secure-port"), flags.get("secure-port") === "6443", "--secure-port must be 6443");
  check(d("--demo-data"), flags.has("demo-data") === demo, demo ? "dev serves demo data" : "--demo-data outside dev");
  check(d("authorization"), !flags.has("authorization-mode") || flags.get("authorization-mode") === "Delegated",
    "authorization must stay Delegated in a cluster");
  // A flag's file must lie in a volume of the expected source.
  const mountOf = (file) => (c.volumeMounts || []).find((m) => file && file.startsWith(m.mountPath.replace(/\/?$/, "/")));
  const volumeOf = (m) => m && pod.spec.volumes.find((v) => v.name === m.name);
  const cfgFile = flags.get("config");
  const cfgVol = volumeOf(mountOf(cfgFile));
  check(d("--config"), cfgVol?.configMap?.name === "prescale-policy" && path.basename(cfgFile) === "policy.yaml",
    `--config ${cfgFile} is not policy.yaml of the mounted ConfigMap prescale-policy`);
  const cm = find(objs, "ConfigMap", cfgVol?.configMap?.name);
  check(at("ConfigMap"), cm && cm.data?.["policy.yaml"], "the policy ConfigMap has no policy.yaml");
  const certVol = volumeOf(mountOf(flags.get("tls-cert-file")));
  const keyVol = volumeOf(mountOf(flags.get("tls-private-key-file")));
  const secretName = certVol?.secret?.secretName;
  check(d("TLS files"), secretName && keyVol?.secret?.secretName === secretName,
    "--tls-cert-file and --tls-private-key-file must come from one mounted Secret");
  const secret = find(objs, "Secret", secretName);
  // With cert-manager the Secret is made in the cluster: a Certificate must make it.
  const servingCert = certManager &&
    objs.find((o) => o.kind === "Certificate" && o.spec.secretName === secretName && o.metadata.namespace === ns);
  if (certManager) {
    if (check(at("Certificate"), servingCert, `no cert-manager Certificate makes Secret ${secretName}`)) {
      const issuer = find(objs, "Issuer", servingCert.spec.issuerRef.name);
      const caCert = issuer?.spec.ca && objs.find((o) => o.kind === "Certificate" && o.spec.secretName === issuer.spec.ca.secretName);
      check(at("Certificate"), caCert?.spec.isCA === true, "the serving Certificate must come from a CA Issuer whose CA is a Certificate");
      check(at("Certificate"), servingCert.spec.usages.includes("server auth"), "the serving Certificate needs server auth");
    }
    check(at("Secret"), !secret, "cert-manager overlays must not also generate the serving Secret");
  } else if (check(at("Secret"), secret && secret.type === "kubernetes.io/tls" && secret.metadata.namespace === ns,
    `serving Secret ${secretName} missing or not kubernetes.io/tls`)) {
    check(at("Secret"), path.basename(flags.get("tls-cert-file")) === "tls.crt" && path.basename(flags.get("tls-private-key-file")) === "tls.key",
      "the flags must name tls.crt and tls.key");
  }
  for (const m of c.volumeMounts || []) {
    const v = volumeOf(m);
    check(d(`mount ${m.name}`), v, "mount without volume");
    if (v && !v.emptyDir) check(d(`mount ${m.name}`), m.readOnly === true, "config and secret mounts must be read-only");
  }

  const pdb = find(objs, "PodDisruptionBudget");
  check(at("PodDisruptionBudget"), pdb && matches(pdb.spec.selector.matchLabels, podLabels), "no PDB selecting the pods");
  if (pdb && replicas === 1) {
    check(at("PodDisruptionBudget"), pdb.spec.maxUnavailable >= 1, "a 1-replica PDB must not block drains");
  }
  const svc = find(objs, "Service", "prescale");
  if (check(at("Service"), svc && matches(svc.spec.selector, podLabels), "no Service selecting the pods")) {
    const p = svc.spec.ports.find((x) => x.port === 443);
    check(at("Service"), p && (p.targetPort === "https" || p.targetPort === 6443), "Service must map 443 to the container's 6443");
  }
  const api = find(objs, "APIService", "v1beta1.external.metrics.k8s.io");
  if (keda) {
    check(at("APIService"), !api, "the keda overlay must leave the external metrics APIService to KEDA");
  } else if (check(at("APIService"), api, "APIService v1beta1.external.metrics.k8s.io missing")) {
    const s = api.spec;
    check(at("APIService"), s.group === "external.metrics.k8s.io" && s.version === "v1beta1", "wrong group/version");
    check(at("APIService"), s.service?.name === svc?.metadata.name && s.service?.namespace === svc?.metadata.namespace &&
      (s.service?.port ?? 443) === 443, "spec.service is not the prescale Service on 443");
    check(at("APIService"), !s.insecureSkipTLSVerify, "must verify TLS");
    if (certManager) {
      const svcName = `${svc?.metadata.name}.${svc?.metadata.namespace}.svc`;
      check(at("APIService"), api.metadata.annotations?.["cert-manager.io/inject-ca-from"] ===
        `${servingCert?.metadata.namespace}/${servingCert?.metadata.name}`, "the caBundle must be injected from the serving Certificate");
      check(at("Certificate"), servingCert?.spec.dnsNames?.includes(svcName), `the serving Certificate must name ${svcName}`);
    } else if (check(at("APIService"), s.caBundle, "no caBundle") && secret) {
      // The aggregator verifies the serving certificate against caBundle for <svc>.<ns>.svc.
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "prescale-certs-"));
      try {
        fs.writeFileSync(path.join(tmp, "ca.crt"), pemOf(s.caBundle));
        fs.writeFileSync(path.join(tmp, "tls.crt"), pemOf(secret.data["tls.crt"]));
        let ok = true;
        try {
          execFileSync("openssl", ["verify", "-CAfile", path.join(tmp, "ca.crt"), "-verify_hostname",
            `${svc.metadata.name}.${svc.metadata.namespace}.svc`, "-purpose", "sslserver", path.join(tmp, "tls.crt")],
          { stdio: "pipe" });
        } catch (e) {
          ok = false;
          console.log(String(e.stdout || "") + String(e.stderr || ""));
        }
        check(at("APIService caBundle"), ok, "the serving certificate does not verify against caBundle for the Service name");
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
  }
  const np = find(objs, "NetworkPolicy");
  if (check(at("NetworkPolicy"), np && matches(np.spec.podSelector.matchLabels, podLabels), "no NetworkPolicy selecting the pods")) {
    check(at("NetworkPolicy"), np.spec.ingress.some((r) => (r.ports || []).some((p) => p.port === 6443 || p.port === "https")),
      "ingress to 6443 is not allowed");
    check(at("NetworkPolicy"), np.spec.policyTypes.includes("Egress") && np.spec.egress.some((r) => (r.ports || []).some((p) => p.port === 53)),
      "egress must be restricted and allow DNS");
  }
  const grpc = c.ports.find((p) => p.name === "grpc");
  if (keda) {
    // KEDA's scalerAddress prescale.prescale.svc:9443 must reach the gRPC server, and only from
    // KEDA's namespace; the certificate must carry that name.
    check(d("--grpc-port"), flags.get("grpc-port") === "9443" && grpc?.containerPort === 9443,
      "--grpc-port=9443 and a container port named grpc on 9443 are required");
    const sp = svc?.spec.ports.find((p) => p.name === "grpc");
    check(at("Service"), sp && sp.port === 9443 && (sp.targetPort === "grpc" || sp.targetPort === 9443),
      "Service must map a port grpc 9443 to the container's gRPC port");
    check(at("NetworkPolicy"), np && np.spec.ingress.some((r) => (r.ports || []).some((p) => p.port === 9443) &&
      (r.from || []).length > 0 && r.from.every((f) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "keda")),
      "ingress to 9443 must be allowed from the keda namespace only");
    // Closed by default: only KEDA's client certificate, from a CA mounted from a Secret.
    const caFile = flags.get("grpc-client-ca-file");
    const caMount = caFile && (c.volumeMounts || []).find((m) => caFile.startsWith(m.mountPath + "/"));
    const caVolume = caMount && (pod.spec.volumes || []).find((v) => v.name === caMount.name);
    const caSecret = caVolume?.secret && find(objs, "Secret", caVolume.secret.secretName);
    check(d("--grpc-client-ca-file"), caSecret && caSecret.data?.[caFile.slice(caMount.mountPath.length + 1)],
      "gRPC needs --grpc-client-ca-file from a mounted Secret that holds the file (closed by default)");
    check(d("--grpc-allowed-names"), (flags.get("grpc-allowed-names") || "").length > 0,
      "--grpc-allowed-names must name KEDA's client certificate");
    check(d("--grpc-insecure-no-client-auth"), !flags.has("grpc-insecure-no-client-auth"),
      "the shipped overlay must not serve gRPC without client certificates");
    const san = secret && execFileSync("openssl", ["x509", "-noout", "-ext", "subjectAltName"],
      { input: pemOf(secret.data["tls.crt"]) }).toString();
    check(at("Secret"), san && san.includes(`DNS:${svc?.metadata.name}.${svc?.metadata.namespace}.svc`),
      "the serving certificate must name the Service that KEDA dials");
  } else {
    check(d("--grpc-port"), !flags.has("grpc-port") && !grpc, "the gRPC port is for the keda overlay");
  }
  if (monitoring) {
    const sm = find(objs, "ServiceMonitor", "prescale");
    if (check(at("ServiceMonitor"), sm && svc && matches(sm.spec.selector.matchLabels, svc.metadata.labels), "no ServiceMonitor selecting the Service")) {
      const ep = sm.spec.endpoints[0];
      check(at("ServiceMonitor"), svc.spec.ports.some((p) => p.name === ep.port) && ep.scheme === "https" && ep.path === "/metrics",
        "must scrape /metrics over HTTPS on a named Service port");
      check(at("ServiceMonitor"), svc.metadata.labels[sm.spec.jobLabel] === "prescale", "job label must be prescale (the alerts use job=\"prescale\")");
    }
    const rule = find(objs, "PrometheusRule", "prescale");
    check(at("PrometheusRule"), rule, "PrometheusRule missing");
    // A default kube-prometheus-stack loads only objects labelled with its release name.
    for (const o of [sm, rule])
      if (o) check(at(o.kind), o.metadata.labels?.release, "no release label (kube-prometheus-stack selects on it)");
    check(at("metrics scraper"), objs.some((o) => o.kind === "ClusterRole" && o.rules.some((r) => (r.nonResourceURLs || []).includes("/metrics"))),
      "no ClusterRole allowing GET /metrics");
    check(at("dashboard"), objs.some((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard && Object.keys(o.data || {}).some((k) => k.endsWith(".json"))),
      "no Grafana dashboard ConfigMap");
  } else {
    check(at("monitoring"), !find(objs, "ServiceMonitor"), "dev must not need the prometheus-operator CRDs");
  }
}

function checkExampleHpa() {
  const hpa = find(load("examples"), "HorizontalPodAutoscaler");
  if (!check("examples: HPA", hpa, "no example HorizontalPodAutoscaler")) return;
  const s = hpa.spec;
  check("examples: HPA", hpa.apiVersion === "autoscaling/v2", "must be autoscaling/v2");
  check("examples: HPA", s.minReplicas === 5 && s.maxReplicas === 50, "must scale between 5 and 50");
  const ext = s.metrics.find((m) => m.type === "External");
  check("examples: HPA", ext && ext.external.metric.name === "order_flow_rate_forecast" && ext.external.target.type === "AverageValue" &&
    Number(ext.external.target.averageValue) > 0, "needs order_flow_rate_forecast with an AverageValue target");
  for (const r of ["cpu", "memory"]) {
    check("examples: HPA", s.metrics.some((m) => m.type === "Resource" && m.resource.name === r), `needs a ${r} metric`);
  }
  check("examples: HPA", s.behavior?.scaleUp && s.behavior?.scaleDown, "needs behavior.scaleUp and scaleDown");
}

checkOverlay("dev", { replicas: 1, requiredAntiAffinity: false, monitoring: false, demo: true });
checkOverlay("production", { replicas: 2, requiredAntiAffinity: true, monitoring: true, demo: false });
checkOverlay("keda", { replicas: 2, requiredAntiAffinity: false, monitoring: true, demo: false, keda: true });
checkOverlay("cert-manager", { replicas: 2, requiredAntiAffinity: true, monitoring: true, demo: false, certManager: true });
checkExampleHpa();
console.log(`${checks} checks, ${failures} failed`);
process.exit(failures ? 1 : 0);
