//===- Checkpoint.h - a training run's state on disk -------------*- C++ -*-===//
//
// DIR/checkpoint.safetensors holds every parameter as its own tensor under its
// layout name (so torch / safetensors users can load it), the optimizer state
// as one flat tensor, and in the metadata the model, the seed and the number
// of steps taken. That is the whole state of a run: the data order and every
// random draw are functions of (seed, step), so --resume continues bit for bit.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Error.h"
#include "Function.h"
#include "ParamInit.h"

#include <string>
#include <vector>

namespace strata::runtime {

struct CheckpointError : Error {
  using Error::Error;
};

struct TrainState {
  Tensor params;   // the flat arena
  Tensor optState; // empty() when only the parameters matter
  int64_t step = 0;
  uint64_t seed = 0;
};

std::string checkpointPath(const std::string &dir);
/// What DIR's checkpoint says of its run, from its header alone; present
/// is false when DIR holds no checkpoint file.
struct CheckpointInfo {
  bool present = false;
  std::string model;
  int64_t step = 0;
};
CheckpointInfo checkpointInfo(const std::string &dir);

/// Writes the state atomically; creates `dir` (and its parents) when missing.
void saveCheckpoint(const std::string &dir, const std::string &model,
                    const std::vector<ParamEntry> &layout, const TrainState &state);

/// Reads DIR/checkpoint.safetensors into `state`, whose params (and optState,
/// when not empty) are already sized for this model; throws CheckpointError
/// when the file is missing or belongs to another model or layout.
void loadCheckpoint(const std::string &dir, const std::string &model,
                    const std::vector<ParamEntry> &layout, TrainState &state);

/// Fills the arena `params` from any .safetensors file (one written by
/// PyTorch, or a checkpoint) by parameter name: every parameter of `layout`
/// must be there as f32 of its shape; names the model does not have (other
/// than a checkpoint's optimizer state) are an error, as in PyTorch's strict
/// load_state_dict. Returns how many tensors were read.
int64_t loadParameters(const std::string &path, const std::vector<ParamEntry> &layout, Tensor &params);

/// Fills the parameters of `subset` (entries of the arena's layout) from a
/// .safetensors file by name; other tensors in the file are ignored (a
/// pretrained model's head). Each must be there as f32 of its shape.
void loadSomeParameters(const std::string &path, const std::vector<ParamEntry> &subset, Tensor &params);
/// A spec's `init pretrained(path, params: block)`: the parameters of
/// `block` (named "block" or "block.*" in `layout`) from the .safetensors
/// file `path`; returns how many tensors were read.
int64_t loadPretrained(const std::string &path, const std::string &block, const std::vector<ParamEntry> &layout,
                       Tensor &params);

} // namespace strata::runtime
