//===- Checkpoint.cpp - a training run's state on disk --------------------===//

#include "Checkpoint.h"

#include "Safetensors.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

using namespace strata::runtime;

namespace {
const char *kFormat = "strata-checkpoint-1";
const char *kOptState = "optimizer.state";

/// mkdir -p
void createDirectories(const std::string &dir) {
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    std::string prefix = dir.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      throw CheckpointError{"cannot create checkpoint directory '" + prefix + "': " + std::strerror(errno)};
    if (slash == std::string::npos)
      return;
  }
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}
} // namespace

std::string strata::runtime::checkpointPath(const std::string &dir) {
  return dir + "/checkpoint.safetensors";
}

CheckpointInfo strata::runtime::checkpointInfo(const std::string &dir) {
  CheckpointInfo info;
  std::string path = checkpointPath(dir);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return info;
  std::map<std::string, std::string> metadata;
  try {
    metadata = readSafetensorsMetadata(path);
  } catch (const SafetensorsError &e) {
    throw CheckpointError{e.message};
  }
  info.present = true;
  info.model = metadata.count("model") ? metadata.at("model") : "";
  try {
    info.step = metadata.count("step") ? std::stoll(metadata.at("step")) : 0;
  } catch (const std::exception &) {
    throw CheckpointError{"'" + path + "' has a malformed step"};
  }
  return info;
}

void strata::runtime::saveCheckpoint(const std::string &dir, const std::string &model,
                                     const std::vector<ParamEntry> &layout,
                                     const TrainState &state) {
  createDirectories(dir);
  std::vector<Tensor> slices;
  slices.reserve(layout.size());
  size_t elementBytes = sizeOf(state.params.dtype());
  for (const ParamEntry &p : layout) {
    Tensor t(state.params.dtype(), p.shape);
    std::memcpy(t.data(), static_cast<const std::byte *>(state.params.data()) + p.offset * elementBytes,
                t.bytes());
    slices.push_back(std::move(t));
  }
  std::vector<std::pair<std::string, const Tensor *>> tensors;
  for (size_t i = 0; i < layout.size(); ++i)
    tensors.emplace_back(layout[i].name, &slices[i]);
  if (!state.optState.empty())
    tensors.emplace_back(kOptState, &state.optState);
  std::map<std::string, std::string> metadata = {{"format", kFormat},
                                                 {"model", model},
                                                 {"step", std::to_string(state.step)},
                                                 {"seed", std::to_string(state.seed)}};
  try {
    writeSafetensors(checkpointPath(dir), tensors, metadata);
  } catch (const SafetensorsError &e) {
    throw CheckpointError{e.message};
  }
}

namespace {

/// Copies each parameter of `layout` from `file` into the arena.
void copyParameters(const Safetensors &file, const std::string &path, const std::vector<ParamEntry> &layout,
                    Tensor &params) {
  size_t elementBytes = sizeOf(params.dtype());
  for (const ParamEntry &p : layout) {
    const Tensor *t = file.find(p.name);
    if (!t)
      throw CheckpointError{"'" + path + "' has no parameter '" + p.name + "'"};
    if (t->shape() != p.shape || t->dtype() != params.dtype())
      throw CheckpointError{"'" + path + "': parameter '" + p.name + "' is " + name(t->dtype()) +
                            shapeText(t->shape()) + ", the model expects " + name(params.dtype()) +
                            shapeText(p.shape)};
    std::memcpy(static_cast<std::byte *>(params.data()) + p.offset * elementBytes, t->data(), t->bytes());
  }
}

/// The file, its format errors as checkpoint errors.
Safetensors readParameterFile(const std::string &path) {
  try {
    return readSafetensors(path);
  } catch (const SafetensorsError &e) {
    throw CheckpointError{e.message};
  }
}

} // namespace

int64_t strata::runtime::loadParameters(const std::string &path, const std::vector<ParamEntry> &layout,
                                        Tensor &params) {
  Safetensors file = readParameterFile(path);
  std::string unknown;
  int64_t read = 0;
  for (const auto &entry : file.tensors) {
    if (entry.first == kOptState)
      continue;
    ++read;
    bool known = false;
    for (const ParamEntry &p : layout)
      known = known || p.name == entry.first;
    if (!known)
      unknown += (unknown.empty() ? "'" : ", '") + entry.first + "'";
  }
  if (!unknown.empty()) {
    std::string names;
    for (const ParamEntry &p : layout)
      names += (names.empty() ? "" : ", ") + p.name;
    throw CheckpointError{"'" + path + "' has tensors the model does not: " + unknown + " (its parameters: " +
                          names + ")"};
  }
  copyParameters(file, path, layout, params);
  return read;
}

void strata::runtime::loadSomeParameters(const std::string &path, const std::vector<ParamEntry> &subset,
                                         Tensor &params) {
  Safetensors file = readParameterFile(path);
  copyParameters(file, path, subset, params);
}

void strata::runtime::loadCheckpoint(const std::string &dir, const std::string &model,
                                     const std::vector<ParamEntry> &layout, TrainState &state) {
  std::string path = checkpointPath(dir);
  Safetensors file = readParameterFile(path);
  auto meta = [&](const std::string &key) {
    auto it = file.metadata.find(key);
    if (it == file.metadata.end())
      throw CheckpointError{"'" + path + "' is not a strata checkpoint (no '" + key + "' in its metadata)"};
    return it->second;
  };
  if (meta("format") != kFormat)
    throw CheckpointError{"'" + path + "' has format '" + meta("format") + "', expected '" + kFormat + "'"};
  if (meta("model") != model)
    throw CheckpointError{"'" + path + "' was trained for model '" + meta("model") + "', not '" + model + "'"};
  try {
    state.step = std::stoll(meta("step"));
    state.seed = std::stoull(meta("seed"));
  } catch (const std::exception &) {
    throw CheckpointError{"'" + path + "' has a malformed step or seed"};
  }
  copyParameters(file, path, layout, state.params);
  if (!state.optState.empty()) {
    const Tensor *t = file.find(kOptState);
    if (!t || t->numElements() != state.optState.numElements() ||
        t->dtype() != state.optState.dtype())
      throw CheckpointError{"'" + path + "' has no optimizer state of " +
                            std::to_string(state.optState.numElements()) +
                            " elements for this optimizer"};
    std::memcpy(state.optState.data(), t->data(), t->bytes());
  }
}

int64_t strata::runtime::loadPretrained(const std::string &path, const std::string &block,
                                        const std::vector<ParamEntry> &layout, Tensor &params) {
  std::vector<ParamEntry> subset;
  for (const ParamEntry &p : layout)
    if (!block.empty() && (p.name == block || p.name.rfind(block + ".", 0) == 0))
      subset.push_back(p);
  loadSomeParameters(path, subset, params);
  return static_cast<int64_t>(subset.size());
}
