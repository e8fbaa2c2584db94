#!/usr/bin/env python3
"""serve-twice.py STRATA SPEC CHECKPOINT: starts `strata serve` on a free
port, then a second one on the same port, and prints what the second said
and its exit code; the first is stopped at the end."""
import re
import subprocess
import sys

strata, spec, checkpoint = sys.argv[1:4]
common = [strata, "serve", spec, "--checkpoint", checkpoint, "--points", "200"]
first = subprocess.Popen(common + ["--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    line = first.stdout.readline()
    port = re.search(r":(\d+)/", line).group(1)
    print("first:", line.strip())
    second = subprocess.run(common + ["--port", port], capture_output=True, text=True, timeout=120)
    print("second exit:", second.returncode)
    print("second:", second.stderr.strip())
    print("first still serving:", first.poll() is None)
finally:
    first.terminate()
    first.wait(timeout=30)
