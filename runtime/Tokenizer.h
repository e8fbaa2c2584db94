//===- Tokenizer.h - byte-pair encoding trained on a corpus -------*- C++ -*-===//
//
// A BPE tokenizer with the semantics of Hugging Face `tokenizers`' BPE model
// behind its Whitespace pre-tokenizer, so the file it writes loads there and
// tokenizes identically:
//   - text is (optionally) lower-cased, then split into words: runs of word
//     characters [A-Za-z0-9_] (and any non-ASCII character) and runs of other
//     non-space characters;
//   - a word starts as its characters; merges join adjacent pieces, always the
//     pair of lowest rank first, the leftmost on a tie;
//   - a character outside the alphabet becomes [UNK].
// Training counts the words of the corpus and repeatedly merges the most
// frequent adjacent pair (ties: the pair of smaller ids) until the vocabulary
// has the size asked for or no pair is left. The alphabet is every printable
// ASCII character plus every character of the corpus, so unseen English words
// still tokenize, in pieces. Training is deterministic: the same corpus and
// size give the same file.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Error.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace strata::runtime {

/// The special tokens, with the ids the specs rely on.
enum SpecialToken : int32_t { kPadToken = 0, kMaskToken = 1, kStartToken = 2, kUnknownToken = 3 };

class BpeTokenizer {
public:
  /// Learns merges from `texts` until the vocabulary (special tokens
  /// included) has `vocabSize` entries or no pair of pieces is left.
  static BpeTokenizer train(const std::vector<std::string> &texts, int64_t vocabSize,
                            bool lowercase);
  /// Reads a file in the Hugging Face `tokenizers` JSON form this class writes.
  static BpeTokenizer fromJson(const std::string &text);

  /// The Hugging Face `tokenizers` JSON form (tokenizer.json).
  std::string toJson() const;

  std::vector<int32_t> encode(std::string_view text) const;
  int64_t vocabSize() const { return static_cast<int64_t>(pieces_.size()); }
  int64_t mergeCount() const { return static_cast<int64_t>(merges_.size()); }
  /// Wall seconds train() took (0 for a tokenizer read from a file).
  double trainSeconds() const { return trainSeconds_; }
  const std::string &piece(int32_t id) const { return pieces_.at(id); }
  bool lowercase() const { return lowercase_; }

  /// The words of `text` as the pre-tokenizer splits them (after lower-casing
  /// when the tokenizer does).
  std::vector<std::string> words(std::string_view text) const;

private:
  int32_t addPiece(const std::string &piece);
  void addMerge(int32_t left, int32_t right);
  std::vector<int32_t> encodeWord(const std::string &word) const;

  bool lowercase_ = false;
  double trainSeconds_ = 0;
  std::vector<std::string> pieces_; // id -> text
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::pair<int32_t, int32_t>> merges_; // in rank order
  /// (left << 32 | right) -> (rank, merged id)
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> mergeOf_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

} // namespace strata::runtime
