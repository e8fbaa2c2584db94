//===- Passes.td - strata passes ------------------------------------------===//
#ifndef STRATA_PASSES_TD
#define STRATA_PASSES_TD

include "mlir/Pass/PassBase.td"

def StrataInferShapes : Pass<"strata-infer-shapes", "mlir::func::FuncOp"> {
  let summary = "Fix the symbolic batch dimension and propagate static shapes";
  let description = [{
    With `batch=N`, replaces the dynamic (batch) extents of the function's
    arguments by N. Then, in program order, re-infers the result type of every
    op that implements InferTypeOpInterface and updates the function's result
    types. This is how a train step fixes `B`: `tensor<?x784xf32>` becomes
    `tensor<256x784xf32>` everywhere downstream, including `2B` extents made by
    concatenating two views, which become 512. Without `batch`, the pass only
    re-propagates shapes (useful after a rewrite changed an operand type).
  }];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"0",
           "Batch size that replaces the symbolic batch dimension (0: keep it)">
  ];
  let dependentDialects = ["mlir::strata::StrataDialect"];
}

def StrataInference : Pass<"strata-inference", "mlir::func::FuncOp"> {
  let summary = "The inference form of a function: random corruptions switched off";
  let description = [{
    What `strata embed` and `strata search` compute a representation with:
    the input as it is, not as training corrupts it. `strata.dropout` and
    `strata.random_shift` become their input; `strata.random_normal` and
    `strata.random_uniform` become their distribution's mean (so added noise
    vanishes and a VAE's sample is its mean); `strata.mlm_mask` leaves the
    tokens unmasked, while its labels (which positions the loss scores) stay.
    Results marked `strata.loss` or `strata.metric` return zero: nothing reads
    them, and the ops that computed only them become dead.
  }];
  let dependentDialects = ["mlir::strata::StrataDialect"];
}

def StrataRunningStatistics : Pass<"strata-running-statistics", "mlir::func::FuncOp"> {
  let summary = "The eval form of normalization: batch_norm by its running statistics";
  let description = [{
    `strata eval`, `embed` and `search` see a model as it will be used, one
    image at a time: `strata.batch_norm` normalizes by the running mean and
    variance its parameters hold, not by the batch's, and returns them as they
    are (no statistics move outside training).
  }];
  let dependentDialects = ["mlir::strata::StrataDialect"];
}

def StrataAutodiff : Pass<"strata-autodiff", "mlir::ModuleOp"> {
  let summary = "Build the train step from @forward by reverse-mode autodiff";
  let description = [{
    Needs static shapes (run `--strata-infer-shapes=batch=N` first). With
    `mode=train` adds

        @train_step(params, opt_state, inputs..., seed, step)
            -> (params', opt_state', loss, grad_norm)

    that runs the forward ops with parameters sliced from one flat arena,
    builds every gradient through the ops' GradientOpInterface, packs the
    gradients into one arena and applies one `strata.optimizer_update`
    configured from the module's `strata.train` (optimizer, schedule,
    clip_grad_norm). With `mode=grad` adds
    `@grad_step(params, inputs..., seed, step) -> (loss, grads)` instead.
    Records the arena layout on the module as `strata.params`.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"train\"",
           "train: a full train step; grad: loss and gradients only">,
    Option<"totalSteps", "total-steps", "int64_t", /*default=*/"0",
           "Steps of the whole run, for the cosine schedule">
  ];
  let dependentDialects = ["mlir::strata::StrataDialect", "mlir::func::FuncDialect"];
}

def StrataBindParams : Pass<"strata-bind-params", "mlir::ModuleOp"> {
  let summary = "Make @forward read its parameters from a flat arena argument";
  let description = [{
    Rewrites `@forward(inputs...)` into
    `@forward(params, inputs..., seed, step)`, replacing each `strata.param` by
    a `strata.arena_slice` of the arena, with the layout the train step uses.
  }];
  let dependentDialects = ["mlir::strata::StrataDialect"];
}

