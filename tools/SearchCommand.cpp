//===- SearchCommand.cpp - strata search ----------------------------------===//
//
// Two sources of vectors, and two searches: exact (runtime/VectorSearch.h;
// on GPU 0 when one is visible, runtime/cuda/GpuSearch.h) and HNSW
// (runtime/ApproximateSearch.h), the latter by default from
// kApproximateFromRows rows on when there is no GPU, with its recall@k
// against exact search measured on up to 200 of the queries themselves and
// printed beside the answers (--recall R raises ef until it reaches R):
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
// ...k], ...one list per query], "search": {method, timings, recall}}, with
// "word" or "text" beside each id.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "ApproximateSearch.h"
#include "Compiler.h"
#include "Graph.h"
#include "MLIRGen.h"
#include "Npy.h"
#include "Spec.h"
#include "TopKKernels.h"
#include "ModelAccess.h"
#include "VectorSearch.h"
#include "Words.h"
#include "DataSources.h"
#include "TextRows.h"

#ifdef STRATA_HAVE_CUDA
#include "GpuSearch.h"
#endif

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>

#include <sys/stat.h>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

/// Below this many rows one exact pass is about as fast as building a graph.
constexpr int64_t kApproximateFromRows = 20000;
/// Rows of the index asked again exactly to measure an approximate search.
constexpr int64_t kRecallSampleRows = 200;

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

/// How the answers were found, for the output.
struct SearchReport {
  bool approximate = false;
  bool onGpu = false;         // exact search on GPU 0
  std::string device;         // its name
  double setupSeconds = 0;    // compiling the top-k kernels, creating the context
  HnswOptions hnsw;
  double buildSeconds = 0, searchSeconds = 0;
  int64_t queries = 0, rows = 0;
  double recall = 1.0;        // recall@k of the approximate search on sampled queries
  int64_t recallQueries = 0;  // how many of the queries it was measured on
  bool efRaised = false;      // --recall raised ef
  std::string graphFile;      // where the graph was read from or saved to
  bool graphCached = false;   // read, not built

  nlohmann::ordered_json json() const {
    nlohmann::ordered_json out{{"method", approximate ? "hnsw" : "exact"}, {"rows", rows},
                               {"queries", queries}, {"search_seconds", searchSeconds},
                               {"queries_per_second", searchSeconds > 0 ? queries / searchSeconds : 0.0},
                               {"target", onGpu ? "cuda" : "cpu"}};
    if (onGpu) {
      out["device"] = device;
      out["setup_seconds"] = setupSeconds;
    }
    if (approximate) {
      out["m"] = hnsw.m;
      out["ef_construction"] = hnsw.efConstruction;
      out["ef_search"] = hnsw.efSearch;
      out["build_seconds"] = buildSeconds;
      out["graph_cached"] = graphCached;
      out["recall_at_k"] = recall;
      out["recall_queries"] = recallQueries;
    }
    return out;
  }
};

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Up to kRecallSampleRows of the asked queries, evenly spread: the ones
/// whose answers are checked against exact search.
std::vector<int64_t> recallSample(int64_t queries) {
  int64_t n = std::min(queries, kRecallSampleRows);
  std::vector<int64_t> picked(n);
  for (int64_t i = 0; i < n; ++i)
    picked[i] = i * queries / n;
  return picked;
}

/// recall@k of the approximate answers `found` to the sampled queries
/// against exact search for the same queries (each with its exclusions).
/// Measured on the user's queries, not on rows of the index, which find
/// themselves in the graph and overstate it (0.98 against 0.72 on random
/// 64-d rows).
double sampledRecall(const Tensor &index, const Tensor &asked, const std::vector<int64_t> &sample, int64_t k,
                     Similarity similarity, const std::vector<std::vector<int64_t>> &exclude,
                     const std::vector<std::vector<Neighbour>> &found) {
  int64_t d = asked.shape()[1];
  Tensor queries(DType::F32, {static_cast<int64_t>(sample.size()), d});
  std::vector<std::vector<int64_t>> left;
  std::vector<std::vector<Neighbour>> approximate;
  for (size_t i = 0; i < sample.size(); ++i) {
    std::copy_n(asked.as<float>() + sample[i] * d, d, queries.as<float>() + i * d);
    left.push_back(exclude.empty() ? std::vector<int64_t>{} : exclude[sample[i]]);
    approximate.push_back(found[sample[i]]);
  }
  return recallAtK(approximate, exactSearch(index, queries, k, similarity, left));
}

