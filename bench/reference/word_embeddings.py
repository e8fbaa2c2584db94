#!/usr/bin/env python3
"""Word embeddings beside gensim: train gensim's skip-gram on the corpus Strata
trained on, and score both sets of vectors with gensim's own evaluators.

  word_embeddings.py --corpus WORDS.jsonl --strata LABEL W.npy W.txt TRAIN.json
                     [--strata ...] [--epochs 5] [--workers 2]

WORDS.jsonl is `strata tokenize SPEC --dump` of a kjv_words spec (each
training verse's words, the tokenization Strata used). Each --strata names
one Strata model: W.npy and W.txt from `strata embed SPEC --split
vocabulary`, TRAIN.json from `strata train SPEC --json` (its seconds and
epochs). gensim trains, once, Word2Vec(sg=1,
vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, alpha
0.025 -> 0.0001) on those verses. Quality, for both:
  - analogies: gensim's evaluate_word_analogies on the questions-words.txt it
    ships (Mikolov et al.), over the questions whose four words are in the
    vocabulary (most are modern: countries, currencies; the KJV covers the
    family and some grammar sections);
  - similarity: evaluate_word_pairs on WordSim-353 (Spearman), over the
    pairs in the vocabulary;
  - the 5 nearest words of ten common words and three analogies, printed.
Speed: corpus words (every word of every verse) x epochs / training seconds
(GloVe's epochs pass over the co-occurrence entries, not the text: its words/s
says how long the text took to learn from, not the same work per epoch).
Run with .venv/bin/python (gensim from PyPI; bench/lib.sh installs it).
"""
import argparse
import json
import time

import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import datapath

WORDS = ["god", "king", "water", "light", "love", "house", "father", "sword", "bread", "heaven"]
ANALOGIES = [("king", "man", "woman"), ("father", "son", "daughter"), ("brother", "man", "woman")]


def strata_vectors(vectors, vocab):
    words = [w.rstrip("\n") for w in open(vocab)]
    matrix = np.load(vectors)
    assert matrix.shape[0] == len(words), "vectors and vocabulary differ in length"
    kv = KeyedVectors(matrix.shape[1])
    kv.add_vectors(words, matrix)
    return kv


def quality(kv):
    score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"))
    total = next(s for s in sections if s["section"] == "Total accuracy")
    asked = len(total["correct"]) + len(total["incorrect"])
    pearson, spearman, oov = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))
    return {"analogy_accuracy": score, "analogy_questions": asked,
            "wordsim353_spearman": float(spearman[0]), "wordsim353_oov_percent": oov}


def neighbours(kv):
    out = {w: [x for x, _ in kv.most_similar(w, topn=5)] for w in WORDS if w in kv}
    for a, b, c in ANALOGIES:
        if all(w in kv for w in (a, b, c)):
            out[f"{a} - {b} + {c}"] = [x for x, _ in kv.most_similar(positive=[a, c], negative=[b], topn=5)]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--strata", nargs=4, action="append", required=True,
                        metavar=("LABEL", "VECTORS", "VOCAB", "TRAIN_JSON"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    sentences = [json.loads(line)["words"] for line in open(args.corpus)]
    corpus_words = sum(len(s) for s in sentences)
    model = Word2Vec(sg=1, vector_size=100, window=5, negative=5, min_count=5, sample=1e-3,
                     alpha=0.025, min_alpha=0.0001, workers=args.workers, seed=0)
    model.build_vocab(sentences)
    start = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=args.epochs)
    gensim_seconds = time.perf_counter() - start

    sides = {}
    for label, vectors, vocab, train_json in args.strata:
        run = json.load(open(train_json))
        sides[f"strata {label}"] = (strata_vectors(vectors, vocab), run["train_seconds"],
                                    round(run["epochs"]))
    sides["gensim word2vec"] = (model.wv, gensim_seconds, args.epochs)
    report = {"corpus_words": corpus_words}
    for name, (kv, seconds, epochs) in sides.items():
        report[name] = {"vocabulary": len(kv), "epochs": epochs, "train_seconds": seconds,
                        "words_per_second": corpus_words * epochs / seconds,
                        **quality(kv), "neighbours": neighbours(kv)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
