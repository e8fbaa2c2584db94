//===- TrainStep.cpp - a spec's train step compiled for a target ----------===//

#include "TrainStep.h"

#include "ModelAccess.h"

#ifdef STRATA_HAVE_CUDA
#include "CudaStepRunner.h"
#include "Driver.h"
#endif

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

TrainState CompiledTrainStep::freshState(uint64_t seed) const {
  return runtime::freshState(layout, arenaElements, optState, seed);
}

namespace {

#ifdef STRATA_HAVE_CUDA
CompiledTrainStep compileForGpu(const Options &options, const frontend::Graph &graph,
                                compiler::CompileOptions compileOptions) {
  if (options.has("--matmul"))
    throw UsageError{"--matmul is not supported by the cuda target (its GEMMs are cuBLASLt calls)"};
  std::string why;
  if (!cudaDeviceAvailable(why))
    throw UsageError{"--target=cuda: " + why + "; use --target=cpu"};
  compileOptions.emulateGpu = false;
  compileOptions.chip = chipFlag(options);
  compiler::CudaBundleText text;
  try {
    text = compiler::compileCudaBundle(graph, compileOptions);
  } catch (const compiler::CompileError &e) {
    throw InternalError{e.message};
  }
  CompiledTrainStep step;
  step.bundle = std::make_unique<Bundle>(
      parseBundle(text.manifest, text.ptx, text.cubin, "the GPU program of '" + graph.model + "'"));
  step.layout = step.bundle->params;
  step.arenaElements = step.bundle->arenaSize();
  step.optState = optStateOf(*step.bundle);
  step.runner = std::make_unique<CudaStepRunner>(*step.bundle);
  return step;
}
#endif

} // namespace

CompiledTrainStep strata::tools::compileTrainStep(const Options &options, const frontend::Graph &graph,
                                                  const std::string &target, compiler::CompileOptions compileOptions) {
#ifdef STRATA_HAVE_CUDA
  if (target == "cuda")
    return compileForGpu(options, graph, compileOptions);
#endif
  compileOptions.blas = blasFlag(options);
  compileOptions.emulateGpu = target == "cuda-emulated";
  CompiledTrainStep step;
  step.program = compileOrThrow(graph, compileOptions);
  const Function &trainStep = step.program->function("train_step");
  step.layout = step.program->params();
  step.arenaElements = step.program->arenaSize();
  int optState = trainStep.find("opt_state");
  step.optState = optState >= 0 ? &trainStep.args()[optState] : nullptr;
  step.forward = &step.program->function("forward");
  step.runner = std::make_unique<JitStepRunner>(trainStep, target);
  return step;
}
