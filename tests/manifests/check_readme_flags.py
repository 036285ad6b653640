#!/usr/bin/python3
"""The README's `serve` flag table lists exactly the flags `prescale serve --help` prints, so an
operator reading it sees every flag, and no flag that does not exist.

  check_readme_flags.py README.md PRESCALE_BIN
"""
import re
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    readme, binary = sys.argv[1], sys.argv[2]
    help_text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout
    in_help = set(re.findall(r"(--[a-z0-9-]+)", help_text)) - {"--help", "--help-all"}
    with open(readme) as f:
        text = f.read()
    m = re.search(r"^### `serve` flags\n(.*?)^### ", text, re.M | re.S)
    if not m:
        print("FAIL README.md has no '### `serve` flags' section")
        return 1
    rows = [line for line in m.group(1).splitlines() if line.startswith("| `-")]
    in_readme = set()
    for row in rows:
        first_cell = row.split("|")[1]
        in_readme.update(re.findall(r"(--[a-z0-9-]+)", first_cell))
    problems = 0
    for flag in sorted(in_help - in_readme):
        print(f"FAIL {flag} is a serve flag the README's table does not list")
        problems += 1
    for flag in sorted(in_readme - in_help):
        print(f"FAIL {flag} is in the README's table but `serve --help` does not know it")
        problems += 1
    print(f"{len(in_help)} flags in --help, {len(in_readme)} in the README, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
