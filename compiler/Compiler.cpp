//===- Compiler.cpp - a spec to JIT-compiled CPU functions ----------------===//

#include "Compiler.h"
#include "SpecData.h"

#include "BufferCache.h"

#include "BundleManifest.h"
#include "CompileSupport.h"
#include "Cubin.h"
#include "Error.h"

#include "Blas.h"
#include "MLIRGen.h"
#include "Words.h"
#include "Pipelines.h"
#include "StrataDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "DataSources.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

using namespace strata;
using namespace strata::compiler;

struct Program::Impl {
  CompileContext compile;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  explicit Impl(mlir::DialectRegistry &registry) : compile(registry) {}
};

Program::Program() = default;
// The buffers its code kept for reuse go with it: another program (eval's
// forward at another batch) allocates other sizes.
Program::~Program() { runtime::releaseCachedBuffers(); }

namespace {

runtime::DType dtypeOf(mlir::Type t) {
  if (t.isF64()) return runtime::DType::F64;
  if (t.isInteger(32)) return runtime::DType::I32;
  if (t.isInteger(64)) return runtime::DType::I64;
  if (t.isInteger(8)) return runtime::DType::I8;
  return runtime::DType::F32;
}

runtime::ArgSpec specOf(mlir::Type type, mlir::DictionaryAttr attrs) {
  runtime::ArgSpec spec;
  if (auto memref = mlir::dyn_cast<mlir::MemRefType>(type)) {
    spec.dtype = dtypeOf(memref.getElementType());
    spec.shape.assign(memref.getShape().begin(), memref.getShape().end());
  } else {
    spec.isBuffer = false;
    spec.dtype = runtime::DType::I64;
  }
  if (!attrs)
    return spec;
  auto str = [&](llvm::StringRef key) {
    auto s = attrs.getAs<mlir::StringAttr>(key);
    return s ? s.str() : std::string();
  };
  if (attrs.get("strata.arena")) spec.role = str("strata.arena");
  else if (attrs.get("strata.input")) spec.role = "input:" + str("strata.input"), spec.field = str("strata.field");
  else if (attrs.get("strata.seed")) spec.role = "seed";
  else if (attrs.get("strata.step")) spec.role = "step";
  else if (attrs.get("strata.loss")) spec.role = "loss";
  else if (attrs.get("strata.metric")) spec.role = "metric:" + str("strata.metric");
  else if (attrs.get("strata.represent")) spec.role = "represent:" + str("strata.represent");
  return spec;
}


std::vector<runtime::ParamEntry> readLayout(mlir::ModuleOp module, int64_t &size) {
  std::vector<runtime::ParamEntry> layout;
  size = 0;
  auto entries = module->getAttrOfType<mlir::ArrayAttr>("strata.params");
  if (!entries)
    return layout;
  for (mlir::Attribute a : entries) {
    auto d = mlir::cast<mlir::DictionaryAttr>(a);
    runtime::ParamEntry e;
    e.name = d.getAs<mlir::StringAttr>("name").str();
    e.offset = d.getAs<mlir::IntegerAttr>("offset").getInt();
    auto shape = d.getAs<mlir::DenseI64ArrayAttr>("shape").asArrayRef();
    e.shape.assign(shape.begin(), shape.end());
    e.init = d.getAs<mlir::StringAttr>("init").str();
    if (auto s = d.getAs<mlir::FloatAttr>("scale"))
      e.scale = s.getValueAsDouble();
    size = std::max(size, e.offset + e.numElements());
    layout.push_back(e);
  }
  return layout;
}

/// The steps a decaying learning-rate schedule runs over when the caller
/// does not say (emit, compile, gradcheck): the spec's steps, or its epochs
/// of the training set at `batch`, which takes loading the data.
int64_t scheduleSteps(const frontend::Graph &graph, int64_t batch) {
  if (graph.train.schedule == "constant" || !graph.train.present)
    return 0;
  if (graph.train.steps > 0)
    return graph.train.steps;
  runtime::Dataset data = runtime::loadDataset(trainingDataOf(graph));
  return graph.train.epochs * std::max<int64_t>(data.size / std::max<int64_t>(batch, 1), 1);
}

/// The run length a train step's learning-rate schedule spans: the caller's,
/// or the spec's (0 for a constant rate).
int64_t scheduleStepsOf(const frontend::Graph &graph, const CompileOptions &options, int64_t batch) {
  return options.totalSteps > 0 ? options.totalSteps : scheduleSteps(graph, batch);
}

/// MLIRGen and the train pipeline: the module at stage `train`.
mlir::OwningOpRef<mlir::ModuleOp> buildTrainStage(mlir::MLIRContext &ctx, std::string &diagnostics,
                                                  const frontend::Graph &graph,
                                                  const CompileOptions &options) {
  frontend::MLIRGenOptions genOptions;
  genOptions.float64 = options.float64;
  mlir::OwningOpRef<mlir::ModuleOp> module = frontend::mlirGen(ctx, graph, genOptions);
  if (!module)
    throw CompileError{"internal: the generated module does not verify: " + diagnostics};
  mlir::strata::TrainPipelineOptions train;
  train.batch = options.batch > 0 ? options.batch : graph.train.batch;
  // Only a train step holds the optimizer update that the schedule shapes.
  train.totalSteps = options.mode != "train" ? options.totalSteps : scheduleStepsOf(graph, options, train.batch);
  train.mode = options.mode;
  runPipeline(*module, mlir::strata::trainPipeline(train), diagnostics);
  return module;
}

void lowerToLoops(mlir::ModuleOp module, std::string &diagnostics, const CompileOptions &options) {
  mlir::strata::CpuPipelineOptions cpu;
  cpu.blas = options.blas;
  cpu.stopAfter = mlir::strata::CpuStage::Loops;
  runPipeline(module, mlir::strata::cpuPipeline(cpu), diagnostics);
}

/// Marks every defined function for the C interface the runtime calls.
void emitCInterfaces(mlir::ModuleOp module) {
  for (auto func : module.getOps<mlir::func::FuncOp>())
    if (!func.isExternal())
      func->setAttr("llvm.emit_c_interface", mlir::UnitAttr::get(module.getContext()));
}

/// Marks every pointer argument of the lowered functions `noalias` (not of
/// their C wrappers, which take descriptors).
/// The runtime gives each buffer argument its own tensor (the arena, each
/// input, each output), so no two overlap; without the mark LLVM assumes a
/// store to one buffer may change any other, reloads a gather's index after
/// every store, keeps a reduction's partial sums in memory, and leaves such
/// loops scalar. (A memref's allocated and aligned pointers are both marked:
/// only the aligned one is read or written through.)
void markBuffersNoAlias(mlir::ModuleOp module) {
  for (auto func : module.getOps<mlir::LLVM::LLVMFuncOp>()) {
    if (func.isExternal() || func.getName().starts_with("_mlir_ciface_"))
      continue;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (mlir::isa<mlir::LLVM::LLVMPointerType>(func.getArgument(i).getType()))
        func.setArgAttr(i, mlir::LLVM::LLVMDialect::getNoAliasAttrName(),
                        mlir::UnitAttr::get(module.getContext()));
  }
}

/// Loops on memrefs to the LLVM dialect the JIT takes (and `emit --stage=llvm`
/// prints): C entry points, the lowering, the buffers marked noalias.
void lowerLoopsToLLVM(mlir::ModuleOp module, std::string &diagnostics) {
  emitCInterfaces(module);
  runPipeline(module, mlir::strata::cpuLoopsToLLVMPipeline(), diagnostics);
  markBuffersNoAlias(module);
}

} // namespace