def StrataDecompose : Pass<"strata-decompose", "mlir::func::FuncOp"> {
  let summary = "Rewrite composite ops (softmax, layer_norm, gelu, losses) into primitives";
  let description = [{
    Replaces each composite op by the primitive ops of its decomposition, the
    same decomposition its gradient rule differentiates
    (dialect/Decompositions.cpp), so later stages lower primitives only.
  }];
  let dependentDialects = ["mlir::strata::StrataDialect"];
}

def StrataLowerToLinalg : Pass<"strata-lower-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Lower primitive strata ops to linalg, tensor, arith, math and scf";
  let description = [{
    Needs static shapes and no composite ops (run --strata-decompose first).
    Elementwise ops and broadcasts become linalg.generic with broadcasting
    indexing maps; reductions become reduction generics; 2-D matmuls become
    linalg.matmul / matmul_transpose_a / matmul_transpose_b (which the BLAS
    rewrite recognises), other matmuls a matmul-shaped generic; random ops run
    Philox4x32-10 inside their loop body, keyed by the function's strata.seed
    and strata.step arguments; strata.optimizer_update becomes one generic
    over the parameter arena.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::scf::SCFDialect"];
}

def StrataMatmulToBlas : Pass<"strata-matmul-to-blas", "mlir::ModuleOp"> {
  let summary = "Call the BLAS for 2-D and batched matmuls on memrefs";
  let description = [{
    Rewrites bufferized linalg.matmul / matmul_transpose_a / matmul_transpose_b
    on f32 or f64 into `func.call @strata_gemm_f32|f64(A, B, C, ta, tb, acc)`,
    which the runtime implements with cblas_sgemm/dgemm as
    C = op(A) op(B) (+ C when acc). A zero fill of C right before the matmul
    is dropped and the call made with acc = 0.
    `library=cublaslt` calls `@strata_cublaslt_gemm_f32|f64` instead, which the
    CUDA runtime implements with cuBLASLt on device memory. linalg.batch_matmul
    and its transposed forms call `@strata_(cublaslt_)gemm_batched_f32|f64`
    with [batch, rows, cols] operands.
  }];
  let options = [
    Option<"library", "library", "std::string", /*default=*/"\"blas\"",
           "blas (CPU, cblas) or cublaslt (GPU)">,
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def StrataGatherThroughElementwise : Pass<"strata-gather-through-elementwise", "mlir::func::FuncOp"> {
  let summary = "Gathers from an elementwise result read its inputs instead";
  let description = [{
    A `tensor.extract` in a linalg.generic's body that reads the result of an
    all-parallel generic (identity output, projected-permutation inputs, a
    small body) becomes that generic's body evaluated at the extracted point,
    its inputs extracted through their indexing maps; repeated until the
    gathers read no elementwise results. Cross-entropy's label logit then
    reads the vocabulary GEMM's output and the bias, and the [B, T, V] bias
    add need not be materialized for it.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def StrataFuseElementwise : Pass<"strata-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse elementwise linalg.generic producers into their consumers";
  let description = [{
    Producer-consumer fusion of all-parallel linalg.generic ops into the
    generics that consume them (elementwise or reduction). A producer with
    one user always goes into it; one with several generic users is
    recomputed in each when it is small and recomputing reads no more memory
    than keeping it would (R full-size inputs, U users: R * U <= R + 1 + U).
    Unlike linalg-fuse-elementwise-ops it does not propagate reshapes, so
    2-D named matmuls (library calls) survive.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::affine::AffineDialect"];
}

def StrataSortedScatterAdd : Pass<"strata-sorted-scatter-add", "mlir::func::FuncOp"> {
  let summary = "Embedding gradients as parallel sums in the ids' order (GPU)";
  let description = [{
    Replaces each `strata.embedding_grad` with static shapes by four linalg
    ops: every position's rank in a stable sort of the ids (N x N integer
    compares), the sorted positions, where each table row's positions start
    and end in them (V x N compares), and one parallel op over the [V, D]
    table whose element (v, d) adds the gradient rows of v's positions in
    position order. No two threads write one element, the additions come in
    the order of the CPU's sequential loop (so the result is its bits), and
    untouched rows are zero. For the GPU pipeline, after strata-decompose.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::scf::SCFDialect"];
}

def StrataRecomputeActivations : Pass<"strata-recompute-activations", "mlir::func::FuncOp"> {
  let summary = "Recompute a large elementwise activation for the backward pass (GPU)";
  let description = [{
    In a train step (a function with a `strata.loss` result), an all-parallel
    linalg.generic before the loss whose result the backward pass reads, and
    all of whose inputs the backward pass reads too, is cloned right before
    its first backward user, which then reads the clone: the forward result
    dies after the forward pass (a transformer's GELU output: 33.5 MB a layer
    in bert-mini-mlm). Only for results of `min-elements` or more.
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"8388608",
           "Keep results of fewer elements for the backward pass">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def StrataReuseDeadInputs : Pass<"strata-reuse-dead-inputs", "mlir::func::FuncOp"> {
  let summary = "An elementwise op writes its result over an input it reads last (GPU)";
  let description = [{
    An all-parallel linalg.generic on tensors whose init is a tensor.empty
    (not read by the body) takes as its init an input of the same type, read
    with an identity map, that no later op in the block reads and that is
    not a function argument: one-shot bufferization then writes the result
    over that input's buffer instead of a new one (bert-mini-mlm: the logits'
    gradient over the logits, 268 MB). Bufferization still copies if the
    input is read afterwards through another value. Only for tensors of
    `min-elements` or more.
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"16777216",
           "Leave results of fewer elements in buffers of their own">
  ];
}

def StrataNegativeSamplingKernels : Pass<"strata-negative-sampling-kernels", "mlir::func::FuncOp"> {
  let summary = "Negative sampling's loss and gradients as one vector loop over the rows (CPU)";
  let description = [{
    Replaces `strata.negative_sampling` by a loop over the rows that computes
    each row's K + 1 dot products in one sweep over D (a vector accumulator
    per id) and adds up the softplus terms, and `strata.negative_sampling_grad`
    by the same loop followed by a second sweep that writes the input's
    gradient row and adds into the table's gradient at the row's ids. Vectors
    have the largest of 8, 4, 2 or 1 lanes that divides D, so the order of
    additions depends on the shapes only. Needs static shapes. Runs before
    strata-decompose, which would otherwise turn both ops into whole-batch
    ops (what the GPU pipeline uses).
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::tensor::TensorDialect", "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect", "mlir::linalg::LinalgDialect"];
}

def StrataSparseSgd : Pass<"strata-sparse-sgd", "mlir::func::FuncOp"> {
  let summary = "Plain SGD on embedding tables as an update of the touched rows only (CPU)";
  let description = [{
    Where `strata.optimizer_update` is SGD without momentum, weight decay or
    clipping, and its gradient arena packs only scatter-adds at a batch's ids
    (`strata.embedding_grad`, the table gradient of
    `strata.negative_sampling_grad`), replaces the update and the gradient
    norm (sqrt of the sum of the arena's squares) by a loop over the ids in
    order: each id's gradient row is added to the squared norm, subtracted
    (times the learning rate) from its parameter row, then zeroed, so a
    repeated id changes nothing the second time. The parameters are the
    dense update's, bit for bit; the norm sums the same squares in another
    order. Runs before strata-negative-sampling-kernels, while the scatter's
    ids are still in sight.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::tensor::TensorDialect", "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect"];
}

def StrataSplitReductions : Pass<"strata-split-reductions", "mlir::func::FuncOp"> {
  let summary = "Split long innermost float reductions into parallel partial sums";
  let description = [{
    A linalg.generic on tensors whose only reduction is its innermost loop,
    over floats, with a single combiner, becomes a reduction into `lanes`
    partial results (element i into lane i mod lanes, the lanes an inner
    parallel loop that LLVM vectorizes) and a short reduction of the lanes.
    The order of additions is fixed by the IR, whatever the host's vector
    width. Extents no lane count divides stay serial, and so do reductions
    that read fewer than `min-elements` in all: each split costs LLVM
    compile time (on bert-cpu-mlm, splitting every row reduction took code
    generation from 2.8 s to 6.2 s for no faster step).

    With `contiguous` (the GPU's form), the partial sums are over contiguous
    chunks instead (element i into chunk i / (extent / chunks)), as many as
    `lanes` at most, of any count that divides the extent: each becomes a
    block of its own that reads neighbouring elements, and a second, short
    reduction adds the chunks in order. `max-outputs` leaves reductions with
    more results than that alone (they are many blocks already).
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", /*default=*/"16",
           "The largest lane (or chunk) count; smaller ones are tried when it does not divide the extent">,
    Option<"minElements", "min-elements", "int64_t", /*default=*/"0",
           "Leave reductions that read fewer elements in all serial">,
    Option<"contiguous", "contiguous", "bool", /*default=*/"false",
           "Partial sums over contiguous chunks, not interleaved lanes">,
    Option<"maxOutputs", "max-outputs", "int64_t", /*default=*/"0",
           "Leave reductions with more results than this alone (0: no limit)">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def StrataElideCopies : Pass<"strata-elide-copies", "mlir::func::FuncOp"> {
  let summary = "Compute buffers in the place their final copy would put them";
  let description = [{
    For a memref.copy of a whole allocation B (or a reshape of it) that is the
    last use of B, where nothing touches the destination while B is live: B
    becomes the destination (a function argument of B's type) or a memref.view
    of the destination's bytes (a 1-D slice of an allocation, which becomes an
    i8 allocation with typed views), and the copy is erased.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def StrataPlanMemory : Pass<"strata-plan-memory", "mlir::func::FuncOp"> {
  let summary = "Place every static buffer of a function in one scratch arena by liveness";
  let description = [{
    Replaces each static memref.alloc of the function body with a memref.view
    of a new last argument `memref<Nxi8> {strata.arena = "scratch"}`. Offsets
    come from live ranges over the body's top-level ops: largest buffer first,
    lowest 256-byte-aligned offset free for its whole live range. Records
    strata.scratch_bytes, strata.buffers and strata.unplanned_bytes on the
    function.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def StrataParallelDimsFirst : Pass<"strata-parallel-dims-first", "mlir::func::FuncOp"> {
  let summary = "Interchange linalg.generic loops so parallel dimensions come first";
  let description = [{
    Permutes each linalg.generic's iteration space so every parallel dimension
    precedes every reduction dimension (each group keeps its order). Then
    convert-linalg-to-parallel-loops makes one scf.parallel over the outputs
    with the reduction loops inside, which maps to one GPU thread per output.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def StrataCopiesToLinalg : Pass<"strata-copies-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy into linalg.copy";
  let description = [{
    On the GPU path a copy between buffers is device work: as linalg.copy it
    is lowered to parallel loops and a kernel like any elementwise op.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def StrataSerialKernels : Pass<"strata-serial-kernels", "mlir::func::FuncOp"> {
  let summary = "Run host-side buffer code left after GPU mapping in one-thread kernels";
  let description = [{
    Wraps each maximal run of top-level code that loads or stores buffers
    (full reductions, 0-d ops) in a gpu.launch of one block of one thread, so
    that on the GPU path the host never touches device memory. Side-effect-free
    ops that do not depend on the run stay on the host.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::arith::ArithDialect"];
}

def StrataReductionKernels : Pass<"strata-reduction-kernels", "mlir::func::FuncOp"> {
  let summary = "Lower reductions on buffers to block-per-output GPU kernels";
  let description = [{
    Each linalg.generic on buffers that reduces (one output, a float combiner
    add/mul/max/min or an integer add of the output with one value per
    iteration, static loops)
    becomes a gpu.launch: one block per output element, its threads striding
    over the reduced elements with a private accumulator, then a
    gpu.all_reduce (warp shuffles and shared memory after convert-gpu-to-nvvm)
    and thread 0 writing the result. The losses, softmax and layer-norm
    statistics and bias gradients are such reductions. A constant fill of the
    output right before the reduction is folded into thread 0's write, and
    0-d ops right after a full reduction (scaling a loss, seeding its
    gradient) run in thread 0 of the same kernel. After a row reduction, the
    reductions and elementwise ops over the same rows that follow it join its
    kernel (a barrier between each), as long as no block reads what another
    writes: a layer norm or a softmax is one kernel. Reductions of fewer than
    `min-reduced` elements over many outputs are left to the parallel loops
    (a thread per output does better there). A reduction with fewer
    rows than `split-below-rows` (an SM each, the rest idle) over at least
    `split-min-reduced` elements a row (batch norm's statistics, a layer
    norm's parameter gradients), in a group of reductions only, is split:
    one launch combines contiguous
    parts of each row, enough blocks for two waves of 132 SMs, into a
    [rows, parts] buffer; a second combines each row's parts in order.
  }];
  let options = [
    Option<"minReduced", "min-reduced", "int64_t", /*default=*/"32",
           "Leave reductions of fewer elements than this to the loop lowering">,
    Option<"splitBelowRows", "split-below-rows", "int64_t", /*default=*/"128",
           "Split a lone reduction with fewer rows than this across blocks (0: never)">,
    Option<"splitMinReduced", "split-min-reduced", "int64_t", /*default=*/"8192",
           "... when its rows have at least this many elements">
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect", "mlir::memref::MemRefDialect"];
}

def StrataSinkScalars : Pass<"strata-sink-scalars", "mlir::func::FuncOp"> {
  let summary = "Clone the scalar computations each gpu.launch uses into its body";
  let description = [{
    Every side-effect-free, region-free op with scalar results that a launch
    uses (transitively) is cloned into the launch, so the host keeps only
    constants, views, launches and library calls: a fixed schedule.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def StrataGroupSiblingLoops : Pass<"strata-group-sibling-loops", "mlir::func::FuncOp"> {
  let summary = "Move each parallel loop next to the following loop of its iteration space";
  let description = [{
    A top-level scf.parallel (with no nested parallel loop) moves down to just
    before the next such loop with the same bounds and steps when every op in
    between commutes with it: none writes a buffer the loop touches, none
    reads a buffer the loop writes (buffers told apart by their allocation or
    function argument; library calls read and write all their buffers; ops
    with unknown effects stop the move). scf-parallel-loop-fusion can then
    merge the two into one kernel: attention's per-projection permuting
    copies, for one.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect"];
}

def StrataFlattenParallelLoops : Pass<"strata-flatten-parallel-loops", "mlir::func::FuncOp"> {
  let summary = "Collapse each outermost scf.parallel into one dimension";
  let description = [{
    Before the parallel loops are tiled and mapped to blocks and threads, each
    outermost multi-dimensional scf.parallel becomes one-dimensional over the
    row-major linear index, so consecutive threads touch consecutive elements
    (coalesced loads and stores) whatever the tensor's rank.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def StrataVectorizeElementwise : Pass<"strata-vectorize-elementwise", "mlir::func::FuncOp"> {
  let summary = "Four elements per iteration of a flat elementwise loop, as vectors";
  let description = [{
    Each one-dimensional scf.parallel over [0, N), N a multiple of 4, whose
    body is loads, stores and elementwise arith/math ops, becomes a loop over
    [0, N/4) whose iteration handles four consecutive elements: accesses of
    the contiguous dimension are vector.load/vector.store of vector<4xT>,
    elementwise ops work on vectors, and what is the same in all four lanes
    stays scalar. Loops it cannot vectorize are left unchanged.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
                           "mlir::vector::VectorDialect", "mlir::memref::MemRefDialect"];
}

def StrataAssumeKernelAlignment : Pass<"strata-assume-kernel-alignment", "mlir::ModuleOp"> {
  let summary = "State the 16-byte alignment of kernel buffer arguments";
  let description = [{
    In every gpu.func kernel with vector loads or stores, one
    memref.assume_alignment of 16 bytes per memref argument: the CUDA runtime
    gives each buffer argument a 16-byte-aligned base, and with it stated,
    NVPTX emits 128-bit loads and stores (ld.global.v4.f32) for vector<4xf32>
    accesses at offsets that are multiples of 4 elements.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def StrataMergeKernelModules : Pass<"strata-merge-kernel-modules", "mlir::ModuleOp"> {
  let summary = "Gather every outlined kernel into one gpu.module";
  let description = [{
    gpu-kernel-outlining gives each kernel a gpu.module of its own. This pass
    moves every gpu.func into one module, `@strata_kernels`, and points each
    gpu.launch_func at it: a train step becomes one PTX module, which ptxas
    checks in one go and the runtime loads with one cuModuleLoadData.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

#endif // STRATA_PASSES_TD
