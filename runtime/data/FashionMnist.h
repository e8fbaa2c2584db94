//===- FashionMnist.h - Fashion-MNIST and its captions ----------*- C++ -*-===//
//
// Fashion-MNIST from Debian's dataset-fashion-mnist (gzipped IDX files), and
// fashion_mnist_captions: each image with a caption of its class, tokenized.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Dataset.h"

#include <string>
#include <vector>

namespace strata::runtime {

/// Where Debian's dataset-fashion-mnist puts the gzipped IDX files; the
/// environment variable STRATA_FASHION_MNIST overrides it.
std::string fashionMnistDirectory();

/// Fashion-MNIST's "train" (60,000) or "test" (10,000) split: "image" as f32
/// [N, 784] scaled to [0, 1], "label" as i32 [N].
Dataset loadFashionMnist(const std::string &split);

/// Fashion-MNIST's class names as captions spell them ("t-shirt", ...).
const std::vector<std::string> &fashionMnistClassNames();

/// The caption templates of fashion_mnist_captions, "{a}" standing for the
/// article and "{c}" for the class name: the ones training draws from, or the
/// held-out ones, never seen in training, for zero-shot classification.
const std::vector<std::string> &captionTemplates(bool heldOut);

/// A template filled in for class `label` ("a photo of an ankle boot.").
std::string captionOf(const std::string &templ, int label);

/// Fashion-MNIST with a caption of each image's class: "image", "label", and
/// "caption" as i32 [N, seqLen] token ids padded with [PAD], from a template
/// picked per image by its index. The tokenizer is trained (lower-cased) on
/// every caption the training templates make.
Dataset loadFashionMnistCaptions(const std::string &split, int64_t seqLen, int64_t vocab);

/// Rows of `captioned`'s fields holding `texts` as captions, tokenized by its
/// tokenizer, with `labels`; every other field (the image) is zeros. For
/// embedding captions through a caption tower.
Dataset captionRows(const Dataset &captioned, const std::vector<std::string> &texts,
                    const std::vector<int> &labels);

} // namespace strata::runtime