namespace {

bool isGpuStage(Stage stage) {
  return stage == Stage::Fused || stage == Stage::Gpu || stage == Stage::NVVM || stage == Stage::PTX;
}

void lowerForGpu(mlir::ModuleOp module, std::string &diagnostics, const CompileOptions &options,
                 mlir::strata::GpuStage stage) {
  mlir::strata::GpuPipelineOptions gpu;
  gpu.chip = options.chip;
  gpu.libdevice = mlir::strata::findLibdevice();
  // A missing toolkit is the user's to fix (exit 1), not a compiler failure.
  if (gpu.libdevice.empty() && (stage == mlir::strata::GpuStage::NVVM || stage == mlir::strata::GpuStage::PTX))
    throw runtime::Error("GPU code needs libdevice.10.bc from the CUDA toolkit; none under "
                         "$CUDA_HOME, $CUDA_ROOT, $CUDA_PATH or /usr/local/cuda");
  gpu.stopAfter = stage;
  runPipeline(module, mlir::strata::gpuPipeline(gpu), diagnostics);
}

mlir::strata::GpuStage gpuStageOf(Stage stage) {
  switch (stage) {
  case Stage::Fused: return mlir::strata::GpuStage::Fused;
  case Stage::Gpu: return mlir::strata::GpuStage::Gpu;
  case Stage::NVVM: return mlir::strata::GpuStage::NVVM;
  default: return mlir::strata::GpuStage::PTX;
  }
}

} // namespace



