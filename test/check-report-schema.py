#!/usr/bin/env python3
"""check-report-schema.py SCHEMA.json REPORT.json...: every report (one JSON
object per file, as `strata train --json`, `strata bench --json` and
`strata-run --json` print) has every key of the schema, in the schema's
order, with a value of its type ("number", "integer", "string", "boolean",
each optionally "|null"). Keys beyond the schema's come after them (a
bench's spread, a bundle's schedule). Prints one line per report."""
import json
import sys

TYPES = {
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}

schema = json.load(open(sys.argv[1]))
failed = False
for path in sys.argv[2:]:
    report = json.loads(open(path).read())
    keys = list(report)
    problems = []
    if keys[:len(schema)] != list(schema):
        missing = [k for k in schema if k not in report]
        problems.append("missing " + ", ".join(missing) if missing else "keys out of the schema's order")
    for key, kinds in schema.items():
        if key in report and not any(TYPES[k](report[key]) for k in kinds.split("|")):
            problems.append(f"{key} is {report[key]!r}, not {kinds}")
    extra = keys[len(schema):]
    print(f"{path.split('/')[-1]}: " + ("; ".join(problems) if problems else
          f"{len(schema)} keys as the schema" + (f", then {', '.join(extra)}" if extra else "")))
    failed = failed or bool(problems)
sys.exit(1 if failed else 0)
