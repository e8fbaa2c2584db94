//===- Bundle.cpp - reading a compiled GPU program ------------------------===//

#include "Bundle.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <sstream>

using namespace strata::runtime;
using Json = nlohmann::json;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw BundleError("cannot open '" + path + "' (write a bundle with `strata compile --target=cuda -o DIR`)");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

DType dtypeOf(const std::string &name, const std::string &where) {
  if (name == "f32") return DType::F32;
  if (name == "f64") return DType::F64;
  if (name == "i32") return DType::I32;
  if (name == "i64") return DType::I64;
  if (name == "i8") return DType::I8;
  throw BundleError(where + ": unknown dtype '" + name + "'");
}

BufferView viewOf(const Json &j, const std::string &where) {
  BufferView v;
  v.arg = j.at("arg").get<int>();
  v.byteOffset = j.at("byte_offset").get<int64_t>();
  v.offset = j.at("offset").get<int64_t>();
  v.sizes = j.at("sizes").get<std::vector<int64_t>>();
  v.strides = j.at("strides").get<std::vector<int64_t>>();
  v.dtype = dtypeOf(j.at("dtype").get<std::string>(), where);
  if (v.sizes.size() != v.strides.size())
    throw BundleError(where + ": a view's sizes and strides differ in rank");
  return v;
}

ArgSpec argOf(const Json &j, const std::string &where) {
  ArgSpec a;
  std::string dtype = j.at("dtype").get<std::string>();
  a.isBuffer = j.contains("shape");
  a.dtype = a.isBuffer ? dtypeOf(dtype, where) : DType::I64;
  if (a.isBuffer)
    a.shape = j.at("shape").get<std::vector<int64_t>>();
  if (j.contains("arena")) a.role = j["arena"].get<std::string>();
  else if (j.contains("input")) a.role = "input:" + j["input"].get<std::string>(), a.field = j.value("field", "");
  else if (j.contains("metric")) a.role = "metric:" + j["metric"].get<std::string>();
  else if (j.contains("represent")) a.role = "represent:" + j["represent"].get<std::string>();
  else if (j.contains("role")) a.role = j["role"].get<std::string>();
  return a;
}

Command commandOf(const Json &j, const std::string &where) {
  Command c;
  if (j.contains("launch")) {
    c.isLaunch = true;
    c.launch.kernel = j["launch"].get<std::string>();
    for (int d = 0; d < 3; ++d) {
      c.launch.grid[d] = j.at("grid").at(d).get<int64_t>();
      c.launch.block[d] = j.at("block").at(d).get<int64_t>();
    }
    for (const Json &a : j.at("args")) {
      KernelOperand op;
      op.isBuffer = a.contains("memref");
      if (op.isBuffer) {
        op.buffer = viewOf(a["memref"], where);
      } else {
        const Json &s = a.at("scalar");
        op.scalar.type = s.at("type").get<std::string>();
        if (s.contains("arg"))
          op.scalar.arg = s["arg"].get<int>();
        else
          op.scalar.value = s.at("value").get<double>();
      }
      c.launch.args.push_back(op);
    }
    return c;
  }
  if (j.contains("gemm")) {
    c.isLaunch = false;
    c.gemm.a = viewOf(j.at("a"), where);
    c.gemm.b = viewOf(j.at("b"), where);
    c.gemm.c = viewOf(j.at("c"), where);
    c.gemm.transposeA = j.at("transpose_a").get<bool>();
    c.gemm.transposeB = j.at("transpose_b").get<bool>();
    c.gemm.accumulate = j.at("accumulate").get<bool>();
    if (j.contains("epilogue")) {
      std::string e = j["epilogue"].get<std::string>();
      if (e == "bias")
        c.gemm.epilogue = Epilogue::Bias;
      else if (e == "relu_bias")
        c.gemm.epilogue = Epilogue::ReluBias;
      else if (e == "bias_gradient")
        c.gemm.epilogue = Epilogue::BiasGradient;
      else
        throw BundleError(where + ": unknown GEMM epilogue '" + e + "'");
      if (c.gemm.epilogue == Epilogue::BiasGradient && (!c.gemm.transposeA || c.gemm.transposeB))
        throw BundleError(where + ": a bias-gradient GEMM must be C = A^T B");
      c.gemm.bias = viewOf(j.at("bias"), where);
      if (c.gemm.accumulate)
        throw BundleError(where + ": a GEMM with an epilogue cannot accumulate");
    }
    return c;
  }
  throw BundleError(where + ": a schedule entry is neither a launch nor a gemm");
}

} // namespace

int64_t Bundle::arenaSize() const {
  int64_t size = 0;
  for (const ParamEntry &p : params)
    size = std::max(size, p.offset + p.numElements());
  return size;
}

namespace {

/// The manifest's JSON, checked to be a bundle manifest; `path` names it.
Json manifestJson(const std::string &text, const std::string &path) {
  Json manifest = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object())
    throw BundleError("'" + path + "' is not JSON");
  if (manifest.value("format", "") != "strata-bundle-1")
    throw BundleError("'" + path + "' is not a strata bundle manifest (format strata-bundle-1)");
  return manifest;
}

