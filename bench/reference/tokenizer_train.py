"""Trains the Hugging Face `tokenizers` BPE trainer on the same texts and with
the same setup as strata's tokenizer (Whitespace pre-tokenizer, the four
special tokens, vocabulary size given), and prints its wall time.

usage: tokenizer_train.py TEXTS.jsonl VOCAB [--lowercase]
TEXTS.jsonl is `strata tokenize SPEC --split train --dump`'s output."""
import json
import sys
import time

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

texts = [json.loads(line)["text"] for line in open(sys.argv[1])]
vocab = int(sys.argv[2])
tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
if "--lowercase" in sys.argv:
    tokenizer.normalizer = normalizers.Lowercase()
trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=["[PAD]", "[MASK]", "[CLS]", "[UNK]"],
                              show_progress=False)
start = time.perf_counter()
tokenizer.train_from_iterator(texts, trainer=trainer)
seconds = time.perf_counter() - start
print(f"tokenizers {tokenizer.get_vocab_size()} pieces, trained in {seconds:.3f} s on {len(texts)} texts")
