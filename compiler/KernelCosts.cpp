//===- KernelCosts.cpp - a roofline of each launch of a GPU step ----------===//
//
// For a kernel launch, read off the outlined gpu.func:
//   1. threads: grid x block, both constants at stage gpu;
//   2. per thread, the element loads and stores (vector accesses count their
//      lanes) and the float ops, each weighted by the trip counts of the loops
//      around it (a strided loop `tid to R step T` runs R / T times; a bound
//      read from memory counts once and is flagged) and by 1 / block for a
//      branch taken by thread 0 only;
//   3. bytes: per kernel argument, its accesses over all threads, but never
//      more than the buffer itself (what is read again comes from cache).
// Its time is a launch plus the largest of
//   bytes / HBM bandwidth,  FLOPs / fp32 peak,
//   accesses / (busy SMs x min(an SM's access rate, its threads x one thread's)).
// The last term is what a GPU profile showed: a kernel of one thread, or of
// one block, is bound by how fast few threads can issue dependent accesses,
// not by bandwidth. A cuBLASLt GEMM costs 2 m n k FLOPs at a calibrated share
// of the fp32 peak, or its operands' bytes, whichever is longer.
//
// The figures for sm_90 (H100 SXM / H200): 132 SMs and 67 TFLOP/s fp32
// (NVIDIA's H100 and H200 datasheets), 4.8 TB/s HBM3e (H200 datasheet).
// Calibrated against ../shared/GPU-BASELINE.md (an H200, commit bbf91e5),
// whose ncu times (each kernel alone at a locked base clock) add up to 180 ms
// for a step measured at 131.8 ms: they are scaled by 0.73 here.
//   - one thread: bert-mini-mlm's serial scatter-add, 8192 x 256 iterations of
//     two loads and a store, 130.6 ms under ncu: 1 / 14.7 ns per access;
//   - one busy SM: the one-block cross-entropy reductions, 336M and 67M
//     accesses in 29.3 and 7.8 ms under ncu (11.5 and 8.6 a ns), and
//     simclr-mlp's one-block gradient norm, 2M in 0.24 ms (8.4 a ns): about
//     12 accesses a ns at the step's clock;
//   - GEMMs: bert-mini-mlm's 99 calls, 266 GFLOP in about 8.9 ms under ncu:
//     0.6 of the fp32 peak at the step's clock (cutlass SIMT, split-K);
//   - a graph node: 2 us, from the MLP steps (25 to 37 launches in 0.29-0.66
//     ms, most of it launches).
// sm_80 (A100 SXM 80 GB): 108 SMs, 19.5 TFLOP/s, 2.04 TB/s, the per-thread
// and per-SM rates scaled by clock (1.41 against 1.98 GHz); not calibrated
// on a device.
//
//===----------------------------------------------------------------------===//

#include "KernelCosts.h"

#include "BufferViews.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace strata::compiler;

namespace {

const ChipModel kChips[] = {
    {"sm_90", "H100/H200", 132, 4.8e12, 67e12, 0.6, 2.0e-6, 12e9, 6.8e7},
    {"sm_80", "A100", 108, 2.04e12, 19.5e12, 0.6, 2.5e-6, 8.5e9, 4.8e7},
};

int64_t constantOr(mlir::Value v, int64_t fallback) {
  std::optional<int64_t> c = mlir::getConstantIntValue(v);
  return c ? *c : fallback;
}

int64_t bytesOf(mlir::MemRefType type) {
  return type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
}

/// The gpu.func argument a memref inside a kernel views, or -1.
int rootArgument(mlir::Value v) {
  auto arg = mlir::dyn_cast<mlir::BlockArgument>(mlir::strata::rootOf(v));
  return arg && mlir::isa<mlir::gpu::GPUFuncOp>(arg.getOwner()->getParentOp()) ? static_cast<int>(arg.getArgNumber())
                                                                               : -1;
}

bool readsThreadId(mlir::Value v) {
  mlir::Operation *def = v.getDefiningOp();
  return def && mlir::isa<mlir::gpu::ThreadIdOp>(def);
}

/// Per-thread work of a kernel body.
struct KernelWork {
  std::map<int, double> loads, stores; // element accesses per argument
  double accesses = 0;                 // load and store instructions' elements
  double flops = 0;
  bool dataDependentLoops = false;
  int64_t blockThreads = 1;

  void visit(mlir::Block &block, double weight) {
    for (mlir::Operation &op : block)
      visit(op, weight);
  }