namespace {

/// What each function of a module at stage gpu launches and holds.
std::vector<GpuFunctionReport> functionReports(mlir::ModuleOp module) {
  std::vector<GpuFunctionReport> reports;
  for (auto func : module.getOps<mlir::func::FuncOp>()) {
    if (func.isExternal())
      continue;
    GpuFunctionReport r;
    r.name = func.getName().str();
    func.walk([&](mlir::gpu::LaunchFuncOp) { ++r.kernels; });
    func.walk([&](mlir::func::CallOp call) {
      if (call.getCallee().starts_with("strata_cublaslt_"))
        ++r.libraryCalls;
    });
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      auto arena = func.getArgAttrOfType<mlir::StringAttr>(i, "strata.arena");
      auto type = mlir::dyn_cast<mlir::MemRefType>(func.getArgumentTypes()[i]);
      if (!arena || !type)
        continue;
      int64_t bytes = type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
      if (arena.getValue() == "params") r.paramsBytes = bytes;
      else if (arena.getValue() == "opt_state") r.optStateBytes = bytes;
      else if (arena.getValue() == "grads") r.gradsBytes = bytes;
    }
    auto attr = [&](llvm::StringRef name) {
      auto a = func->getAttrOfType<mlir::IntegerAttr>(name);
      return a ? a.getInt() : int64_t(0);
    };
    r.scratchBytes = attr("strata.scratch_bytes");
    r.unplannedBytes = attr("strata.unplanned_bytes");
    r.buffers = attr("strata.buffers");
    reports.push_back(r);
  }
  return reports;
}

/// The spec's program at stage gpu (kernels outlined, nothing run).
mlir::OwningOpRef<mlir::ModuleOp> buildGpuStage(CompileContext &cc, const frontend::Graph &graph,
                                                const CompileOptions &options) {
  auto module = buildTrainStage(cc.context, cc.diagnostics, graph, options);
  lowerForGpu(*module, cc.diagnostics, options, mlir::strata::GpuStage::Gpu);
  return module;
}

} // namespace

std::vector<GpuFunctionReport> strata::compiler::gpuReport(const frontend::Graph &graph,
                                                          const CompileOptions &options) {
  mlir::DialectRegistry registry = compilerRegistry();
  CompileContext cc(registry);
  return functionReports(*buildGpuStage(cc, graph, options));
}

