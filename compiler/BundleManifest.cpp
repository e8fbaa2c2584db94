//===- BundleManifest.cpp - a compiled GPU program as data ----------------===//
//
// After the GPU pipeline a function's host side is a fixed schedule (see
// strata-sink-scalars): views of its buffer arguments, kernel launches and
// cuBLASLt calls. The bundle records that schedule in manifest.json and the
// kernels in kernels.ptx, so a runtime without LLVM can run the step: resolve
// each buffer to (argument, byte offset, offset, sizes, strides), build each
// launch's parameters once, and replay.
//
// Every memref in the schedule has a static shape and a strided layout; its
// descriptor is the root argument, the bytes memref.view ops shifted it by,
// and the offset, sizes and strides of its own type. A kernel's memref
// parameter expands, in the NVVM calling convention, into (allocated pointer,
// aligned pointer, offset, sizes..., strides...); an index is an i64.
//
//===----------------------------------------------------------------------===//

#include "BundleManifest.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "SpecData.h"

#include <nlohmann/json.hpp>

using namespace strata;
using namespace strata::compiler;
using Json = nlohmann::ordered_json;

namespace {

const char *dtypeName(mlir::Type t) {
  if (t.isF32()) return "f32";
  if (t.isF64()) return "f64";
  if (t.isInteger(8)) return "i8";
  if (t.isInteger(32)) return "i32";
  if (t.isInteger(64)) return "i64";
  if (t.isIndex()) return "index";
  return nullptr;
}

/// Where a host memref value points: its root argument and the bytes views
/// shifted it by; nullopt for anything else (the schedule is then not data).
std::optional<std::pair<unsigned, int64_t>> rootOf(mlir::Value v) {
  int64_t bytes = 0;
  while (true) {
    if (auto arg = mlir::dyn_cast<mlir::BlockArgument>(v))
      return std::make_pair(arg.getArgNumber(), bytes);
    mlir::Operation *def = v.getDefiningOp();
    if (auto view = mlir::dyn_cast_or_null<mlir::memref::ViewOp>(def)) {
      llvm::APInt shift;
      if (!mlir::matchPattern(view.getByteShift(), mlir::m_ConstantInt(&shift)))
        return std::nullopt;
      bytes += shift.getSExtValue();
      v = view.getSource();
    } else if (mlir::isa_and_nonnull<mlir::memref::SubViewOp, mlir::memref::CastOp,
                                     mlir::memref::ExpandShapeOp, mlir::memref::CollapseShapeOp>(def)) {
      v = def->getOperand(0);
    } else {
      return std::nullopt;
    }
  }
}

/// The descriptor of a memref operand, through casts to dynamic layouts.
Json memrefJson(mlir::Value v, std::string &error) {
  // A cast to a dynamic layout (the GEMM calls take those) hides the static
  // one: describe its source.
  while (auto cast = v.getDefiningOp<mlir::memref::CastOp>())
    v = cast.getSource();
  auto type = mlir::cast<mlir::MemRefType>(v.getType());
  auto root = rootOf(v);
  int64_t offset;
  llvm::SmallVector<int64_t> strides;
  if (!root || !type.hasStaticShape() || mlir::failed(mlir::getStridesAndOffset(type, strides, offset)) ||
      mlir::ShapedType::isDynamic(offset) || llvm::any_of(strides, mlir::ShapedType::isDynamic)) {
    error = "a buffer of the schedule is not a static view of an argument";
    return nullptr;
  }
  // Kernels assume 16-byte-aligned bases (strata-assume-kernel-alignment).
  if (root->second % 16 != 0) {
    error = "a buffer of the schedule starts " + std::to_string(root->second) +
            " bytes into its argument, not a multiple of 16";
    return nullptr;
  }
  return {{"arg", root->first}, {"byte_offset", root->second}, {"offset", offset},
          {"sizes", type.getShape()}, {"strides", strides}, {"dtype", dtypeName(type.getElementType())}};
}

/// A scalar operand: a literal, or a function argument (seed, step).
Json scalarJson(mlir::Value v, std::string &error) {
  const char *type = dtypeName(v.getType());
  if (auto arg = mlir::dyn_cast<mlir::BlockArgument>(v))
    return {{"arg", arg.getArgNumber()}, {"type", type}};
  llvm::APInt i;
  llvm::APFloat f(0.0);
  if (mlir::matchPattern(v, mlir::m_ConstantInt(&i)))
    return {{"value", i.getSExtValue()}, {"type", type}};
  if (mlir::matchPattern(v, mlir::m_ConstantFloat(&f)))
    return {{"value", f.convertToDouble()}, {"type", type}};
  error = "a kernel argument is computed on the host";
  return nullptr;
}

Json operandJson(mlir::Value v, std::string &error) {
  if (mlir::isa<mlir::MemRefType>(v.getType()))
    return {{"memref", memrefJson(v, error)}};
  return {{"scalar", scalarJson(v, error)}};
}

int64_t constantIndex(mlir::Value v, std::string &error) {
  llvm::APInt i;
  if (!mlir::matchPattern(v, mlir::m_ConstantInt(&i))) {
    error = "a launch size is not a constant";
    return 0;
  }
  return i.getSExtValue();
}

Json launchJson(mlir::gpu::LaunchFuncOp launch, std::string &error) {
  Json args = Json::array();
  for (mlir::Value v : launch.getKernelOperands())
    args.push_back(operandJson(v, error));
  return {{"launch", launch.getKernelName().str()},
          {"grid", {constantIndex(launch.getGridSizeX(), error), constantIndex(launch.getGridSizeY(), error),
                    constantIndex(launch.getGridSizeZ(), error)}},
          {"block", {constantIndex(launch.getBlockSizeX(), error), constantIndex(launch.getBlockSizeY(), error),
                     constantIndex(launch.getBlockSizeZ(), error)}},
          {"args", args}};
}

/// A GEMM call: (A, B, C, ta, tb, accumulate), with a bias epilogue
/// (A, B, D, bias, ta, tb, relu), or with a bias gradient (A, B, C, bias
/// gradient, ta, tb, 0).
Json gemmJson(mlir::func::CallOp call, std::string &error) {
  auto flag = [&](unsigned i) { return constantIndex(call.getOperand(i), error) != 0; };
  bool withBias = call.getNumOperands() == 7;
  unsigned flags = withBias ? 4 : 3;
  Json j = {{"gemm", call.getCallee().str()},
            {"a", memrefJson(call.getOperand(0), error)},
            {"b", memrefJson(call.getOperand(1), error)},
            {"c", memrefJson(call.getOperand(2), error)},
            {"transpose_a", flag(flags)},
            {"transpose_b", flag(flags + 1)},
            {"accumulate", withBias ? false : flag(flags + 2)}};
  if (withBias) {
    j["bias"] = memrefJson(call.getOperand(3), error);
    if (call.getCallee().contains("_bgrad_"))
      j["epilogue"] = "bias_gradient";
    else
      j["epilogue"] = flag(6) ? "relu_bias" : "bias";
  }
  return j;
}

Json argsJson(mlir::func::FuncOp func) {
  Json args = Json::array();
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    Json a = {{"index", i}};
    mlir::DictionaryAttr attrs = func.getArgAttrDict(i);
    for (llvm::StringRef key : {"strata.arena", "strata.input", "strata.field", "strata.metric",
                                "strata.represent"})
      if (auto s = attrs ? attrs.getAs<mlir::StringAttr>(key) : nullptr)
        a[key.drop_front(7).str()] = s.str();
    for (llvm::StringRef key : {"strata.seed", "strata.step", "strata.loss"})
      if (attrs && attrs.get(key))
        a["role"] = key.drop_front(7).str();
    mlir::Type t = func.getArgumentTypes()[i];
    if (auto m = mlir::dyn_cast<mlir::MemRefType>(t)) {
      a["dtype"] = dtypeName(m.getElementType());
      a["shape"] = m.getShape();
    } else {
      a["dtype"] = dtypeName(t);
    }
    args.push_back(a);
  }
  return args;
}

