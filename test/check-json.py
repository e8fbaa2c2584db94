#!/usr/bin/env python3
"""check-json.py COND...: reads one JSON object on stdin and checks each COND,
written FIELD<VALUE, FIELD>VALUE or FIELD=VALUE, where FIELD may name a
nested object's field as OUTER.INNER. Prints `FIELD = value` for
every field named (so FileCheck can match them too) and exits 1 naming the
first condition that fails."""
import json
import re
import sys

record = json.loads(sys.stdin.read())
failed = None
for cond in sys.argv[1:]:
    m = re.fullmatch(r"([\w.]+)([<>=])(.+)", cond)
    if not m:
        sys.exit(f"check-json: cannot read condition '{cond}'")
    field, op, want = m.groups()
    have = record
    for key in field.split("."):
        if not isinstance(have, dict) or key not in have:
            sys.exit(f"check-json: no field '{field}' in {record}")
        have = have[key]
    print(f"{field} = {have}")
    if op == "=":
        ok = str(have) == want
    else:
        ok = have < float(want) if op == "<" else have > float(want)
    if not ok and failed is None:
        failed = f"check-json: {field} = {have}, expected {op} {want}"
if failed:
    sys.exit(failed)
