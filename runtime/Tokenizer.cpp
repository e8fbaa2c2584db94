//===- Tokenizer.cpp - byte-pair encoding trained on a corpus -------------===//

#include "Tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <map>
#include <queue>
#include <set>

using namespace strata::runtime;

namespace {

const char *const kSpecialPieces[] = {"[PAD]", "[MASK]", "[CLS]", "[UNK]"};

bool isSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/// Hugging Face's Whitespace pre-tokenizer splits on `\w+|[^\w\s]+`; every
/// non-ASCII byte counts as a word character here, which keeps a UTF-8
/// sequence in one run (exact for letters, the only non-ASCII a corpus of ours
/// has had).
bool isWordChar(unsigned char c) { return c >= 0x80 || c == '_' || std::isalnum(c); }

/// The characters (UTF-8 code points) of a word.
std::vector<std::string> charactersOf(const std::string &word) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < word.size();) {
    size_t j = i + 1;
    while (j < word.size() && (static_cast<unsigned char>(word[j]) & 0xC0) == 0x80)
      ++j;
    chars.push_back(word.substr(i, j - i));
    i = j;
  }
  return chars;
}

uint64_t pairKey(int32_t left, int32_t right) {
  return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
}

/// The order in which training takes pairs: the most frequent first, then the
/// pair of smaller ids.
struct PairRank {
  int64_t count;
  uint64_t key;
  bool operator<(const PairRank &other) const {
    return count != other.count ? count < other.count : key > other.key;
  }
};

} // namespace

int32_t BpeTokenizer::addPiece(const std::string &piece) {
  auto [it, inserted] = ids_.emplace(piece, static_cast<int32_t>(pieces_.size()));
  if (inserted)
    pieces_.push_back(piece);
  return it->second;
}

void BpeTokenizer::addMerge(int32_t left, int32_t right) {
  int32_t merged = addPiece(pieces_[left] + pieces_[right]);
  mergeOf_[pairKey(left, right)] = {static_cast<int32_t>(merges_.size()), merged};
  merges_.push_back({left, right});
}

std::vector<std::string> BpeTokenizer::words(std::string_view text) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    if (isSpace(c)) {
      ++i;
      continue;
    }
    bool word = isWordChar(c);
    size_t j = i;
    while (j < text.size() && !isSpace(text[j]) && isWordChar(text[j]) == word)
      ++j;
    std::string piece(text.substr(i, j - i));
    if (lowercase_)
      for (char &ch : piece)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.push_back(std::move(piece));
    i = j;
  }
  return out;
}

