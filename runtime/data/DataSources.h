//===- DataSources.h - a data set by its name -------------------*- C++ -*-===//
//
// The one place that knows every built-in data set: a spec's `data` line
// (DataSource) to its loader (FashionMnist.h, Kjv.h, Words.h).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Dataset.h"

namespace strata::runtime {

/// Loads the data set a spec names.
Dataset loadDataset(const DataSource &source);

} // namespace strata::runtime
