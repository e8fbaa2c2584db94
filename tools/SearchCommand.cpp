//===- SearchCommand.cpp - strata search ----------------------------------===//
//
// Two sources of vectors, one exact search (runtime/VectorSearch.h):
//   --index FILE.npy    rows of an embedding file (`strata embed`), queried by
//                       a row of it (--query ROW, the row itself left out) or
//                       by the rows of another file (--query-file Q.npy);
//   SPEC                a word-embedding model's vector of every vocabulary
//                       word (its @represent for each word id, from the
//                       checkpoint), queried by words (--word king,light) or
//                       by an analogy (--analogy "king - man + woman": the sum
//                       of the words' unit vectors, the words left out), as
//                       gensim's most_similar does.
//   SPEC --text "Q"     a text model's vector of every verse of --split (all
//                       by default; or the --index file `strata embed --split`
//                       wrote of it), queried by the text's own vector: the
//                       query is tokenized and embedded by the same spec.
// Human output lists the ranks; --json prints {"results": [[{"id", "score"},
// ...k], ...one list per query]}, with "word" or "text" beside each id.
//
//===----------------------------------------------------------------------===//

#include "SearchCommand.h"

#include "Compiler.h"
#include "Graph.h"
#include "MLIRGen.h"
#include "Npy.h"
#include "Spec.h"
#include "TrainCommands.h"
#include "VectorSearch.h"
#include "Words.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstring>
#include <cstdio>
#include <iostream>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

struct Query {
  std::string label;               // what the user asked, for the output
  std::vector<float> vector;
  std::vector<int64_t> exclude;    // ids that may not be answers
};

Similarity similarityFlag(const Options &options) {
  std::string metric = options.get("--metric", "cosine");
  if (metric == "cosine")
    return Similarity::Cosine;
  if (metric == "ip")
    return Similarity::InnerProduct;
  throw UsageError{"--metric must be cosine or ip, got '" + metric + "'"};
}

Tensor readMatrix(const std::string &path, const char *what) {
  Tensor t = readNpy(path);
  if (t.dtype() != DType::F32 || t.shape().size() != 2)
    throw UsageError{std::string(what) + " '" + path + "' must hold f32 [rows, dim]"};
  return t;
}

std::vector<float> rowOf(const Tensor &t, int64_t row) {
  int64_t d = t.shape()[1];
  return std::vector<float>(t.as<float>() + row * d, t.as<float>() + (row + 1) * d);
}

/// Queries against an embedding file.
std::vector<Query> fileQueries(const Options &options, const Tensor &index) {
  bool row = options.has("--query"), file = options.has("--query-file");
  if (row == file)
    throw UsageError{"'search --index' needs exactly one of --query ROW and --query-file Q.npy"};
  std::vector<Query> queries;
  if (row) {
    int64_t r = options.intFlag("--query", 0);
    if (r >= index.shape()[0])
      throw UsageError{"--query " + std::to_string(r) + " is past the index's last row (" +
                       std::to_string(index.shape()[0] - 1) + ")"};
    queries.push_back({"row " + std::to_string(r), rowOf(index, r), {r}});
    return queries;
  }
  Tensor asked = readMatrix(options.get("--query-file"), "the query file");
  if (asked.shape()[1] != index.shape()[1])
    throw UsageError{"the query file has " + std::to_string(asked.shape()[1]) +
                     " columns, the index " + std::to_string(index.shape()[1])};
  for (int64_t r = 0; r < asked.shape()[0]; ++r)
    queries.push_back({"query " + std::to_string(r), rowOf(asked, r), {}});
  return queries;
}