  void visit(mlir::Operation &op, double weight) {
    if (auto loop = mlir::dyn_cast<mlir::scf::ForOp>(op)) {
      visit(*loop.getBody(), weight * tripCount(loop));
      return;
    }
    if (auto branch = mlir::dyn_cast<mlir::scf::IfOp>(op)) {
      // A branch only thread 0 takes (a reduction's final store) runs once a block.
      double taken = byThreadZero(branch.getCondition()) ? 1.0 / static_cast<double>(blockThreads) : 1.0;
      visit(branch.getThenRegion().front(), weight * taken);
      return;
    }
    if (auto load = mlir::dyn_cast<mlir::memref::LoadOp>(op))
      return access(loads, load.getMemRef(), 1, weight);
    if (auto store = mlir::dyn_cast<mlir::memref::StoreOp>(op))
      return access(stores, store.getMemRef(), 1, weight);
    if (auto load = mlir::dyn_cast<mlir::vector::LoadOp>(op))
      return access(loads, load.getBase(), load.getVectorType().getNumElements(), weight);
    if (auto store = mlir::dyn_cast<mlir::vector::StoreOp>(op))
      return access(stores, store.getBase(), store.getVectorType().getNumElements(), weight);
    if (auto read = mlir::dyn_cast<mlir::vector::TransferReadOp>(op))
      return access(loads, read.getSource(), read.getVectorType().getNumElements(), weight);
    if (auto write = mlir::dyn_cast<mlir::vector::TransferWriteOp>(op))
      return access(stores, write.getSource(), write.getVectorType().getNumElements(), weight);
    if (mlir::isa<mlir::gpu::AllReduceOp>(op)) // warp shuffles and a shared-memory pass
      flops += weight * 2 * std::log2(static_cast<double>(std::max<int64_t>(blockThreads, 2)));
    else if (isFloatOp(op))
      flops += weight * lanes(op.getResult(0).getType());
    for (mlir::Region &region : op.getRegions())
      for (mlir::Block &b : region)
        visit(b, weight);
  }

  double tripCount(mlir::scf::ForOp loop) {
    int64_t step = constantOr(loop.getStep(), 0), upper = constantOr(loop.getUpperBound(), -1);
    if (step <= 0 || upper < 0) {
      dataDependentLoops = true;
      return 1;
    }
    // A lower bound that is not a constant is a thread's start in a strided loop.
    int64_t lower = constantOr(loop.getLowerBound(), 0);
    return std::max<double>(0.0, std::ceil(static_cast<double>(upper - lower) / static_cast<double>(step)));
  }

  static bool byThreadZero(mlir::Value condition) {
    auto cmp = condition.getDefiningOp<mlir::arith::CmpIOp>();
    return cmp && cmp.getPredicate() == mlir::arith::CmpIPredicate::eq &&
           (readsThreadId(cmp.getLhs()) || readsThreadId(cmp.getRhs()));
  }

  static bool isFloatOp(mlir::Operation &op) {
    if (op.getNumResults() != 1 || !mlir::isa<mlir::FloatType>(mlir::getElementTypeOrSelf(op.getResult(0))))
      return false;
    return mlir::isa<mlir::arith::AddFOp, mlir::arith::SubFOp, mlir::arith::MulFOp, mlir::arith::DivFOp,
                     mlir::arith::MaximumFOp, mlir::arith::MinimumFOp, mlir::arith::MaxNumFOp,
                     mlir::arith::MinNumFOp, mlir::arith::NegFOp>(op) ||
           op.getDialect()->getNamespace() == "math";
  }

  static double lanes(mlir::Type t) {
    auto vector = mlir::dyn_cast<mlir::VectorType>(t);
    return vector ? static_cast<double>(vector.getNumElements()) : 1.0;
  }

