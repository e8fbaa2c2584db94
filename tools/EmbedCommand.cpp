//===- EmbedCommand.cpp - strata embed ------------------------------------===//
//
// strata embed SPEC --out FILE.npy: the @represent value of every row of a
// split (or of every word of a word-embedding model's vocabulary), as .npy;
// a labelled split's labels beside it (FILE.labels.npy, or --labels), so the
// embedding can be checked and coloured outside Strata.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "ModelAccess.h"

#include "Npy.h"
#include "DataSources.h"

#include <cstdio>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

/// Where the labels go without --labels: FILE.labels.npy beside FILE.npy.
std::string labelsBeside(const std::string &out) {
  const std::string npy = ".npy";
  bool hasNpy = out.size() > npy.size() && out.compare(out.size() - npy.size(), npy.size(), npy) == 0;
  return (hasNpy ? out.substr(0, out.size() - npy.size()) : out) + ".labels.npy";
}

} // namespace

int strata::tools::runEmbed(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  if (!options.has("--out"))
    throw UsageError{"'embed' needs --out FILE.npy"};
  if (graph.represent < 0)
    throw UsageError{"the model marks no value @represent to embed"};
  std::string split = options.get("--split", "test");
  if (options.has("--vocab") && split != "vocabulary")
    throw UsageError{"--vocab goes with --split vocabulary (a word-embedding model's words)"};
  if (options.has("--labels") && split == "vocabulary")
    throw UsageError{"--labels goes with a split whose rows have labels; a vocabulary's words go to --vocab"};
  Tensor z, labels;
  if (split == "vocabulary") {
    std::vector<std::string> words;
    z = vocabularyVectors(options, graph, words);
    if (options.has("--vocab")) {
      std::string lines;
      for (const std::string &word : words)
        lines += word + "\n";
      writeAtomically(options.get("--vocab"), lines);
    }
  } else {
    Dataset rows = loadDataset(embeddedRows(graph, split));
    if (auto label = rows.fields.find("label"); label != rows.fields.end())
      labels = label->second;
    else if (options.has("--labels"))
      throw UsageError{"the " + split + " split of " + rows.name + " has no labels for --labels"};
    z = representOf(options, graph, rows);
  }
  writeNpy(options.get("--out"), z);
  std::printf("wrote %s: %lld x %lld f32 (%s of %s, %s split)\n", options.get("--out").c_str(),
              (long long)z.shape()[0], (long long)z.shape()[1],
              graph.values[graph.represent].name.c_str(), graph.model.c_str(), split.c_str());
  if (!labels.empty()) {
    std::string path = options.get("--labels", labelsBeside(options.get("--out")));
    writeNpy(path, labels);
    std::printf("wrote %s: %lld i32 labels, row for row\n", path.c_str(), (long long)labels.numElements());
  }
  return 0;
}
