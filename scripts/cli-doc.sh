#!/usr/bin/env bash
# cli-doc.sh STRATA: docs/cli.md, generated from strata's command table
# (`strata --help`, `strata help COMMAND`). test/tools/cli-doc.test fails when
# the file in the tree differs: regenerate it with
#   bash scripts/cli-doc.sh build/bin/strata > docs/cli.md
set -euo pipefail
strata=$1
cat << 'HEAD'
# The strata command line

[Back to the README](../README.md). Generated from the command table in
`tools/strata.cpp` by `scripts/cli-doc.sh`; `strata help COMMAND` prints the same.

Exit codes: 0 success, 1 a user error with a diagnostic (`file:line:col: error:` for
specs), 2 an internal error. A failed command writes no output file. `--json` makes a
reporting command print exactly one JSON object on stdout; `strata help --json` prints
the command table itself.

```
HEAD
"$strata" --help
echo '```'
for command in $("$strata" help --json | python3 -c 'import json, sys; print(" ".join(c["name"] for c in json.load(sys.stdin)))'); do
  printf '\n## strata %s\n\n```\n' "$command"
  "$strata" help "$command"
  echo '```'
done
