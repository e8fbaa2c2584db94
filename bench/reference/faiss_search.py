"""FAISS beside `strata search` on the same vectors and queries.

For one index file and one query file: FAISS's exact inner-product index
(IndexFlatIP) and its HNSW index (IndexHNSWFlat, inner product) with the same
graph settings as Strata's (m, ef_construction, ef_search), both over unit
rows so the scores are cosine similarities. Prints one JSON object: build
seconds, queries per second, and recall@k of every approximate result,
Strata's included, against exact search. Strata's results come as the JSON
that `strata search --json` printed.

    /usr/bin/python3 bench/reference/faiss_search.py --index I.npy --queries Q.npy \
        --k 10 --strata-exact E.json --strata-hnsw H.json
"""
import argparse
import json
import time

import faiss
import numpy as np


def unit(x):
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1)).astype(np.float32)


def recall(found, truth):
    hits = sum(len(set(f) & set(t)) for f, t in zip(found, truth))
    return hits / sum(len(t) for t in truth)


def strata_ids(path):
    report = json.load(open(path))
    return [[hit["id"] for hit in ranked] for ranked in report["results"]], report["search"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--strata-exact", required=True)
    parser.add_argument("--strata-hnsw", required=True)
    args = parser.parse_args()

    rows, queries = unit(np.load(args.index)), unit(np.load(args.queries))
    exact_ids, exact_stats = strata_ids(args.strata_exact)
    hnsw_ids, hnsw_stats = strata_ids(args.strata_hnsw)
    k = args.k

    flat = faiss.IndexFlatIP(rows.shape[1])
    flat.add(rows)
    start = time.perf_counter()
    _, flat_ids = flat.search(queries, k)
    flat_seconds = time.perf_counter() - start

    graph = faiss.IndexHNSWFlat(rows.shape[1], hnsw_stats["m"], faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = hnsw_stats["ef_construction"]
    start = time.perf_counter()
    graph.add(rows)
    build_seconds = time.perf_counter() - start
    graph.hnsw.efSearch = hnsw_stats["ef_search"]
    start = time.perf_counter()
    _, graph_ids = graph.search(queries, k)
    graph_seconds = time.perf_counter() - start

    n = len(queries)
    print(json.dumps({
        "rows": int(rows.shape[0]), "dim": int(rows.shape[1]), "queries": n, "k": k,
        "faiss_threads": faiss.omp_get_max_threads(),
        "strata_exact": {"queries_per_second": exact_stats["queries_per_second"]},
        "strata_hnsw": {"build_seconds": hnsw_stats["build_seconds"],
                        "queries_per_second": hnsw_stats["queries_per_second"],
                        "recall_at_k": recall(hnsw_ids, exact_ids),
                        "sampled_recall_at_k": hnsw_stats["recall_at_k"]},
        "faiss_flat": {"queries_per_second": n / flat_seconds,
                       "agreement_with_strata_exact": recall(flat_ids.tolist(), exact_ids)},
        "faiss_hnsw": {"build_seconds": build_seconds, "queries_per_second": n / graph_seconds,
                       "recall_at_k": recall(graph_ids.tolist(), exact_ids)},
    }))


if __name__ == "__main__":
    main()
