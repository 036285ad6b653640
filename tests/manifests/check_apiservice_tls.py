#!/usr/bin/python3
"""What the aggregator and the HPA will see, with the objects the production overlay renders:
prescale serve (--demo-data) runs with the serving certificate of the rendered Secret, and curl
checks it against the rendered APIService caBundle for the name prescale.prescale.svc (as the
aggregator's availability check does), reads the discovery document, and reads the external
metric the example HPA uses. A CA that is not the caBundle must be refused.

  check_apiservice_tls.py RENDERED_DIR PRESCALE_BIN

Exit 77 (CTest: skipped) while `serve` has no --demo-data flag.
"""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_metrics_exported import CONFIGMAP, free_port  # noqa: E402
from check_policy import configmap_file  # noqa: E402

HOST = "prescale.prescale.svc"  # <service>.<namespace>.svc, what the aggregator verifies


def documents(text):
    return re.split(r"^---\s*$", text, flags=re.M)


def field(doc, key):
    """A string field of kubectl kustomize output: inline (`key: value`) or a block scalar."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        m = re.match(rf"^(\s*){re.escape(key)}:\s*(.*)$", line)
        if not m:
            continue
        value = m.group(2).strip()
        if value and value[0] not in "|>":
            return value.strip("\"'")
        body = []
        for nxt in lines[i + 1:]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= len(m.group(1)):
                break
            body.append(nxt.strip())
        return "".join(body)
    raise SystemExit(f"FAIL no field {key}")


def rendered_tls(path):
    with open(path) as f:
        docs = documents(f.read())
    secret = next(d for d in docs if re.search(r"^kind: Secret\s*$", d, re.M))
    api = next(d for d in docs if re.search(r"^kind: APIService\s*$", d, re.M))
    decode = lambda b64: base64.b64decode(re.sub(r"\s", "", b64))  # noqa: E731
    return decode(field(secret, "tls.crt")), decode(field(secret, "tls.key")), decode(field(api, "caBundle"))


def curl(port, path, ca_file):
    r = subprocess.run(
        ["curl", "-sS", "--max-time", "5", "--cacert", ca_file, "--resolve", f"{HOST}:{port}:127.0.0.1",
         "-w", "\n%{http_code}", f"https://{HOST}:{port}{path}"],
        capture_output=True, text=True)
    if r.returncode != 0:
        return r.returncode, None, r.stderr.strip()
    body, _, code = r.stdout.rpartition("\n")
    return 0, int(code), body


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rendered, binary = sys.argv[1], sys.argv[2]
    if not os.access(binary, os.X_OK):
        print(f"FAIL {binary} is not built")
        return 1
    if "--demo-data" not in subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout:
        print("SKIPPED: `prescale serve` has no --demo-data flag yet")
        return 77
    crt, key, ca = rendered_tls(os.path.join(rendered, "production.yaml"))
    with open(os.path.join(rendered, "examples.yaml")) as f:
        hpa_metric = re.search(r"metric:\s*\n\s*name: (\S+)", f.read()).group(1)
    with open(CONFIGMAP) as f:
        policy = configmap_file(f.read(), "prescale-policy", "policy.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, data in (("tls.crt", crt), ("tls.key", key), ("ca.crt", ca), ("policy.yaml", policy.encode())):
            files[name] = os.path.join(tmp, name)
            with open(files[name], "wb") as f:
                f.write(data)
        other_ca = os.path.join(tmp, "other-ca.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other",
                        "-keyout", os.path.join(tmp, "other.key"), "-out", other_ca], check=True, capture_output=True)
        port = free_port()
        cmd = [binary, "serve", "--demo-data", "--config", files["policy.yaml"], "--secure-port", str(port),
               "--bind-address", "127.0.0.1", "--tls-cert-file", files["tls.crt"],
               "--tls-private-key-file", files["tls.key"], "--authorization-mode", "AlwaysAllow"]
        print("$ " + " ".join(cmd), flush=True)
        log_path = os.path.join(tmp, "serve.log")
        with open(log_path, "w") as log:
            server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            ok = probe(server, port, files["ca.crt"], other_ca, hpa_metric)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if not ok:
            with open(log_path) as f:
                print("server log (tail):\n" + "".join(f.readlines()[-20:]))
    return 0 if ok else 1


def probe(server, port, ca, other_ca, hpa_metric):
    group = "/apis/external.metrics.k8s.io/v1beta1"
    deadline = time.monotonic() + 90
    while True:
        if server.poll() is not None:
            print(f"FAIL prescale serve exited with status {server.returncode}")
            return False
        rc, code, body = curl(port, "/readyz", ca)
        if code == 200:
            break
        if time.monotonic() > deadline:
            print(f"FAIL /readyz not 200 within 90 s (curl {rc}: {body})")
            return False
        time.sleep(0.5)
    ok = True
    rc, code, body = curl(port, group, ca)
    names = [r["name"] for r in json.loads(body)["resources"]] if code == 200 else []
    print(f"GET {group} verified with caBundle for {HOST}: {code}, resources {names}")
    if code != 200 or json.loads(body).get("kind") != "APIResourceList":
        ok = False
    for want in ("order_flow_rate", "order_flow_rate_forecast", "traded_volume", "traded_volume_forecast", hpa_metric):
        if want not in names:
            print(f"FAIL {want} is not in the discovery document")
            ok = False
    path = f"{group}/namespaces/trading/{hpa_metric}"
    rc, code, body = curl(port, path, ca)
    items = json.loads(body).get("items", []) if code == 200 else []
    print(f"GET {path}: {code}, {len(items)} items: " + ", ".join(f"{i['metricLabels']} {i['value']}" for i in items))
    if code != 200 or not items:
        print("FAIL the example HPA's metric has no value")
        ok = False
    rc, code, body = curl(port, group, other_ca)
    print(f"the same request trusting another CA: curl exit {rc} ({body[:80]})")
    if rc == 0:
        print("FAIL a CA other than the caBundle was accepted")
        ok = False
    return ok


if __name__ == "__main__":
    sys.exit(main())
