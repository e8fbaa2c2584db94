//===- Kjv.cpp - the King James Bible as text -----------------------------===//

#include "Kjv.h"

#include "Philox.h"
#include "TextRows.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

using namespace strata::runtime;

std::vector<std::string> strata::runtime::kjvVerses(std::vector<std::string> *references) {
  std::string command = "bible -f Gen1:1-Rev22:21 2>/dev/null";
  const char *file = std::getenv("STRATA_KJV");
  bool fromFile = file && *file;
  std::FILE *in = fromFile ? std::fopen(file, "r") : popen(command.c_str(), "r");
  if (!in)
    throw DataError{fromFile ? "cannot open STRATA_KJV file '" + std::string(file) + "'"
                             : "cannot run `bible` (install Debian's bible-kjv, or set STRATA_KJV)"};
  std::vector<std::string> verses;
  std::string line;
  char buffer[1 << 14];
  while (std::fgets(buffer, sizeof buffer, in)) {
    line += buffer;
    if (line.empty() || line.back() != '\n')
      continue;
    line.pop_back();
    // "Ge1:1 In the beginning ...": the text follows the reference.
    size_t space = line.find(' ');
    if (space != std::string::npos && space + 1 < line.size()) {
      verses.push_back(line.substr(space + 1));
      if (references)
        references->push_back(line.substr(0, space));
    }
    line.clear();
  }
  int status = fromFile ? std::fclose(in) : pclose(in);
  if (status != 0 || verses.empty())
    throw DataError{fromFile ? "STRATA_KJV file '" + std::string(file) + "' has no verses"
                             : "`bible -f Gen1:1-Rev22:21` failed (install Debian's bible-kjv, or set STRATA_KJV)"};
  return verses;
}

bool strata::runtime::kjvHeldOut(int64_t index) {
  return uniformFromBits(philox(static_cast<uint64_t>(index), 0x4B4A56, 0, 0)[0]) < 0.05;
}

KjvSplit strata::runtime::kjvSplit(const std::string &name, const std::string &split) {
  if (split != "train" && split != "test" && split != "all")
    throw DataError{name + " has splits 'train', 'test' and 'all', not '" + split + "'"};
  std::vector<std::string> references;
  std::vector<std::string> verses = kjvVerses(&references);
  KjvSplit out;
  for (size_t i = 0; i < verses.size(); ++i) {
    bool heldOut = kjvHeldOut(static_cast<int64_t>(i));
    if (!heldOut)
      out.train.push_back(verses[i]);
    if (split == "all" || heldOut == (split == "test")) {
      out.split.push_back(verses[i]);
      out.splitReferences.push_back(references[i]);
    }
  }
  return out;
}

Dataset strata::runtime::loadKjv(const std::string &split, int64_t seqLen, int64_t vocab,
                                 bool rowPerVerse) {
  requireTextSizes("kjv", seqLen, vocab);
  auto [trainVerses, splitVerses, references] = kjvSplit("kjv", split);
  auto tokenizer = std::make_shared<BpeTokenizer>(BpeTokenizer::train(trainVerses, vocab, false));
  Dataset data;
  data.name = "kjv";
  data.split = split;
  if (rowPerVerse) {
    data.fields["tokens"] = textRows(*tokenizer, splitVerses, seqLen);
    for (size_t v = 0; v < splitVerses.size(); ++v)
      data.texts.push_back(references[v] + " " + splitVerses[v]);
  } else {
    data.fields["tokens"] = packedRows(*tokenizer, splitVerses, seqLen);
    data.texts = std::move(splitVerses);
  }
  data.size = data.fields.at("tokens").shape()[0];
  data.tokenizer = std::move(tokenizer);
  return data;
}

Dataset strata::runtime::loadRandomTokens(int64_t seqLen, int64_t vocab) {
  requireTextSizes("random_tokens", seqLen, vocab);
  if (vocab <= 4)
    throw DataError{"random_tokens needs a vocabulary larger than the 4 special tokens"};
  const int64_t rows = 16384;
  Tensor tokens(DType::I32, {rows, seqLen});
  int32_t *dst = tokens.as<int32_t>();
  for (int64_t i = 0; i < rows * seqLen; ++i)
    dst[i] = 4 + static_cast<int32_t>(philox(static_cast<uint64_t>(i), 0x7A4D, 0, 0)[0] % (vocab - 4));
  Dataset data;
  data.name = "random_tokens";
  data.split = "train";
  data.size = rows;
  data.fields["tokens"] = std::move(tokens);
  return data;
}
