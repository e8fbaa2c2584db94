//===- TokenizeCommand.cpp - strata tokenize ------------------------------===//
//
// strata tokenize SPEC: the BPE tokenizer of the spec's text data (a Hugging
// Face tokenizer.json), each text's ids, and the token rows the model reads;
// for a word set, each verse's words.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "ModelAccess.h"

#include "Npy.h"
#include "Words.h"
#include "DataSources.h"
#include "SpecData.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

/// `strata tokenize` of a word set: every verse of the split, in order, with
/// its words (the corpus another word2vec must train on to compare).
int dumpWords(const Options &options, const Dataset &data) {
  if (options.has("-o"))
    throw UsageError{"data set '" + data.name + "' reads words, not BPE pieces: it has no "
                     "tokenizer.json to write (--dump writes each verse's words)"};
  std::string dump;
  int64_t words = 0;
  for (const std::string &text : data.texts) {
    std::vector<std::string> split = wordsOf(text);
    words += static_cast<int64_t>(split.size());
    dump += nlohmann::json{{"text", text}, {"words", split}}.dump() + "\n";
  }
  writeAtomically(options.get("--dump"), dump);
  std::printf("%s (%s split): %lld verses, %lld words, a vocabulary of %lld words\n",
              data.name.c_str(), data.split.c_str(), (long long)data.texts.size(), (long long)words,
              (long long)data.vocabulary.size());
  return 0;
}

} // namespace

int strata::tools::runTokenize(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  if (!options.has("-o") && !options.has("--dump") && !options.has("--rows"))
    throw UsageError{"'tokenize' needs -o tokenizer.json, --dump TEXTS.jsonl or --rows ROWS.npy"};
  DataSource source = compiler::dataSourceOf(graph, options.get("--split", ""));
  if (source.window > 0)
    return dumpWords(options, loadDataset(source));
  if (source.seqLen == 0) // only text sets have a row length in tokens
    throw UsageError{"data set '" + source.name + "' is not text: it has no tokenizer"};
  Dataset data = loadDataset(source);
  if (!data.tokenizer)
    throw UsageError{"data set '" + data.name + "' has no tokenizer (random ids)"};
  const BpeTokenizer &tokenizer = *data.tokenizer;
  if (options.has("-o"))
    writeAtomically(options.get("-o"), tokenizer.toJson());
  // Each distinct text once, in order, with its ids: what another tokenizer
  // loading the file must reproduce.
  int64_t distinct = 0, tokens = 0;
  std::string dump;
  std::set<std::string> seen;
  for (const std::string &text : data.texts) {
    if (!seen.insert(text).second)
      continue;
    std::vector<int32_t> ids = tokenizer.encode(text);
    ++distinct;
    tokens += static_cast<int64_t>(ids.size());
    dump += nlohmann::json{{"text", text}, {"ids", ids}}.dump() + "\n";
  }
  if (options.has("--dump"))
    writeAtomically(options.get("--dump"), dump);
  if (options.has("--rows"))
    writeNpy(options.get("--rows"), data.fields.at("tokens"));
  std::printf("tokenizer of %s: %lld pieces (%lld merges), trained in %.3f s\n", data.name.c_str(),
              (long long)tokenizer.vocabSize(), (long long)tokenizer.mergeCount(), tokenizer.trainSeconds());
  std::printf("%s split: %lld distinct texts, %lld tokens (%.1f per text)\n", data.split.c_str(),
              (long long)distinct, (long long)tokens, distinct ? double(tokens) / distinct : 0.0);
  return 0;
}