strata::compiler::GpuCostReport strata::compiler::gpuCostReport(const frontend::Graph &graph,
                                                                const CompileOptions &options,
                                                                const ChipModel &chip) {
  mlir::DialectRegistry registry = compilerRegistry();
  CompileContext cc(registry);
  auto module = buildGpuStage(cc, graph, options);
  GpuCostReport report;
  report.functions = functionReports(*module);
  auto step = module->lookupSymbol<mlir::func::FuncOp>("train_step");
  if (!step)
    throw CompileError{"internal: no train_step in the GPU program"};
  report.trainStep = estimateStepCost(*module, step, chip);
  return report;
}

strata::compiler::CudaBundleText strata::compiler::compileCudaBundle(const frontend::Graph &graph,
                                                                      const CompileOptions &options) {
  mlir::DialectRegistry registry = compilerRegistry();
  CompileContext cc(registry);
  auto module = buildTrainStage(cc.context, cc.diagnostics, graph, options);
  int64_t arenaSize = 0;
  std::vector<runtime::ParamEntry> params = readLayout(*module, arenaSize);
  lowerForGpu(*module, cc.diagnostics, options, mlir::strata::GpuStage::PTX);
  int64_t batch = options.batch > 0 ? options.batch : graph.train.batch;
  CudaBundleText text;
  text.ptx = ptxOf(*module);
  // The cubin loads without the driver's JIT; where the toolkit is missing,
  // the PTX alone still runs.
  if (std::string ptxas = findPtxas(); !ptxas.empty()) {
    auto start = std::chrono::steady_clock::now();
    text.cubin = assembleCubin(text.ptx, options.chip, ptxas);
    if (passTimesReported())
      std::fprintf(stderr, "ptxas (%s): %.3f s\n", options.chip.c_str(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    text.cubinFile = "kernels." + options.chip + ".cubin";
  }
  int64_t horizon = graph.train.schedule == "constant" ? 0 : scheduleStepsOf(graph, options, batch);
  text.manifest = bundleManifest(*module, graph, batch, options.chip, text.cubinFile, params, horizon);
  return text;
}

std::string strata::compiler::writeCudaBundle(const frontend::Graph &graph, const CompileOptions &options,
                                       const std::string &dir) {
  CudaBundleText text = compileCudaBundle(graph, options);

  // Written next to DIR, then renamed over it: no partial bundle on failure.
  std::string temp = dir + ".tmp";
  std::error_code ec;
  std::filesystem::remove_all(temp, ec);
  if (!std::filesystem::create_directory(temp, ec))
    throw runtime::Error("cannot create '" + temp + "': " + (ec ? ec.message() : "it exists"));
  auto write = [&](const std::string &name, const std::string &text) {
    std::ofstream out(temp + "/" + name, std::ios::binary);
    return static_cast<bool>(out << text) && static_cast<bool>(out.flush());
  };
  bool ok = write("manifest.json", text.manifest) && write("kernels.ptx", text.ptx) &&
            (text.cubin.empty() || write(text.cubinFile, text.cubin));
  if (ok) {
    std::filesystem::remove_all(dir, ec);
    std::filesystem::rename(temp, dir, ec);
  }
  if (!ok || ec) {
    std::filesystem::remove_all(temp, ec);
    throw runtime::Error("cannot write the bundle '" + dir + "'");
  }
  return text.cubinFile;
}

std::string strata::compiler::emitStage(const frontend::Graph &graph, const CompileOptions &options,
                                        Stage stage, bool locations) {
  mlir::DialectRegistry registry = compilerRegistry();
  CompileContext cc(registry);
  auto module = buildTrainStage(cc.context, cc.diagnostics, graph, options);
  if (isGpuStage(stage)) {
    lowerForGpu(*module, cc.diagnostics, options, gpuStageOf(stage));
    if (stage == Stage::PTX)
      return ptxOf(*module);
  } else if (stage != Stage::Train) {
    lowerToLoops(*module, cc.diagnostics, options);
  }
  if (stage == Stage::LLVM)
    lowerLoopsToLLVM(*module, cc.diagnostics);
  std::string text;
  llvm::raw_string_ostream os(text);
  mlir::OpPrintingFlags flags;
  if (locations)
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  module->print(os, flags);
  os << "\n";
  return text;
}

std::unique_ptr<Program> Program::compile(const frontend::Graph &graph,
                                          const CompileOptions &options) {
  mlir::DialectRegistry registry = compilerRegistry();
  std::unique_ptr<Program> program(new Program());
  program->impl_ = std::make_unique<Impl>(registry);
  mlir::MLIRContext &ctx = program->impl_->compile.context;
  std::string &diagnostics = program->impl_->compile.diagnostics;

  auto start = std::chrono::steady_clock::now();
  auto module = buildTrainStage(ctx, diagnostics, graph, options);
  program->params_ = readLayout(*module, program->arenaSize_);
  if (options.emulateGpu)
    lowerForGpu(*module, diagnostics, options, mlir::strata::GpuStage::Tiled);
  else
    lowerToLoops(*module, diagnostics, options);

  // Signatures, read while arguments are still memrefs with their attributes.
  std::map<std::string, std::vector<runtime::ArgSpec>> signatures;
  for (auto func : module->getOps<mlir::func::FuncOp>()) {
    if (func.isExternal())
      continue;
    std::vector<runtime::ArgSpec> args;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      args.push_back(specOf(func.getArgumentTypes()[i], func.getArgAttrDict(i)));
    if (func.getNumResults() != 0)
      throw CompileError{"internal: @" + func.getName().str() + " still returns values after bufferization: " + [&] { std::string s; llvm::raw_string_ostream os(s); os << func.getFunctionType(); return s; }()};
    signatures[func.getName().str()] = args;
  }
  lowerLoopsToLLVM(*module, diagnostics);
  auto lowered = std::chrono::steady_clock::now();
  program->passSeconds_ = std::chrono::duration<double>(lowered - start).count();

  // The host's own target machine, for LLVM's optimizer too: without it the
  // loop and SLP vectorizers see no vector registers and leave every
  // elementwise loop scalar. (Without fast-math flags they never reorder a
  // floating-point reduction, so results stay bit-for-bit the same.) O2, not
  // O3: on bert-mini O3 took compile from 6.3 s to 17.6 s for a 6% faster
  // step over O2 (11.1 s); ae-mlp compiles in 0.5 s either way.
  auto host = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!host)
    throw CompileError{"internal: cannot describe the host CPU: " + llvm::toString(host.takeError())};
  host->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto machine = host->createTargetMachine();
  if (!machine)
    throw CompileError{"internal: no target machine for the host: " + llvm::toString(machine.takeError())};
  mlir::ExecutionEngineOptions engineOptions;
  auto transformer = mlir::makeOptimizingTransformer(2, 0, machine->get());
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine = mlir::ExecutionEngine::create(*module, engineOptions, std::move(*machine));
  if (!engine)
    throw CompileError{"internal: JIT failed: " + llvm::toString(engine.takeError())};
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    for (auto [name, address] : runtime::blasSymbols())
      map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                             llvm::JITSymbolFlags::Exported};
    return map;
  });
  program->impl_->engine = std::move(*engine);
  for (auto &[name, args] : signatures) {
    auto entry = program->impl_->engine->lookupPacked("_mlir_ciface_" + name);
    if (!entry)
      throw CompileError{"internal: no entry point for @" + name + ": " + llvm::toString(entry.takeError())};
    program->functions_[name] = runtime::Function(name, *entry, args);
  }
  program->codegenSeconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - lowered).count();
  return program;
}

const runtime::Function &Program::function(const std::string &name) const {
  auto it = functions_.find(name);
  if (it == functions_.end())
    throw CompileError{"internal: no compiled function @" + name};
  return it->second;
}