BpeTokenizer BpeTokenizer::train(const std::vector<std::string> &texts, int64_t vocabSize,
                                 bool lowercase) {
  auto started = std::chrono::steady_clock::now();
  BpeTokenizer t;
  t.lowercase_ = lowercase;
  for (const char *special : kSpecialPieces)
    t.addPiece(special);

  std::map<std::string, int64_t> wordCounts; // ordered: the same ids on every run
  for (const std::string &text : texts)
    for (std::string &w : t.words(text))
      ++wordCounts[std::move(w)];
  std::set<std::string> alphabet;
  for (char c = '!'; c <= '~'; ++c)
    alphabet.insert(std::string(1, c));
  for (const auto &[word, count] : wordCounts)
    for (std::string &c : charactersOf(word))
      alphabet.insert(std::move(c));
  for (const std::string &c : alphabet)
    t.addPiece(c);
  if (vocabSize < t.vocabSize())
    throw Error{"a vocabulary of " + std::to_string(vocabSize) + " is smaller than the " +
                std::to_string(t.vocabSize()) + " special tokens and characters of the corpus"};

  // Each distinct word as its pieces, the count of every adjacent pair, and
  // which words may hold a pair (a superset: entries go stale, never missing).
  std::vector<std::vector<int32_t>> pieces;
  std::vector<int64_t> freq;
  std::unordered_map<uint64_t, int64_t> pairCount;
  std::unordered_map<uint64_t, std::vector<int32_t>> pairWords;
  for (const auto &[word, count] : wordCounts) {
    std::vector<int32_t> ids;
    for (const std::string &c : charactersOf(word))
      ids.push_back(t.ids_.at(c));
    int32_t w = static_cast<int32_t>(pieces.size());
    for (size_t k = 0; k + 1 < ids.size(); ++k) {
      uint64_t key = pairKey(ids[k], ids[k + 1]);
      pairCount[key] += count;
      auto &holders = pairWords[key];
      if (holders.empty() || holders.back() != w)
        holders.push_back(w);
    }
    pieces.push_back(std::move(ids));
    freq.push_back(count);
  }
  std::priority_queue<PairRank> queue;
  for (const auto &[key, count] : pairCount)
    queue.push({count, key});

  std::vector<int64_t> visited(pieces.size(), -1);
  for (int64_t round = 0; t.vocabSize() < vocabSize; ++round) {
    // Entries whose count changed since they were pushed are stale.
    while (!queue.empty() && (queue.top().count <= 0 || pairCount[queue.top().key] != queue.top().count))
      queue.pop();
    if (queue.empty())
      break;
    uint64_t key = queue.top().key;
    queue.pop();
    int32_t left = static_cast<int32_t>(key >> 32), right = static_cast<int32_t>(key & 0xFFFFFFFFu);
    t.addMerge(left, right);
    int32_t merged = t.mergeOf_.at(key).second;

    std::unordered_map<uint64_t, int64_t> delta;
    std::vector<int32_t> holders = std::move(pairWords[key]);
    pairWords.erase(key);
    for (int32_t w : holders) {
      if (visited[w] == round)
        continue;
      visited[w] = round;
      std::vector<int32_t> &ids = pieces[w];
      std::vector<int32_t> joined;
      joined.reserve(ids.size());
      for (size_t k = 0; k < ids.size(); ++k) {
        if (k + 1 < ids.size() && ids[k] == left && ids[k + 1] == right) {
          joined.push_back(merged);
          ++k;
        } else {
          joined.push_back(ids[k]);
        }
      }
      if (joined.size() == ids.size())
        continue;
      for (size_t k = 0; k + 1 < ids.size(); ++k)
        delta[pairKey(ids[k], ids[k + 1])] -= freq[w];
      for (size_t k = 0; k + 1 < joined.size(); ++k) {
        uint64_t next = pairKey(joined[k], joined[k + 1]);
        delta[next] += freq[w];
        if (joined[k] == merged || joined[k + 1] == merged) {
          auto &list = pairWords[next];
          if (list.empty() || list.back() != w)
            list.push_back(w);
        }
      }
      ids = std::move(joined);
    }
    for (const auto &[changed, d] : delta) {
      if (d == 0)
        continue;
      int64_t &count = pairCount[changed];
      count += d;
      if (count > 0)
        queue.push({count, changed});
    }
  }
  t.trainSeconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return t;
}

std::vector<int32_t> BpeTokenizer::encodeWord(const std::string &word) const {
  if (auto it = cache_.find(word); it != cache_.end())
    return it->second;
  std::vector<int32_t> ids;
  for (const std::string &c : charactersOf(word)) {
    auto it = ids_.find(c);
    ids.push_back(it == ids_.end() ? kUnknownToken : it->second);
  }
  // The pair of lowest rank first, the leftmost on a tie.
  while (ids.size() > 1) {
    int32_t bestRank = INT32_MAX, merged = 0;
    size_t at = 0;
    for (size_t k = 0; k + 1 < ids.size(); ++k) {
      auto it = mergeOf_.find(pairKey(ids[k], ids[k + 1]));
      if (it != mergeOf_.end() && it->second.first < bestRank) {
        bestRank = it->second.first;
        merged = it->second.second;
        at = k;
      }
    }
    if (bestRank == INT32_MAX)
      break;
    ids[at] = merged;
    ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
  cache_.emplace(word, ids);
  return ids;
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  auto encodePlain = [&](std::string_view plain) {
    for (const std::string &w : words(plain)) {
      std::vector<int32_t> ids = encodeWord(w);
      out.insert(out.end(), ids.begin(), ids.end());
    }
  };
  // Special tokens written literally in the text are matched first, before
  // lower-casing, as the `tokenizers` library matches its added tokens.
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '[')
      continue;
    for (int32_t id = 0; id < 4; ++id) {
      std::string_view special = kSpecialPieces[id];
      if (text.substr(i, special.size()) == special) {
        encodePlain(text.substr(start, i - start));
        out.push_back(id);
        i += special.size() - 1;
        start = i + 1;
        break;
      }
    }
  }
  encodePlain(text.substr(start));
  return out;
}