  void access(std::map<int, double> &into, mlir::Value memref, int64_t elements, double weight) {
    accesses += weight * static_cast<double>(elements);
    into[rootArgument(memref)] += weight * static_cast<double>(elements);
  }
};

/// "file:line name" of each distinct place in `loc`, at most three.
std::string originOf(mlir::Location loc) {
  std::vector<std::string> places;
  std::set<std::string> seen;
  loc->walk([&](mlir::Location inner) {
    auto named = mlir::dyn_cast<mlir::NameLoc>(inner);
    if (!named)
      return mlir::WalkResult::advance();
    std::string place = named.getName().str();
    if (auto file = mlir::dyn_cast<mlir::FileLineColLoc>(named.getChildLoc()))
      place = file.getFilename().str() + ":" + std::to_string(file.getLine()) + " " + place;
    if (seen.insert(place).second && places.size() < 3)
      places.push_back(place);
    return mlir::WalkResult::skip();
  });
  std::string out;
  for (const std::string &p : places)
    out += (out.empty() ? "" : ", ") + p;
  return out;
}

LaunchCost kernelCost(mlir::ModuleOp module, mlir::gpu::LaunchFuncOp launch, const ChipModel &chip) {
  LaunchCost c;
  c.name = launch.getKernelName().str();
  c.origin = originOf(launch.getLoc());
  c.grid = constantOr(launch.getGridSizeX(), 1) * constantOr(launch.getGridSizeY(), 1) *
           constantOr(launch.getGridSizeZ(), 1);
  c.block = constantOr(launch.getBlockSizeX(), 1) * constantOr(launch.getBlockSizeY(), 1) *
            constantOr(launch.getBlockSizeZ(), 1);
  c.threads = c.grid * c.block;
  auto kernels = module.lookupSymbol<mlir::gpu::GPUModuleOp>(launch.getKernelModuleName());
  auto func = kernels ? kernels.lookupSymbol<mlir::gpu::GPUFuncOp>(launch.getKernelName()) : nullptr;
  KernelWork work;
  work.blockThreads = c.block;
  if (func)
    work.visit(func.getBody().front(), 1.0);
  double threads = static_cast<double>(c.threads);
  auto footprint = [&](const std::map<int, double> &accesses) {
    double bytes = 0;
    for (auto [arg, elements] : accesses) {
      auto type = arg >= 0 && func ? mlir::dyn_cast<mlir::MemRefType>(func.getArgumentTypes()[arg]) : nullptr;
      double width = type ? (type.getElementTypeBitWidth() + 7) / 8 : 4;
      double touched = elements * threads * width;
      bytes += type ? std::min(touched, static_cast<double>(bytesOf(type))) : touched;
    }
    return bytes;
  };
  c.bytesRead = footprint(work.loads);
  c.bytesWritten = footprint(work.stores);
  c.accessesPerThread = work.accesses;
  c.flops = work.flops * threads;
  c.dataDependentLoops = work.dataDependentLoops;

  double busySms = std::min<double>(static_cast<double>(c.grid), chip.sms);
  double threadsPerSm = std::min(threads / busySms, 2048.0);
  double smRate = std::min(chip.smAccessesPerSecond, threadsPerSm * chip.threadAccessesPerSecond);
  double memory = (c.bytesRead + c.bytesWritten) / chip.hbmBytesPerSecond;
  double compute = c.flops / chip.fp32FlopsPerSecond;
  double issue = work.accesses * threads / (busySms * smRate);
  double longest = std::max({memory, compute, issue});
  c.bound = longest == 0 ? "launch" : longest == issue ? "issue" : longest == memory ? "memory" : "compute";
  c.seconds = chip.launchSeconds + longest;
  c.serial = threads < chip.sms * 128.0 && (c.bytesRead + c.bytesWritten) / 4 > 1e6;
  return c;
}

/// A cuBLASLt call: (A, B, C, [bias,] ta, tb, flag), 2-d or batched 3-d.
LaunchCost gemmCost(mlir::func::CallOp call, const ChipModel &chip) {
  LaunchCost c;
  c.gemm = true;
  c.name = call.getCallee().str();
  c.origin = originOf(call.getLoc());
  auto shapeOf = [&](unsigned i) {
    mlir::Value v = call.getOperand(i);
    while (auto cast = v.getDefiningOp<mlir::memref::CastOp>())
      v = cast.getSource();
    return mlir::cast<mlir::MemRefType>(v.getType());
  };
  bool withBias = call.getNumOperands() == 7;
  unsigned flags = withBias ? 4 : 3;
  bool transposeA = constantOr(call.getOperand(flags), 0) != 0;
  mlir::MemRefType a = shapeOf(0), b = shapeOf(1), out = shapeOf(2);
  int64_t rank = out.getRank();
  c.batch = rank == 3 ? out.getDimSize(0) : 1;
  c.m = out.getDimSize(rank - 2);
  c.n = out.getDimSize(rank - 1);
  c.k = a.getDimSize(transposeA ? rank - 2 : rank - 1);
  c.flops = 2.0 * c.batch * c.m * c.n * c.k;
  bool accumulate = !withBias && constantOr(call.getOperand(flags + 2), 0) != 0;
  c.bytesRead = bytesOf(a) + bytesOf(b) + (accumulate ? bytesOf(out) : 0) + (withBias ? bytesOf(shapeOf(3)) : 0);
  c.bytesWritten = bytesOf(out);
  double memory = (c.bytesRead + c.bytesWritten) / chip.hbmBytesPerSecond;
  double compute = c.flops / (chip.fp32FlopsPerSecond * chip.gemmEfficiency);
  c.bound = compute >= memory ? "compute" : "memory";
  c.seconds = chip.launchSeconds + std::max(memory, compute);
  return c;
}

} // namespace

const ChipModel *strata::compiler::chipModel(const std::string &chip) {
  for (const ChipModel &m : kChips)
    if (m.chip == chip)
      return &m;
  return nullptr;
}

std::string strata::compiler::knownCostChips() {
  std::string out;
  for (const ChipModel &m : kChips)
    out += (out.empty() ? "" : ", ") + m.chip + " (" + m.name + ")";
  return out;
}

StepCost strata::compiler::estimateStepCost(mlir::ModuleOp module, mlir::func::FuncOp func,
                                            const ChipModel &chip) {
  StepCost step;
  for (mlir::Operation &op : func.getBody().front()) {
    if (auto launch = mlir::dyn_cast<mlir::gpu::LaunchFuncOp>(op))
      step.launches.push_back(kernelCost(module, launch, chip));
    else if (auto call = mlir::dyn_cast<mlir::func::CallOp>(op); call && call.getCallee().starts_with("strata_cublaslt_"))
      step.launches.push_back(gemmCost(call, chip));
  }
  for (const LaunchCost &c : step.launches)
    (c.gemm ? step.gemmSeconds : step.kernelSeconds) += c.seconds;
  step.seconds = step.kernelSeconds + step.gemmSeconds;
  return step;
}