/// The manifest with one line per parameter, argument and command, so a
/// schedule reads top to bottom and diffs line by line.
std::string layout(const Json &manifest) {
  auto list = [](const Json &items, const std::string &indent) {
    std::string out = "[\n";
    for (size_t i = 0; i < items.size(); ++i)
      out += indent + "  " + items[i].dump() + (i + 1 < items.size() ? ",\n" : "\n");
    return out + indent + "]";
  };
  std::string out = "{\n";
  for (auto it = manifest.begin(); it != manifest.end(); ++it) {
    out += "  \"" + it.key() + "\": ";
    if (it.key() == "params") {
      out += list(it.value(), "  ");
    } else if (it.key() == "functions") {
      out += "{\n";
      size_t n = 0;
      for (auto f = it.value().begin(); f != it.value().end(); ++f, ++n) {
        out += "    \"" + f.key() + "\": {\n      \"args\": " + list(f.value()["args"], "      ") +
               ",\n      \"schedule\": " + list(f.value()["schedule"], "      ") + "\n    }" +
               (n + 1 < it.value().size() ? ",\n" : "\n");
      }
      out += "  }";
    } else {
      out += it.value().dump();
    }
    out += std::next(it) != manifest.end() ? ",\n" : "\n";
  }
  return out + "}\n";
}

} // namespace

