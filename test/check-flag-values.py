#!/usr/bin/env python3
"""check-flag-values.py STRATA SPEC: runs every command of STRATA's command
table (`strata help --json`) with a bad value for each flag that takes a
number or a choice, and checks that each is a user error: exit code 1, a
`strata: error:` line naming the flag on stderr, nothing on stdout, at once
(the value is checked before the command reads its spec or data).
Prints one line per command and a summary; exits 1 on the first failure."""
import json
import subprocess
import sys

strata, spec = sys.argv[1], sys.argv[2]
BAD = {"count": ["-1", "abc", "1.5", "99999999999999999999"], "real": ["abc", "1x"], "choice": ["nonsense"]}
table = json.loads(subprocess.run([strata, "help", "--json"], capture_output=True, text=True, check=True).stdout)
runs = 0
for command in table:
    tried = []
    for flag in command["flags"]:
        for value in BAD.get(flag["kind"], []):
            args = [strata, command["name"]] + ([spec] if command["spec"] != "none" else []) + [flag["name"] + "=" + value]
            r = subprocess.run(args, capture_output=True, text=True, timeout=30)
            runs += 1
            ok = r.returncode == 1 and "strata: error:" in r.stderr and flag["name"] in r.stderr and r.stdout == ""
            if not ok:
                print(f"FAIL: {' '.join(args[1:])}: exit {r.returncode}, stderr {r.stderr.strip()!r}")
                sys.exit(1)
            tried.append(flag["name"])
    print(f"{command['name']}: {len(tried)} bad values of {len(set(tried))} flags, each exit 1")
print(f"{runs} runs, every one a user error")