/// "king - man + woman" -> (+king, -man, +woman)
std::vector<std::pair<int, std::string>> analogyTerms(const std::string &text) {
  std::vector<std::pair<int, std::string>> terms;
  int sign = 1;
  std::string word;
  auto flush = [&] {
    if (!word.empty())
      terms.emplace_back(sign, word);
    word.clear();
  };
  for (char c : text) {
    if (c == '+' || c == '-') {
      flush();
      sign = c == '+' ? 1 : -1;
      if (terms.empty())
        throw UsageError{"--analogy starts with a word: \"king - man + woman\""};
    } else if (c == ' ' || c == ',') {
      flush();
    } else {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  flush();
  if (terms.size() < 2)
    throw UsageError{"--analogy needs at least two words joined by + or -, e.g. \"king - man + woman\""};
  return terms;
}

int32_t wordId(const Vocabulary &vocab, const std::string &word) {
  int32_t id = vocab.find(word);
  if (id < 0)
    throw UsageError{"'" + word + "' is not in the model's vocabulary (" +
                     std::to_string(vocab.size()) + " words seen at least min_count times)"};
  return id;
}

/// Queries of words, or of one analogy, against the word vectors.
std::vector<Query> wordQueries(const Options &options, const Tensor &vectors, const Vocabulary &vocab) {
  bool words = options.has("--word"), analogy = options.has("--analogy");
  if (words == analogy)
    throw UsageError{"'search SPEC' needs exactly one of --word W[,W...], --analogy \"A - B + C\" "
                     "and --text \"QUERY\""};
  std::vector<Query> queries;
  if (words) {
    std::string list = options.get("--word") + ",";
    std::string word;
    for (char c : list) {
      if (c != ',') {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        continue;
      }
      if (word.empty())
        continue;
      int32_t id = wordId(vocab, word);
      queries.push_back({word, rowOf(vectors, id), {id}});
      word.clear();
    }
    return queries;
  }
  Query q;
  q.label = options.get("--analogy");
  q.vector.assign(vectors.shape()[1], 0.0f);
  Tensor units = unitRows(vectors);
  for (const auto &[sign, word] : analogyTerms(q.label)) {
    int32_t id = wordId(vocab, word);
    std::vector<float> v = rowOf(units, id);
    for (size_t j = 0; j < v.size(); ++j)
      q.vector[j] += sign * v[j];
    q.exclude.push_back(id);
  }
  queries.push_back(std::move(q));
  return queries;
}

/// The verses of `split` as the index, and the query text embedded by the
/// same model; `texts` gets each verse as "Ge1:1 In the beginning ...".
/// Without --index the query is row 0 of the rows embedded, so the model is
/// compiled once.
std::vector<Query> textQueries(const Options &options, const frontend::Graph &graph, Tensor &index,
                               std::vector<std::string> &texts) {
  std::string split = options.get("--split", "all");
  DataSource source = embeddedRows(graph, split);
  if (source.seqLen == 0) // only text sets have a row length in tokens
    throw UsageError{"'search --text' needs a model of text rows (kjv): data set '" + source.name +
                     "' is not text"};
  Dataset verses = loadDataset(source);
  if (!verses.tokenizer || !verses.fields.count("tokens"))
    throw UsageError{"'search --text' needs a model of text rows (kjv): data set '" + verses.name +
                     "' has no \"tokens\" field"};
  bool cached = options.has("--index");
  if (cached) {
    index = readMatrix(options.get("--index"), "the index");
    if (index.shape()[0] != verses.size)
      throw UsageError{"the index '" + options.get("--index") + "' has " +
                       std::to_string(index.shape()[0]) + " rows, but the " + split + " split has " +
                       std::to_string(verses.size) + " verses (write it with `strata embed " +
                       options.spec + " --split " + split + "`)"};
  }
  Query q;
  q.label = options.get("--text");
  const Tensor &verseTokens = verses.fields.at("tokens");
  int64_t seqLen = verseTokens.shape()[1];
  Tensor query = textRows(*verses.tokenizer, {q.label}, seqLen);
  Dataset rows;
  rows.name = verses.name;
  rows.split = verses.split;
  rows.size = cached ? 1 : verses.size + 1;
  Tensor tokens(DType::I32, {rows.size, seqLen});
  std::memcpy(tokens.data(), query.data(), query.bytes());
  if (!cached)
    std::memcpy(tokens.as<int32_t>() + seqLen, verseTokens.data(), verseTokens.bytes());
  rows.fields["tokens"] = std::move(tokens);
  Tensor z = representOf(options, graph, rows, cached ? 1 : 0);
  q.vector = rowOf(z, 0);
  if (!cached) {
    int64_t d = z.shape()[1];
    index = Tensor(DType::F32, {verses.size, d});
    std::memcpy(index.data(), z.as<float>() + d, index.bytes());
  } else if (z.shape()[1] != index.shape()[1]) {
    throw UsageError{"the index has vectors of " + std::to_string(index.shape()[1]) +
                     ", but the model's are of " + std::to_string(z.shape()[1])};
  }
  texts = std::move(verses.texts);
  return {q};
}

void print(const std::vector<Query> &queries, const std::vector<std::vector<Neighbour>> &results,
           const std::vector<std::string> *names, const char *nameKey, bool json) {
  if (json) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto &list : results) {
      nlohmann::ordered_json ranked = nlohmann::ordered_json::array();
      for (const Neighbour &nb : list) {
        nlohmann::ordered_json hit{{"id", nb.id}, {"score", nb.score}};
        if (names)
          hit[nameKey] = (*names)[nb.id];
        ranked.push_back(hit);
      }
      all.push_back(ranked);
    }
    nlohmann::ordered_json out;
    out["results"] = all;
    std::cout << out.dump() << "\n";
    return;
  }
  for (size_t q = 0; q < queries.size(); ++q) {
    std::printf("%s:\n", queries[q].label.c_str());
    for (size_t r = 0; r < results[q].size(); ++r) {
      const Neighbour &nb = results[q][r];
      if (names)
        std::printf("  %2zu. %-16s %.4f\n", r + 1, (*names)[nb.id].c_str(), nb.score);
      else
        std::printf("  %2zu. row %-10lld %.4f\n", r + 1, (long long)nb.id, nb.score);
    }
  }
}

} // namespace

