"""Tokenizes each text of a `strata tokenize --dump` file with the Hugging Face
`tokenizers` library, from the tokenizer.json strata wrote, and counts the
texts whose ids differ from strata's."""
import json
import sys

from tokenizers import Tokenizer

tokenizer = Tokenizer.from_file(sys.argv[1])
texts = differ = 0
for line in open(sys.argv[2]):
    record = json.loads(line)
    texts += 1
    ids = tokenizer.encode(record["text"]).ids
    if ids != record["ids"]:
        differ += 1
        if differ <= 3:
            print("differs:", repr(record["text"]), "tokenizers:", ids, "strata:", record["ids"])
print(f"{texts} texts, {differ} differ")
