#!/usr/bin/python3
"""The example policy that the ConfigMap ships passes `prescale check-config`, taken from the
rendered manifests exactly as the pod will read it.

  check_policy.py RENDERED.yaml PRESCALE_BIN
"""
import os
import re
import subprocess
import sys
import tempfile


def configmap_file(rendered_text, name, key):
    """The value of data[key] of ConfigMap `name` in kubectl kustomize output (block scalar)."""
    for doc in re.split(r"^---\s*$", rendered_text, flags=re.M):
        if not re.search(r"^kind: ConfigMap\s*$", doc, re.M) or not re.search(rf"^  name: {re.escape(name)}\s*$", doc, re.M):
            continue
        lines = doc.splitlines()
        for i, line in enumerate(lines):
            m = re.match(rf"^(\s+){re.escape(key)}: \|([-+]?)\s*$", line)
            if not m:
                continue
            body = []
            for nxt in lines[i + 1:]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= len(m.group(1)):
                    break
                body.append(nxt)
            indent = min(len(b) - len(b.lstrip()) for b in body if b.strip())
            return "\n".join(b[indent:] for b in body).rstrip("\n") + "\n"
    raise SystemExit(f"no ConfigMap {name} with a block-scalar key {key} in the rendered output")


def check_config(binary, text):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        r = subprocess.run([binary, "check-config", path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    return r.returncode, (r.stdout + r.stderr).strip()


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rendered, binary = sys.argv[1], sys.argv[2]
    if not os.access(binary, os.X_OK):
        print(f"FAIL {binary} is not built")
        return 1
    with open(rendered) as f:
        policy = configmap_file(f.read(), "prescale-policy", "policy.yaml")
    rc, out = check_config(binary, policy)
    print(f"check-config on the ConfigMap's policy.yaml: exit {rc}: {out}")
    ok = rc == 0 and "order_flow_rate" in out and "traded_volume" in out
    for name in ("order_flow_rate", "traded_volume"):
        if f"- name: {name}" not in policy:
            print(f"FAIL the example policy lacks policy {name}")
            ok = False
    if "America/New_York" not in policy:
        print("FAIL the example policy has no market calendar in America/New_York")
        ok = False
    # The same text with one broken value must be rejected: the check really reads this file.
    broken = policy.replace("quantile: 0.9\n", "quantile: 1.5\n", 1)
    rc2, out2 = check_config(binary, broken)
    print(f"check-config on a broken copy (quantile 1.5): exit {rc2}: {out2}")
    if broken == policy or rc2 != 2:
        print("FAIL a broken copy of the policy was not rejected with exit 2")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