/// What a cached graph was built from: the .npy file (size and time) and the
/// settings. A graph is reused only when all of it matches.
nlohmann::ordered_json graphKey(const std::string &npyPath, const Tensor &index, Similarity similarity,
                                const HnswOptions &hnsw) {
  struct stat file {};
  if (::stat(npyPath.c_str(), &file) != 0)
    throw UsageError{"cannot read '" + npyPath + "'"};
  int64_t modifiedNs = static_cast<int64_t>(file.st_mtim.tv_sec) * 1000000000 + file.st_mtim.tv_nsec;
  return {{"rows", index.shape()[0]}, {"dim", index.shape()[1]},
          {"metric", similarity == Similarity::Cosine ? "cosine" : "ip"}, {"m", hnsw.m},
          {"ef_construction", hnsw.efConstruction}, {"seed", hnsw.seed},
          {"npy_bytes", static_cast<int64_t>(file.st_size)}, {"npy_modified_ns", modifiedNs}};
}

/// The HNSW graph of `index`: read from NPY.hnsw when its key (NPY.hnsw.json)
/// matches, else built, and then saved there (both files written under
/// temporary names and renamed) so the next search of the file skips the
/// build. Without a file (`npyPath` empty) or a writable folder it is only built.
std::unique_ptr<ApproximateIndex> graphOf(const std::string &npyPath, const Tensor &index, Similarity similarity,
                                          const HnswOptions &hnsw, SearchReport &report) {
  std::string graphPath = npyPath + ".hnsw", keyPath = graphPath + ".json";
  nlohmann::ordered_json key;
  if (!npyPath.empty()) {
    key = graphKey(npyPath, index, similarity, hnsw);
    std::ifstream keyFile(keyPath);
    if (nlohmann::ordered_json::parse(keyFile, nullptr, /*allow_exceptions=*/false) == key) {
      try {
        auto graph = ApproximateIndex::load(graphPath, index.shape()[1], similarity, hnsw);
        if (graph->size() == index.shape()[0]) {
          report.graphFile = graphPath;
          report.graphCached = true;
          return graph;
        }
      } catch (const std::exception &) {
        // unreadable: built again below
      }
    }
  }
  auto start = std::chrono::steady_clock::now();
  auto graph = std::make_unique<ApproximateIndex>(index, similarity, hnsw);
  report.buildSeconds = secondsSince(start);
  if (npyPath.empty())
    return graph;
  try {
    graph->save(graphPath + ".tmp");
    std::ofstream(keyPath + ".tmp") << key.dump() << "\n";
    std::filesystem::rename(graphPath + ".tmp", graphPath);
    std::filesystem::rename(keyPath + ".tmp", keyPath);
    report.graphFile = graphPath;
  } catch (const std::exception &) {
    std::error_code ignored;
    std::filesystem::remove(graphPath + ".tmp", ignored);
    std::filesystem::remove(keyPath + ".tmp", ignored);
  }
  return graph;
}

/// Whether exact search runs on the GPU: --target=cpu|cuda; without it, on
/// GPU 0 when one is visible and this strata has the CUDA runtime.
bool exactOnGpu(const std::string &target) {
  if (target == "cpu")
    return false;
#ifdef STRATA_HAVE_CUDA
  std::string why;
  bool visible = cudaDeviceAvailable(why);
  if (target == "cuda" && !visible)
    throw Error("--target=cuda: " + why);
  return visible;
#else
  if (target == "cuda")
    throw UsageError{"this strata was built without the CUDA toolkit, so it cannot search on a GPU; "
                     "use --target=cpu"};
  return false;
#endif
}

