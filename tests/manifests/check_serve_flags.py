#!/usr/bin/python3
"""Every flag the rendered Deployments pass to `prescale serve` is one the built binary accepts
(its `serve --help`), so a renamed or misspelt flag fails here, not in a crash-looping pod.

  check_serve_flags.py RENDERED_DIR PRESCALE_BIN

Exit 77 (CTest: skipped) while `serve` is unfinished (no --demo-data in its help).
"""
import os
import re
import subprocess
import sys


def deployment_flags(rendered_text):
    for doc in re.split(r"^---\s*$", rendered_text, flags=re.M):
        if re.search(r"^kind: Deployment\s*$", doc, re.M):
            return re.findall(r"^\s+- (--[a-z0-9-]+)", doc, re.M)
    return []


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rendered, binary = sys.argv[1], sys.argv[2]
    if not os.access(binary, os.X_OK):
        print(f"FAIL {binary} is not built")
        return 1
    help_text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout
    if "--demo-data" not in help_text:
        print("SKIPPED: `prescale serve` has no --demo-data flag yet (the server is not finished)")
        return 77
    accepted = set(re.findall(r"(--[a-z0-9-]+)", help_text))
    problems = 0
    for overlay in ("dev", "production", "keda", "cert-manager"):
        with open(os.path.join(rendered, f"{overlay}.yaml")) as f:
            flags = deployment_flags(f.read())
        if not flags:
            print(f"FAIL {overlay}: no Deployment flags found")
            problems += 1
        for flag in flags:
            ok = flag in accepted
            problems += 0 if ok else 1
            print(f"{'ok  ' if ok else 'FAIL'} {overlay}: {flag}{'' if ok else ' is not a flag of prescale serve'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