/// Everything of a bundle but its PTX.
Bundle bundleOf(const Json &manifest, const std::string &path) {
  Bundle b;
  try {
    b.model = manifest.at("model").get<std::string>();
    b.chip = manifest.at("chip").get<std::string>();
    b.batch = manifest.at("batch").get<int64_t>();
    const Json &data = manifest.at("dataset");
    b.data.name = data.at("name").get<std::string>();
    b.data.split = data.at("split").get<std::string>();
    b.data.seqLen = data.value("seq_len", int64_t(0));
    b.data.vocab = data.value("vocab", int64_t(0));
    b.data.window = data.value("window", int64_t(0));
    b.data.negatives = data.value("negatives", int64_t(0));
    b.data.minCount = data.value("min_count", int64_t(0));
    b.data.subsample = data.value("subsample", 0.0);
    b.data.draws = data.value("draws", int64_t(1));
    b.seed = manifest.at("seed").get<uint64_t>();
    if (manifest.contains("learning_rate")) {
      b.schedule = manifest.at("learning_rate").at("schedule").get<std::string>();
      b.scheduleSteps = manifest.at("learning_rate").at("total_steps").get<int64_t>();
    }
    b.data.labelled = data.value("labelled", int64_t(0));
    b.data.seed = b.seed;
    if (manifest.contains("init")) {
      b.initParams = manifest.at("init").at("params").get<std::string>();
      b.initPath = manifest.at("init").at("path").get<std::string>();
    }
    for (const Json &p : manifest.at("params")) {
      ParamEntry e;
      e.name = p.at("name").get<std::string>();
      e.offset = p.at("offset").get<int64_t>();
      e.shape = p.at("shape").get<std::vector<int64_t>>();
      e.init = p.at("init").get<std::string>();
      if (p.contains("scale"))
        e.scale = p["scale"].get<double>();
      b.params.push_back(e);
    }
    for (const auto &[name, f] : manifest.at("functions").items()) {
      BundleFunction fn;
      std::string where = path + ": @" + name;
      for (const Json &a : f.at("args"))
        fn.args.push_back(argOf(a, where));
      for (const Json &c : f.at("schedule"))
        fn.schedule.push_back(commandOf(c, where));
      b.functions[name] = std::move(fn);
    }
  } catch (const Json::exception &e) {
    throw BundleError("'" + path + "' is malformed: " + e.what());
  }
  return b;
}

} // namespace

Bundle strata::runtime::readBundle(const std::string &dir) {
  std::string path = dir + "/manifest.json";
  Json manifest = manifestJson(readFile(path), path);
  Bundle b = bundleOf(manifest, path);
  b.dir = dir;
  try {
    b.ptx = readFile(dir + "/" + manifest.at("kernels").get<std::string>());
    if (manifest.contains("cubin"))
      b.cubin = readFile(dir + "/" + manifest.at("cubin").get<std::string>());
  } catch (const Json::exception &e) {
    throw BundleError("'" + path + "' is malformed: " + e.what());
  }
  return b;
}

Bundle strata::runtime::parseBundle(const std::string &manifest, const std::string &ptx,
                                    const std::string &cubin, const std::string &where) {
  Bundle b = bundleOf(manifestJson(manifest, where), where);
  b.ptx = ptx;
  b.cubin = cubin;
  return b;
}

PackedParams strata::runtime::packLaunch(const LaunchCommand &launch,
                                         const std::vector<uint64_t> &addresses,
                                         const std::vector<int64_t> &scalars) {
  PackedParams p;
  auto slot = [&](uint64_t bits) { p.storage.push_back(bits); };
  for (const KernelOperand &op : launch.args) {
    if (op.isBuffer) {
      const BufferView &v = op.buffer;
      if (v.arg < 0 || static_cast<size_t>(v.arg) >= addresses.size())
        throw BundleError("launch of " + launch.kernel + " refers to argument " + std::to_string(v.arg));
      uint64_t base = addresses[v.arg] + static_cast<uint64_t>(v.byteOffset);
      slot(base); // allocated
      slot(base); // aligned
      slot(static_cast<uint64_t>(v.offset));
      for (int64_t s : v.sizes)
        slot(static_cast<uint64_t>(s));
      for (int64_t s : v.strides)
        slot(static_cast<uint64_t>(s));
      continue;
    }
    const ScalarOperand &s = op.scalar;
    double value = s.arg >= 0 ? static_cast<double>(scalars.at(s.arg)) : s.value;
    uint64_t bits = 0;
    if (s.type == "f32") {
      float f = static_cast<float>(value);
      std::memcpy(&bits, &f, sizeof f);
    } else if (s.type == "f64") {
      std::memcpy(&bits, &value, sizeof value);
    } else if (s.type == "i32") {
      int32_t i = static_cast<int32_t>(value);
      std::memcpy(&bits, &i, sizeof i);
    } else if (s.type == "i64" || s.type == "index") {
      // Integers from arguments come exactly from `scalars`, not via double.
      int64_t i = s.arg >= 0 ? scalars.at(s.arg) : static_cast<int64_t>(value);
      std::memcpy(&bits, &i, sizeof i);
    } else {
      throw BundleError("launch of " + launch.kernel + " has a scalar of type '" + s.type + "'");
    }
    slot(bits);
  }
  for (uint64_t &bits : p.storage)
    p.pointers.push_back(&bits);
  return p;
}