/// Exact search on GPU 0 (the top-k kernels compiled for it first).
std::vector<std::vector<Neighbour>> exactSearchOnGpu(const Tensor &index, const Tensor &asked, int64_t k,
                                                     Similarity similarity,
                                                     const std::vector<std::vector<int64_t>> &exclude,
                                                     SearchReport &report) {
#ifdef STRATA_HAVE_CUDA
  auto start = std::chrono::steady_clock::now();
  // sm_80 PTX: the driver compiles it for the device it finds (A100 and later).
  GpuExactSearch gpu(compiler::compileTopKKernels("sm_80"));
  report.device = gpu.deviceName();
  report.setupSeconds = secondsSince(start);
  start = std::chrono::steady_clock::now();
  auto results = gpu.search(index, asked, k, similarity, exclude);
  report.searchSeconds = secondsSince(start);
  return results;
#else
  (void)index, (void)asked, (void)k, (void)similarity, (void)exclude, (void)report;
  throw Error("internal: GPU search without the CUDA runtime");
#endif
}

/// The k best rows for every query, exactly (on the CPU or the GPU) or
/// through an HNSW graph. With a GPU, exact search is the default at every size.
std::vector<std::vector<Neighbour>> searchRows(const Options &options, const std::string &indexPath,
                                               const Tensor &index, const Tensor &asked,
                                               int64_t k, Similarity similarity,
                                               const std::vector<std::vector<int64_t>> &exclude,
                                               SearchReport &report) {
  bool exact = options.has("--exact"), approximate = options.has("--approximate");
  if (exact && approximate)
    throw UsageError{"'search' takes at most one of --exact and --approximate"};
  std::string target = options.get("--target", "");
  if (!target.empty() && target != "cpu" && target != "cuda")
    throw UsageError{"unknown target '" + target + "' (available: cpu, cuda)"};
  if (approximate && target == "cuda")
    throw UsageError{"--approximate searches an HNSW graph on the CPU; --target=cuda is for exact search"};
  report.rows = index.shape()[0];
  report.queries = asked.shape()[0];
  report.onGpu = !approximate && exactOnGpu(target);
  report.approximate = approximate || (!exact && !report.onGpu && report.rows >= kApproximateFromRows);
  if (options.has("--recall") && !report.approximate)
    throw UsageError{"--recall sets how good an approximate search must be; this one is exact (below " +
                     std::to_string(kApproximateFromRows) + " rows, --exact, or on a GPU): --approximate searches the graph"};
  if (report.onGpu)
    return exactSearchOnGpu(index, asked, k, similarity, exclude, report);
  if (!report.approximate) {
    auto start = std::chrono::steady_clock::now();
    auto results = exactSearch(index, asked, k, similarity, exclude);
    report.searchSeconds = secondsSince(start);
    return results;
  }
  report.hnsw.m = options.intFlag("--hnsw-m", report.hnsw.m);
  report.hnsw.efConstruction = options.intFlag("--ef-construction", report.hnsw.efConstruction);
  report.hnsw.efSearch = options.intFlag("--ef", report.hnsw.efSearch);
  if (report.hnsw.m < 2 || report.hnsw.efConstruction < 1 || report.hnsw.efSearch < 1)
    throw UsageError{"--hnsw-m must be at least 2, --ef and --ef-construction at least 1"};
  std::unique_ptr<ApproximateIndex> graph = graphOf(indexPath, index, similarity, report.hnsw, report);
  std::vector<int64_t> sample = recallSample(report.queries);
  report.recallQueries = static_cast<int64_t>(sample.size());
  // --recall R: the candidate list doubles until the estimate reaches R, or
  // until it holds every row (the search is then as good as this graph gets).
  double wanted = options.has("--recall") ? std::stod(options.get("--recall")) : 0.0;
  if (wanted < 0 || wanted > 1)
    throw UsageError{"--recall must be between 0 and 1, got " + options.get("--recall")};
  for (;;) {
    auto start = std::chrono::steady_clock::now();
    auto results = graph->search(asked, k, exclude);
    report.searchSeconds = secondsSince(start);
    report.recall = sampledRecall(index, asked, sample, k, similarity, exclude, results);
    if (report.recall >= wanted)
      return results;
    if (report.hnsw.efSearch >= report.rows)
      throw UsageError{"--recall " + options.get("--recall") + " is out of reach: recall@" + std::to_string(k) +
                       " is " + std::to_string(report.recall) + " with ef " + std::to_string(report.hnsw.efSearch) +
                       " (every row); a graph with a larger --hnsw-m or --ef-construction, or --exact, gets further"};
    report.hnsw.efSearch = std::min(report.rows, report.hnsw.efSearch * 2);
    graph->setEfSearch(report.hnsw.efSearch);
    report.efRaised = true;
  }
}