std::string strata::compiler::bundleManifest(mlir::ModuleOp module, const frontend::Graph &graph,
                                             int64_t batch, const std::string &chip,
                                             const std::string &cubin,
                                             const std::vector<runtime::ParamEntry> &params,
                                             int64_t scheduleSteps) {
  Json manifest;
  manifest["format"] = "strata-bundle-1";
  manifest["model"] = graph.model;
  runtime::DataSource data = trainingDataOf(graph);
  manifest["dataset"] = {{"name", data.name}, {"split", data.split}};
  if (data.seqLen > 0) // text: the rows' length and the tokenizer's vocabulary
    manifest["dataset"].update({{"seq_len", data.seqLen}, {"vocab", data.vocab}});
  if (data.window > 0) // words: the skip-gram pairs' recipe
    manifest["dataset"].update({{"vocab", data.vocab}, {"window", data.window},
                                {"negatives", data.negatives}, {"min_count", data.minCount},
                                {"subsample", data.subsample}, {"draws", data.draws}});
  if (data.labelled > 0) // the few labelled images, picked by the seed
    manifest["dataset"].update({{"labelled", data.labelled}});
  if (!graph.train.initPath.empty()) // parameters that start pretrained
    manifest["init"] = {{"params", graph.train.initParams}, {"path", graph.train.initPath},
                        {"frozen", graph.train.initFrozen}};
  manifest["seed"] = graph.train.seed;
  manifest["target"] = "cuda";
  manifest["chip"] = chip;
  manifest["batch"] = batch;
  // The schedule is compiled into the train step: a run of another length
  // follows this one's rates (strata-run says so).
  manifest["learning_rate"] = {{"schedule", graph.train.schedule},
                               {"total_steps", scheduleSteps}};
  manifest["kernels"] = "kernels.ptx";
  if (!cubin.empty())
    manifest["cubin"] = cubin;
  manifest["params"] = Json::array();
  for (const runtime::ParamEntry &p : params) {
    Json e = {{"name", p.name}, {"offset", p.offset}, {"shape", p.shape}, {"init", p.init}};
    if (p.scale)
      e["scale"] = *p.scale;
    manifest["params"].push_back(e);
  }
  manifest["functions"] = Json::object();
  std::string error;
  for (auto func : module.getOps<mlir::func::FuncOp>()) {
    if (func.isExternal())
      continue;
    Json schedule = Json::array();
    for (mlir::Operation &op : func.getBody().front()) {
      if (auto launch = mlir::dyn_cast<mlir::gpu::LaunchFuncOp>(op))
        schedule.push_back(launchJson(launch, error));
      else if (auto call = mlir::dyn_cast<mlir::func::CallOp>(op))
        schedule.push_back(gemmJson(call, error));
      else if (!mlir::isa<mlir::func::ReturnOp>(op) && !mlir::isMemoryEffectFree(&op))
        error = "@" + func.getName().str() + " does work on the host: " +
                op.getName().getStringRef().str();
      if (!error.empty())
        throw CompileError{"internal: cannot write the bundle: " + error};
    }
    manifest["functions"][func.getName().str()] = {{"args", argsJson(func)}, {"schedule", schedule}};
  }
  return layout(manifest);
}
