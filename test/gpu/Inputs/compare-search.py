"""Compares two `strata search --json` outputs, GPU against CPU exact search.

Every query must get as many answers on both sides, the scores at each rank
must agree within 1e-4, and the ids at least at 99.9% of the ranks (rows
whose scores tie within the GEMMs' rounding may swap places). Prints one line.

  compare-search.py GPU.json CPU.json
"""
import json
import sys

gpu = json.load(open(sys.argv[1]))
cpu = json.load(open(sys.argv[2]))
assert gpu["search"]["target"] == "cuda", gpu["search"]
assert cpu["search"]["target"] == "cpu", cpu["search"]
ranks = same = 0
worst = 0.0
for g, c in zip(gpu["results"], cpu["results"], strict=True):
    assert len(g) == len(c), (len(g), len(c))
    for a, b in zip(g, c):
        ranks += 1
        same += a["id"] == b["id"]
        worst = max(worst, abs(a["score"] - b["score"]))
agreement = same / ranks
ok = worst <= 1e-4 and agreement >= 0.999
print(f"{len(gpu['results'])} queries, {ranks} ranks: ids agree at {agreement:.4f}, "
      f"worst score difference {worst:.2e}: {'ok' if ok else 'MISMATCH'}")