std::string graphState(const SearchReport &report) {
  char built[64];
  std::snprintf(built, sizeof built, "built in %.2f s", report.buildSeconds);
  if (report.graphCached)
    return "read from " + report.graphFile;
  if (!report.graphFile.empty())
    return built + (" and saved to " + report.graphFile);
  return built;
}

void describe(const SearchReport &report, int64_t k) {
  if (report.onGpu) {
    std::fprintf(stderr, "exact search over %lld rows on %s: %lld queries in %.3f s (setup %.2f s)\n",
                 (long long)report.rows, report.device.c_str(), (long long)report.queries, report.searchSeconds,
                 report.setupSeconds);
    return;
  }
  if (!report.approximate) {
    std::fprintf(stderr, "exact search over %lld rows: %lld queries in %.3f s\n", (long long)report.rows,
                 (long long)report.queries, report.searchSeconds);
    return;
  }
  std::fprintf(stderr,
               "approximate search (hnswlib HNSW, m %lld, ef_construction %lld, ef %lld) over %lld rows: "
               "graph %s, %lld queries in %.3f s; recall@%lld against exact search %.4f "
               "(measured on %lld of the queries%s; --recall R raises ef to reach R, --exact for exact answers)\n",
               (long long)report.hnsw.m, (long long)report.hnsw.efConstruction, (long long)report.hnsw.efSearch,
               (long long)report.rows, graphState(report).c_str(), (long long)report.queries, report.searchSeconds,
               (long long)k, report.recall, (long long)report.recallQueries,
               report.efRaised ? ", ef raised for --recall" : "");
}

void print(const std::vector<Query> &queries, const std::vector<std::vector<Neighbour>> &results,
           const std::vector<std::string> *names, const char *nameKey, const SearchReport &report, bool json) {
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
    out["search"] = report.json();
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

namespace {

/// Which of search's three forms the flags ask for: an embedding file's rows
/// (--index and --query/--query-file, no SPEC), a word model's words (SPEC
/// and --word/--analogy), or a text model's verses (SPEC and --text, with
/// --index as the verses' embeddings). Anything else gets the rule.
enum class SearchForm { File, Words, Text };

SearchForm searchFormOf(const Options &options) {
  const char *rule = "; the forms are: --index FILE.npy with --query ROW or --query-file Q.npy (no SPEC); "
                     "SPEC with --word or --analogy; SPEC with --text (and --index VERSES.npy from strata embed)";
  bool spec = !options.spec.empty(), rows = options.has("--query") || options.has("--query-file");
  bool words = options.has("--word") || options.has("--analogy"), text = options.has("--text");
  if (int(rows) + int(words) + int(text) != 1)
    throw UsageError{std::string(rows + words + text == 0 ? "'search' needs a query: --query, --query-file, "
                                                          "--word, --analogy or --text"
                                                        : "'search' takes one kind of query") + rule};
  if (rows && (spec || !options.has("--index")))
    throw UsageError{std::string(spec ? "--query and --query-file search an embedding file, without a SPEC"
                                      : "--query and --query-file need --index FILE.npy") + rule};
  if (!rows && !spec)
    throw UsageError{std::string(words ? "--word and --analogy need" : "--text needs") + " the model's SPEC" + rule};
  if (words && options.has("--index"))
    throw UsageError{std::string("--index is an embedding file's rows or a text model's verses; a word "
                                 "model's words come from its checkpoint") + rule};
  return rows ? SearchForm::File : words ? SearchForm::Words : SearchForm::Text;
}

} // namespace

int strata::tools::runSearch(const Options &options) {
  SearchForm form = searchFormOf(options);
  bool text = form == SearchForm::Text;
  bool fromFile = form == SearchForm::File;
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
  SearchReport report;
  auto results = searchRows(options, options.get("--index", ""), index, asked, k, similarity, exclude, report);
  describe(report, k);
  if (text)
    print(queries, results, &texts, "text", report, json);
  else
    print(queries, results, fromFile ? nullptr : &vocab.words, "word", report, json);
  return 0;
}