int strata::tools::runSearch(const Options &options) {
  bool text = options.has("--text");
  bool fromFile = options.has("--index") && !text;
  if (fromFile == !options.spec.empty())
    throw UsageError{"'search' needs either --index FILE.npy or a model's SPEC"};
  int64_t k = options.intFlag("--k", 10);
  if (k < 1)
    throw UsageError{"--k must be at least 1"};
  Similarity similarity = similarityFlag(options);
  bool json = options.has("--json");

  Tensor index;
  Vocabulary vocab;
  std::vector<std::string> texts;
  std::vector<Query> queries;
  if (fromFile) {
    index = readMatrix(options.get("--index"), "the index");
    queries = fileQueries(options, index);
  } else {
    frontend::Graph graph = frontend::buildGraph(frontend::loadSpec(options.spec), frontend::prelude());
    if (text) {
      queries = textQueries(options, graph, index, texts);
    } else {
      std::vector<std::string> words;
      index = vocabularyVectors(options, graph, words);
      vocab = Vocabulary::ofWords(std::move(words));
      queries = wordQueries(options, index, vocab);
    }
  }
  int64_t d = index.shape()[1];
  Tensor asked(DType::F32, {static_cast<int64_t>(queries.size()), d});
  std::vector<std::vector<int64_t>> exclude;
  for (size_t q = 0; q < queries.size(); ++q) {
    std::copy(queries[q].vector.begin(), queries[q].vector.end(), asked.as<float>() + q * d);
    exclude.push_back(queries[q].exclude);
  }
  auto results = exactSearch(index, asked, k, similarity, exclude);
  if (text)
    print(queries, results, &texts, "text", json);
  else
    print(queries, results, fromFile ? nullptr : &vocab.words, "word", json);
  return 0;
}
