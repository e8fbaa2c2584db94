#!/usr/bin/env bash
# expect-exit.sh CODE CMD...: runs CMD, passes its output through, and succeeds
# only if CMD exited with CODE. lit's `not` accepts any non-zero code; a user
# error in Strata must be exactly 1.
expected=$1
shift
"$@"
code=$?
if [ "$code" -ne "$expected" ]; then
  echo "expect-exit: '$*' exited with $code, expected $expected" >&2
  exit 1
fi
