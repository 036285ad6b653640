#!/usr/bin/python3
"""manifests/Dockerfile without a container engine.

  check_dockerfile.py                 the package list and the shape of both stages
  check_dockerfile.py rootfs BINARY   the runtime stage's files, assembled here, run prescale

The build stage must install exactly the packages of scripts/packages.txt, as scripts/install-deps
reads them: the install command of the Dockerfile is executed here with a stub apt-get that
records its arguments, and compared with the list install-deps computes with its own command.
The runtime stage must hold only files copied from the build stage, run as a non-root user and
start /usr/local/bin/prescale. Mutated copies of the Dockerfile must fail (the check can fail).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DOCKERFILE = os.path.join(ROOT, "manifests", "Dockerfile")
PACKAGES = os.path.join(ROOT, "scripts", "packages.txt")
INSTALL_DEPS = os.path.join(ROOT, "scripts", "install-deps")


def instructions(text):
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    out, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        kw, _, args = current.strip().partition(" ")
        out.append((kw.upper(), args.strip()))
        current = ""
    return out


def stages(text):
    result = []
    for kw, args in instructions(text):
        if kw == "FROM":
            result.append({"from": args, "steps": []})
        elif result:
            result[-1]["steps"].append((kw, args))
    return result


def run_bash(script, env_path_prefix=None):
    env = dict(os.environ)
    if env_path_prefix:
        env["PATH"] = env_path_prefix + os.pathsep + env["PATH"]
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"command failed ({r.returncode}): {script}\n{r.stderr}")
    return r.stdout


def install_deps_list():
    """The package list as scripts/install-deps computes it, with its own command."""
    with open(INSTALL_DEPS) as f:
        m = re.search(r"mapfile -t wanted < <\((.*)\)\s*$", f.read(), re.M)
    if not m:
        raise RuntimeError("scripts/install-deps: cannot find how it reads packages.txt")
    cmd = m.group(1).replace('"$here/packages.txt"', f"'{PACKAGES}'")
    return run_bash(cmd).split()


def check(dockerfile):
    problems = []
    with open(dockerfile) as f:
        st = stages(f.read())
    if len(st) < 2:
        return ["the Dockerfile must have a build stage and a runtime stage"]
    build, runtime = st[0], st[-1]
    build_name = build["from"].split()[-1] if " as " in build["from"].lower() else None
    if not re.match(r"debian:12\b|debian:bookworm\b", build["from"]):
        problems.append(f"build stage must start from Debian 12, not {build['from']}")
    # Where packages.txt lands in the build stage.
    dest = None
    for kw, args in build["steps"]:
        if kw == "COPY" and "scripts/packages.txt" in args.split()[:-1]:
            dest = args.split()[-1]
            if dest.endswith("/"):
                dest += "packages.txt"
    if not dest:
        problems.append("the build stage does not COPY scripts/packages.txt")
        return problems
    installs = [a for kw, a in build["steps"] if kw == "RUN" and re.search(r"apt(-get)? install|dpkg -i", a)]
    if len(installs) != 1:
        problems.append(f"the build stage must install packages in exactly one RUN, found {len(installs)}")
        return problems
    segments = [s for s in installs[0].split("&&") if "install" in s]
    if len(segments) != 1 or dest not in segments[0]:
        problems.append("the install command must be one `&&` segment that reads the copied packages.txt")
        return problems
    with tempfile.TemporaryDirectory() as tmp:
        stub = os.path.join(tmp, "bin")
        os.mkdir(stub)
        record = os.path.join(tmp, "apt-args")
        with open(os.path.join(stub, "apt-get"), "w") as f:
            f.write(f'#!/bin/sh\nfor a in "$@"; do echo "$a"; done >> "{record}"\n')
        os.chmod(os.path.join(stub, "apt-get"), 0o755)
        run_bash(segments[0].replace(dest, PACKAGES), stub)
        with open(record) as f:
            args = f.read().split()
    flags = [a for a in args if a.startswith("-")]
    words = [a for a in args if not a.startswith("-")]
    if not words or words[0] != "install" or "-y" not in flags or "--no-install-recommends" not in flags:
        problems.append(f"expected `apt-get install -y --no-install-recommends ...`, got {args[:6]}")
    installed = words[1:]
    expected = install_deps_list()
    if installed != expected:
        missing = [p for p in expected if p not in installed]
        extra = [p for p in installed if p not in expected]
        problems.append(f"build stage installs a different list: missing {missing}, extra {extra}")
    # Runtime stage.
    if not re.match(r"(scratch|debian:12-slim|debian:bookworm-slim|gcr\.io/distroless/\S+)(\s|$)", runtime["from"]):
        problems.append(f"runtime stage must be slim (scratch, debian:12-slim or distroless), not {runtime['from']}")
    for kw, args in runtime["steps"]:
        if kw in ("RUN", "ADD"):
            problems.append(f"runtime stage must only copy from the build stage, found {kw} {args}")
        if kw == "COPY" and build_name and f"--from={build_name}" not in args:
            problems.append(f"runtime COPY not from the build stage: {args}")
    users = [a for kw, a in runtime["steps"] if kw == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("runtime stage must run as a non-root USER")
    entry = [a for kw, a in runtime["steps"] if kw == "ENTRYPOINT"]
    if not entry or "/usr/local/bin/prescale" not in entry[-1]:
        problems.append("ENTRYPOINT must be /usr/local/bin/prescale")
    return problems


def mutants():
    with open(DOCKERFILE) as f:
        text = f.read()
    yield "an extra package", text.replace("--no-install-recommends", "--no-install-recommends vim", 1)
    yield "a second install", text.replace("COPY . /src", "RUN apt-get install -y jq\nCOPY . /src", 1)
    yield "a root runtime", text.replace("USER 65532:65532", "USER root", 1)
    yield "a hand-written list", re.sub(r"grep -v .*?xargs apt-get install", "echo cmake | xargs apt-get install", text, count=1)


def check_rootfs(binary):
    """Runs the build stage's runtime-filesystem step on this machine (Debian 12, like the build
    stage) into a temporary directory, then runs prescale inside it with chroot as user 65532:
    the scratch image's files are enough to start, to read the time-zone database and to run
    as non-root. Needs root for chroot; returns 77 (skipped) otherwise."""
    if os.geteuid() != 0:
        print("SKIPPED: chroot needs root")
        return 77
    if not os.access(binary, os.X_OK):
        print(f"FAIL {binary} is not built")
        return 1
    with open(DOCKERFILE) as f:
        build = stages(f.read())[0]
    steps = [a for kw, a in build["steps"] if kw == "RUN" and "root=/rootfs" in a]
    if len(steps) != 1:
        print("FAIL the build stage has no single RUN that assembles root=/rootfs")
        return 1
    policy = os.path.join(ROOT, "manifests", "base", "policy-configmap.yaml")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from check_policy import configmap_file
    with open(policy) as f:
        policy_text = configmap_file(f.read(), "prescale-policy", "policy.yaml")
    tmp = tempfile.mkdtemp(prefix="prescale-rootfs-")
    try:
        rootfs = os.path.join(tmp, "rootfs")
        stripped = os.path.join(tmp, "prescale")  # as the build stage does before this step
        shutil.copy(binary, stripped)
        subprocess.run(["strip", "--strip-debug", stripped], check=True)
        script = steps[0].replace("root=/rootfs", f"root='{rootfs}'").replace("build/bin/prescale", f"'{stripped}'")
        if "/rootfs" in script.replace(rootfs, ""):
            print("FAIL could not redirect the step away from /rootfs")
            return 1
        run_bash(script)
        files = sum(len(f) for _, _, f in os.walk(rootfs))
        size = sum(os.path.getsize(os.path.join(d, x)) for d, _, fs in os.walk(rootfs) for x in fs
                   if not os.path.islink(os.path.join(d, x)))
        print(f"runtime file system: {files} files, {size / 1e6:.1f} MB")
        os.makedirs(os.path.join(rootfs, "etc", "prescale"), exist_ok=True)
        with open(os.path.join(rootfs, "etc", "prescale", "policy.yaml"), "w") as f:
            f.write(policy_text)
        rc = 0
        for args in (["version"], ["check-config", "/etc/prescale/policy.yaml"]):
            cmd = ["chroot", "--userspec=65532:65532", rootfs, "/usr/local/bin/prescale"] + args
            r = subprocess.run(cmd, capture_output=True, text=True)
            out = (r.stdout + r.stderr).strip()
            print(f"$ {' '.join(cmd[3:])}\n  exit {r.returncode}: {out}")
            if r.returncode != 0:
                rc = 1
        rc |= serve_in_rootfs(rootfs)
        # The control: without the time-zone database the calendar of the policy is rejected,
        # so the run above really used the zoneinfo the step copied.
        shutil.rmtree(os.path.join(rootfs, "usr", "share", "zoneinfo"))
        r = subprocess.run(["chroot", "--userspec=65532:65532", rootfs, "/usr/local/bin/prescale",
                            "check-config", "/etc/prescale/policy.yaml"], capture_output=True, text=True)
        print(f"without /usr/share/zoneinfo: exit {r.returncode} (want non-zero)")
        if r.returncode == 0:
            rc = 1
        return rc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def serve_in_rootfs(rootfs):
    """`prescale serve --demo-data` inside the runtime file system, as user 65532: TLS (a
    generated certificate in /tmp, the image's only writable place in the pod is an emptyDir
    there), /readyz and /metrics answer."""
    from check_metrics_exported import free_port, get
    port = free_port()
    cmd = ["chroot", "--userspec=65532:65532", rootfs, "/usr/local/bin/prescale", "serve", "--demo-data",
           "--config", "/etc/prescale/policy.yaml", "--secure-port", str(port), "--bind-address", "127.0.0.1",
           "--cert-dir", "/tmp/certs", "--authorization-mode", "AlwaysAllow"]
    print("$ " + " ".join(cmd[3:]), flush=True)
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, _ = get(f"https://127.0.0.1:{port}/readyz")
                if status == 200:
                    status, text = get(f"https://127.0.0.1:{port}/metrics")
                    print(f"  /readyz 200, /metrics {status} ({text.count(chr(10))} lines)")
                    return 0 if status == 200 else 1
            except OSError:
                pass
            time.sleep(0.5)
        print("FAIL prescale serve did not become ready inside the runtime file system")
        return 1
    finally:
        server.terminate()
        try:
            out, _ = server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
        if server.returncode not in (0, -15):
            print(out[-2000:])


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "rootfs":
        return check_rootfs(sys.argv[2])
    rc = 0
    problems = check(DOCKERFILE)
    for p in problems:
        print("FAIL " + p)
        rc = 1
    print(f"manifests/Dockerfile: {len(problems)} problems; package list: {len(install_deps_list())} packages")
    with tempfile.TemporaryDirectory() as tmp:
        for what, text in mutants():
            path = os.path.join(tmp, "Dockerfile")
            with open(path, "w") as f:
                f.write(text)
            caught = check(path)
            print(f"mutant with {what}: {'caught: ' + caught[0] if caught else 'NOT CAUGHT'}")
            if not caught:
                rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
