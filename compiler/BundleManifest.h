//===- BundleManifest.h - a compiled GPU program as data ---------*- C++ -*-===//
#pragma once

#include "CompileOptions.h"
#include "Graph.h"
#include "ParamInit.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace strata::compiler {

/// manifest.json of a module at the GPU pipeline's ptx stage: the parameter
/// layout and, per function, its arguments and its host schedule (launches
/// and GEMMs with every buffer resolved to an argument and a static view).
/// `cubin`: the file holding the kernels assembled for `chip`, or empty when
/// the bundle has only PTX. `scheduleSteps`: the run length the learning-rate
/// schedule was compiled for (0 for a constant rate). Throws CompileError
/// when the host side is anything but such a schedule.
std::string bundleManifest(mlir::ModuleOp module, const frontend::Graph &graph, int64_t batch,
                           const std::string &chip, const std::string &cubin,
                           const std::vector<runtime::ParamEntry> &params, int64_t scheduleSteps);

} // namespace strata::compiler
