#!/usr/bin/python3
"""Keeps every kustomization.yaml of manifests/ within kustomize v2.0, the version inside the
kubectl 1.20 of Debian 12's kubernetes-client (kubectl 1.32 here renders them too; this check
covers the older one without needing it installed).

Rules: only fields kustomize v2.0 knows; `resources:` lists files (v2.0 takes directories only
under `bases:`); no `namespace:` field (it would move the RoleBinding out of kube-system).
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
V2_FIELDS = {
    "apiVersion", "kind", "resources", "bases", "patchesStrategicMerge", "patchesJson6902",
    "images", "secretGenerator", "configMapGenerator", "generatorOptions", "commonLabels",
    "commonAnnotations", "namePrefix", "nameSuffix", "vars", "crds",
}


def list_items(text, field):
    m = re.search(rf"^{field}:.*\n((?:[ \t]+-.*\n|[ \t]*#.*\n)*)", text, re.M)
    if not m:
        return []
    return [re.sub(r"\s+#.*$", "", x).strip() for x in re.findall(r"^[ \t]+-\s*(.+)$", m.group(1), re.M)]


def main():
    problems = []
    files = []
    for dirpath, _, names in os.walk(os.path.join(ROOT, "manifests")):
        if "kustomization.yaml" in names:
            files.append(os.path.join(dirpath, "kustomization.yaml"))
    for path in sorted(files):
        rel = os.path.relpath(path, ROOT)
        with open(path) as f:
            text = f.read()
        for field in re.findall(r"^([A-Za-z0-9_]+):", text, re.M):
            if field not in V2_FIELDS:
                problems.append(f"{rel}: field '{field}' is newer than kustomize v2.0 (or not allowed here)")
        for item in list_items(text, "resources"):
            if os.path.isdir(os.path.join(os.path.dirname(path), item)):
                problems.append(f"{rel}: resources entry '{item}' is a directory: list it under bases:")
        for item in list_items(text, "bases"):
            if not os.path.isdir(os.path.join(os.path.dirname(path), item)):
                problems.append(f"{rel}: bases entry '{item}' is not a directory")
    for p in problems:
        print("FAIL " + p)
    print(f"{len(files)} kustomizations, {len(problems)} problems")
    return 1 if problems or not files else 0


if __name__ == "__main__":
    sys.exit(main())