std::string BpeTokenizer::toJson() const {
  using Json = nlohmann::ordered_json;
  Json added = Json::array();
  for (int32_t id = 0; id < 4; ++id)
    added.push_back({{"id", id},
                     {"content", kSpecialPieces[id]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  Json vocab = Json::object();
  for (size_t id = 0; id < pieces_.size(); ++id)
    vocab[pieces_[id]] = id;
  Json merges = Json::array();
  for (const auto &[left, right] : merges_)
    merges.push_back(pieces_[left] + " " + pieces_[right]);
  Json model = {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", kSpecialPieces[kUnknownToken]},
                {"continuing_subword_prefix", nullptr},
                {"end_of_word_suffix", nullptr},
                {"fuse_unk", false},
                {"byte_fallback", false},
                {"vocab", std::move(vocab)},
                {"merges", std::move(merges)}};
  Json file = {{"version", "1.0"},
               {"truncation", nullptr},
               {"padding", nullptr},
               {"added_tokens", std::move(added)},
               {"normalizer", lowercase_ ? Json{{"type", "Lowercase"}} : Json(nullptr)},
               {"pre_tokenizer", {{"type", "Whitespace"}}},
               {"post_processor", nullptr},
               {"decoder", nullptr},
               {"model", std::move(model)}};
  return file.dump(1) + "\n";
}

BpeTokenizer BpeTokenizer::fromJson(const std::string &text) {
  BpeTokenizer t;
  try {
    auto file = nlohmann::json::parse(text);
    const auto &model = file.at("model");
    if (model.at("type") != "BPE")
      throw Error{"tokenizer model is " + model.at("type").dump() + ", not BPE"};
    const auto &normalizer = file.at("normalizer");
    t.lowercase_ = !normalizer.is_null() && normalizer.at("type") == "Lowercase";
    const auto &vocab = model.at("vocab");
    t.pieces_.resize(vocab.size());
    for (const auto &[piece, id] : vocab.items()) {
      int64_t i = id.get<int64_t>();
      if (i < 0 || i >= static_cast<int64_t>(vocab.size()) || !t.pieces_[i].empty())
        throw Error{"tokenizer vocabulary ids are not 0..n-1"};
      t.pieces_[i] = piece;
      t.ids_[piece] = static_cast<int32_t>(i);
    }
    for (int32_t id = 0; id < 4; ++id)
      if (t.pieces_.size() <= static_cast<size_t>(id) || t.pieces_[id] != kSpecialPieces[id])
        throw Error{std::string("tokenizer does not have ") + kSpecialPieces[id] + " at id " +
                    std::to_string(id)};
    for (const auto &merge : model.at("merges")) {
      std::string left, right;
      if (merge.is_array()) {
        left = merge.at(0).get<std::string>();
        right = merge.at(1).get<std::string>();
      } else {
        std::string s = merge.get<std::string>();
        size_t space = s.find(' ');
        if (space == std::string::npos)
          throw Error{"tokenizer merge '" + s + "' is not two pieces"};
        left = s.substr(0, space);
        right = s.substr(space + 1);
      }
      auto l = t.ids_.find(left), r = t.ids_.find(right), m = t.ids_.find(left + right);
      if (l == t.ids_.end() || r == t.ids_.end() || m == t.ids_.end())
        throw Error{"tokenizer merge '" + left + " " + right + "' names a piece not in the vocabulary"};
      t.mergeOf_[pairKey(l->second, r->second)] = {static_cast<int32_t>(t.merges_.size()), m->second};
      t.merges_.push_back({l->second, r->second});
    }
  } catch (const nlohmann::json::exception &e) {
    throw Error{std::string("tokenizer file: ") + e.what()};
  }
  return t;
}
