//===- StrataOps.td - ops of the strata dialect ----------------------------===//
//
// Every op infers its result types from its operands and attributes through
// InferTypeOpInterface; the shape rules live in shapes/ShapeFunctions.cpp, shared
// with the frontend. A result type that differs from the inferred one is a
// verifier error naming both.
//
//===----------------------------------------------------------------------===//
#ifndef STRATA_OPS_TD
#define STRATA_OPS_TD

include "StrataDialect.td"
include "StrataInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def Strata_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;
def Strata_IndexTensor : RankedTensorOf<[I32, I64]>;
def Strata_ScalarFloatTensor : 0DTensorOf<[F16, BF16, F32, F64]>;

class Strata_Op<string mnemonic, list<Trait> traits = []>
    : Op<Strata_Dialect, mnemonic,
         traits # [InferTypeOpAdaptor,
                   DeclareOpInterfaceMethods<Strata_GradientOpInterface>]>;

// Ops whose result has their operand's type; ODS derives inferReturnTypes.
class Strata_SameTypeOp<string mnemonic, list<Trait> traits = []>
    : Op<Strata_Dialect, mnemonic,
         traits # [SameOperandsAndResultType, InferTypeOpInterface,
                   DeclareOpInterfaceMethods<Strata_GradientOpInterface>]>;

//===----------------------------------------------------------------------===//
// Parameters and constants
//===----------------------------------------------------------------------===//

def Strata_ParamOp : Strata_Op<"param", [Pure]> {
  let summary = "a trainable parameter with its initializer";
  let description = [{
    Reads the trainable parameter `name`. Its shape is the result type and its
    initial value is drawn by `init` (with `scale` for `normal`/`uniform`). Two
    `strata.param` ops with one name denote the same parameter.

    ```mlir
    %w = strata.param "encoder.linear0.weight" init(he_normal) : tensor<784x512xf32>
    %b = strata.param "encoder.linear0.bias" init(zeros) : tensor<512xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, Strata_Initializer:$init,
                       OptionalAttr<F64Attr>:$scale,
                       TypeAttrOf<Strata_FloatTensor>:$type);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $name `init` `(` $init (`,` $scale^)? `)` attr-dict `:` $type
  }];
  let hasVerifier = 1;
}

def Strata_ConstantOp : Strata_Op<"constant", [Pure, ConstantLike]> {
  let summary = "a constant tensor";
  let description = [{
    ```mlir
    %half = strata.constant dense<5.000000e-01> : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$value attr-dict";
  // Without a folder, constant uniquing in canonicalize/CSE cannot tell two
  // strata.constant ops apart by value.
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and elementwise arithmetic
//===----------------------------------------------------------------------===//

def Strata_MatmulOp : Strata_Op<"matmul", [Pure]> {
  let summary = "batched matrix product, either side optionally transposed";
  let description = [{
    Multiplies the last two axes of `lhs` and `rhs`; leading axes are batch axes
    and broadcast. `transpose_lhs` / `transpose_rhs` swap the last two axes of
    that operand first.

    ```mlir
    %y = strata.matmul %x, %w : tensor<?x784xf32>, tensor<784x512xf32> -> tensor<?x512xf32>
    %s = strata.matmul %q, %k {transpose_rhs} : tensor<?x4x128x64xf32>, tensor<?x4x128x64xf32> -> tensor<?x4x128x128xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$lhs, Strata_FloatTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

class Strata_BinaryOp<string mnemonic, string math>
    : Strata_Op<mnemonic, [Pure, AllElementTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "elementwise " # math # " with numpy broadcasting";
  let description = [{
    ```mlir
    %y = strata.}] # mnemonic # [{ %a, %b : tensor<?x512xf32>, tensor<512xf32> -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$lhs, Strata_FloatTensor:$rhs);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

def Strata_AddOp : Strata_BinaryOp<"add", "lhs + rhs">;
def Strata_SubOp : Strata_BinaryOp<"sub", "lhs - rhs">;
def Strata_MulOp : Strata_BinaryOp<"mul", "lhs * rhs">;
def Strata_DivOp : Strata_BinaryOp<"div", "lhs / rhs">;
def Strata_EqualOp : Strata_BinaryOp<"equal", "1 where lhs == rhs, else 0">;

class Strata_UnaryOp<string mnemonic, string math>
    : Strata_SameTypeOp<mnemonic, [Pure]> {
  let summary = "elementwise " # math;
  let description = [{
    ```mlir
    %y = strata.}] # mnemonic # [{ %x : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Strata_NegOp : Strata_UnaryOp<"neg", "-x">;
def Strata_ErfOp : Strata_UnaryOp<"erf", "erf(x)">;
def Strata_HeavisideOp : Strata_UnaryOp<"heaviside", "1 where x > 0, else 0 (the derivative of relu)">;
def Strata_StopGradientOp : Strata_UnaryOp<"stop_gradient", "identity whose gradient is zero">;
def Strata_ReluOp : Strata_UnaryOp<"relu", "max(x, 0)">;
def Strata_SigmoidOp : Strata_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Strata_TanhOp : Strata_UnaryOp<"tanh", "tanh(x)">;
def Strata_ExpOp : Strata_UnaryOp<"exp", "exp(x)">;
def Strata_LogOp : Strata_UnaryOp<"log", "log(x)">;
def Strata_SqrtOp : Strata_UnaryOp<"sqrt", "sqrt(x)">;

def Strata_GeluOp : Strata_SameTypeOp<"gelu", [Pure]> {
  let summary = "elementwise GELU, x * Phi(x); `tanh` selects the tanh approximation";
  let description = [{
    ```mlir
    %y = strata.gelu %x : tensor<?x128x1024xf32>
    %z = strata.gelu %x {tanh} : tensor<?x128x1024xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, UnitAttr:$tanh);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

class Strata_ReduceOp<string mnemonic, string math>
    : Strata_Op<mnemonic, [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = math # " over `axes`, keeping them as size 1 with `keep_dims`";
  let description = [{
    ```mlir
    %m = strata.}] # mnemonic # [{ %x axes [1] : tensor<?x128x256xf32> -> tensor<?x256xf32>
    %k = strata.}] # mnemonic # [{ %x axes [-1] keep_dims : tensor<?x128x256xf32> -> tensor<?x128x1xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keep_dims);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `axes` $axes (`keep_dims` $keep_dims^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Strata_ReduceSumOp : Strata_ReduceOp<"reduce_sum", "sum">;
def Strata_ReduceMeanOp : Strata_ReduceOp<"reduce_mean", "mean">;
def Strata_ReduceMaxOp : Strata_ReduceOp<"reduce_max", "maximum">;

def Strata_SoftmaxOp : Strata_Op<"softmax", [Pure]> {
  let summary = "softmax along `axis`, with an optional additive mask";
  let description = [{
    softmax(x + mask) along `axis`. The mask broadcasts to the input; use large
    negative entries (e.g. -1e9) for positions that must get no weight.

    ```mlir
    %p = strata.softmax %s axis -1 : tensor<?x4x128x128xf32>
    %q = strata.softmax %s mask %m axis -1 : tensor<?x4x128x128xf32>, tensor<?x1x1x128xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, Optional<Strata_FloatTensor>:$mask,
                       I64Attr:$axis);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`mask` $mask^)? `axis` $axis attr-dict `:` type($input) (`,` type($mask)^)?
  }];
}

def Strata_LayerNormOp : Strata_Op<"layer_norm", [Pure, AllElementTypesMatch<["input", "gamma", "beta", "result"]>]> {
  let summary = "layer normalization over the last axis, then gamma * x + beta";
  let description = [{
    (x - mean) / sqrt(var + eps) * gamma + beta, with mean and (biased) variance
    over the last axis; gamma and beta have the last axis' extent.

    ```mlir
    %y = strata.layer_norm %x, %g, %b eps 1.0e-05 : tensor<?x128x256xf32>, tensor<256xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, Strata_FloatTensor:$gamma,
                       Strata_FloatTensor:$beta, F64Attr:$eps);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `eps` $eps attr-dict `:` type($input) `,` type($gamma) `,` type($beta)
  }];
}

//===----------------------------------------------------------------------===//
// Images: NHWC tensors [B, H, W, C]
//===----------------------------------------------------------------------===//

def Strata_Conv2dOp : Strata_Op<"conv2d", [Pure, AllElementTypesMatch<["input", "filter", "result"]>]> {
  let summary = "2-D convolution (cross-correlation) of NHWC images with an HWIO filter";
  let description = [{
    result[b, y, x, o] = sum over (i, j, c) of
      input[b, y*sh + i*dh - ph, x*sw + j*dw - pw, g*C/groups + c] * filter[i, j, c, o],
    where g = o / (OC / groups) and positions outside the image read zero.
    `stride`, `padding` (zeros on both sides) and `dilation` are [height, width].
    A composite: it decomposes into im2col (slices of the padded input, concatenated
    along channels) and one matmul per group, so it runs on the BLAS (CPU) or
    cuBLASLt (GPU) GEMM and differentiates through those ops.

    ```mlir
    %y = strata.conv2d %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
           : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32> -> tensor<?x28x28x32xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, Strata_FloatTensor:$filter,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter `stride` $stride `padding` $padding `dilation` $dilation `groups` $groups
    attr-dict `:` type($input) `,` type($filter) `->` type($result)
  }];
}

class Strata_Pool2dOp<string mnemonic, string math>
    : Strata_Op<mnemonic, [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = math # " over each `window` of NHWC images, moved by `stride`";
  let description = [{
    `window`, `stride` and `padding` are [height, width]; padding is at most half the
    window. A composite: the window's strided slices, stacked and reduced.

    ```mlir
    %p = strata.}] # mnemonic # [{ %x window [2, 2] stride [2, 2] padding [0, 0] : tensor<?x28x28x32xf32> -> tensor<?x14x14x32xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, DenseI64ArrayAttr:$window,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `window` $window `stride` $stride `padding` $padding attr-dict `:` type($input) `->` type($result)
  }];
}

// Padding reads -infinity: a window's maximum is over the image's own pixels.
def Strata_MaxPool2dOp : Strata_Pool2dOp<"max_pool2d", "the maximum">;
// Padding reads zero and counts (PyTorch's count_include_pad).
def Strata_AvgPool2dOp : Strata_Pool2dOp<"avg_pool2d", "the mean">;

def Strata_Upsample2dOp : Strata_Op<"upsample2d", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "enlarge NHWC images `factor` times, nearest or bilinear";
  let description = [{
    `nearest` repeats each pixel factor x factor times. `bilinear` interpolates
    between pixel centres with the edges clamped (PyTorch's
    `align_corners=False`). A composite of slices, concats and reshapes.

    ```mlir
    %u = strata.upsample2d %x factor 2 mode "nearest" : tensor<?x7x7x64xf32> -> tensor<?x14x14x64xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, I64Attr:$factor, StrAttr:$mode);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `factor` $factor `mode` $mode attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Strata_BatchNormOp : Strata_Op<"batch_norm", [Pure, AllElementTypesMatch<["input", "gamma", "beta", "running_mean", "running_var", "result"]>]> {
  let summary = "batch normalization over every axis but the last, and its running statistics";
  let description = [{
    Training's form: (x - mean) / sqrt(var + eps) * gamma + beta with the mean
    and (biased) variance of the batch, per channel (the last axis: NHWC
    images' channels, [B, D] features' features). It also returns the running
    statistics after this batch, (1 - momentum) * running + momentum * batch
    (the unbiased variance, as PyTorch keeps it); the train step writes them
    back into their parameters. `strata-running-statistics` turns it into the
    eval form, which normalizes with the running statistics.

    ```mlir
    %y, %mean, %var = strata.batch_norm %x, %g, %b, %rm, %rv eps 1.0e-05 momentum 1.0e-01
        : tensor<?x14x14x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, Strata_FloatTensor:$gamma,
                       Strata_FloatTensor:$beta, Strata_FloatTensor:$running_mean,
                       Strata_FloatTensor:$running_var, F64Attr:$eps, F64Attr:$momentum);
  let results = (outs Strata_FloatTensor:$result, Strata_FloatTensor:$new_mean,
                      Strata_FloatTensor:$new_var);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `,` $running_mean `,` $running_var `eps` $eps `momentum` $momentum
    attr-dict `:` type($input) `,` type($gamma) `,` type($beta) `,` type($running_mean) `,` type($running_var)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def Strata_ReshapeOp : Strata_Op<"reshape", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "reshape to `shape`, where one -1 stands for the inferred extent";
  let description = [{
    As numpy: at most one entry of `shape` is -1 and is inferred from the element
    count. If the input has the symbolic batch dimension, the -1 is that batch.

    ```mlir
    %h = strata.reshape %x [-1, 128, 4, 64] : tensor<?x128x256xf32> -> tensor<?x128x4x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input $shape attr-dict `:` type($input) `->` type($result)";
}

def Strata_TransposeOp : Strata_Op<"transpose", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "permute axes: result axis i is input axis permutation[i]";
  let description = [{
    ```mlir
    %t = strata.transpose %x [0, 2, 1, 3] : tensor<?x128x4x64xf32> -> tensor<?x4x128x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input $permutation attr-dict `:` type($input) `->` type($result)";
}

def Strata_ConcatOp : Strata_Op<"concat", [Pure, SameOperandsElementType]> {
  let summary = "concatenate along `axis`";
  let description = [{
    ```mlir
    %v = strata.concat %a, %b axis 0 : tensor<?x784xf32>, tensor<?x784xf32> -> tensor<?x784xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$inputs `axis` $axis attr-dict `:` type($inputs) `->` type($result)";
  let hasVerifier = 1;
}

def Strata_SliceOp : Strata_Op<"slice", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "the half-open range [start, end) of `axis`";
  let description = [{
    ```mlir
    %a = strata.slice %z axis 0 from 0 to 256 : tensor<512x64xf32> -> tensor<256x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, I64Attr:$start,
                       I64Attr:$end);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `axis` $axis `from` $start `to` $end attr-dict `:` type($input) `->` type($result)
  }];
}

def Strata_EmbeddingOp : Strata_Op<"embedding", [Pure]> {
  let summary = "gather rows of `table` [vocab, dim] at integer `ids`";
  let description = [{
    ```mlir
    %x = strata.embedding %table, %ids : tensor<8192x256xf32>, tensor<?x128xi32> -> tensor<?x128x256xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$table, Strata_IndexTensor:$ids);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Counter-based randomness: keyed by (seed, step, stream)
//===----------------------------------------------------------------------===//

def Strata_DropoutOp : Strata_SameTypeOp<"dropout", []> {
  let summary = "zero each element with probability `rate`, scale the rest by 1/(1-rate)";
  let description = [{
    ```mlir
    %y = strata.dropout %x rate 1.000000e-01 stream 3 : tensor<?x128x256xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, F64Attr:$rate, I64Attr:$stream);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = "$input `rate` $rate `stream` $stream attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Strata_RandomNormalOp : Strata_SameTypeOp<"random_normal", []> {
  let summary = "samples of N(mean, std^2) with the shape of `like`";
  let description = [{
    ```mlir
    %eps = strata.random_normal like %mu mean 0.0 std 1.0 stream 0 : tensor<?x32xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$like, F64Attr:$mean, F64Attr:$std,
                       I64Attr:$stream);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    `like` $like `mean` $mean `std` $std `stream` $stream attr-dict `:` type($like)
  }];
}

def Strata_RandomUniformOp : Strata_SameTypeOp<"random_uniform", []> {
  let summary = "samples of U[low, high) with the shape of `like`";
  let description = [{
    ```mlir
    %u = strata.random_uniform like %x low 0.0 high 1.0 stream 1 : tensor<?x784xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$like, F64Attr:$low, F64Attr:$high,
                       I64Attr:$stream);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    `like` $like `low` $low `high` $high `stream` $stream attr-dict `:` type($like)
  }];
  let hasVerifier = 1;
}

def Strata_RandomShiftOp : Strata_SameTypeOp<"random_shift", []> {
  let summary = "shift each image by up to `max_shift` pixels, zero-filling";
  let description = [{
    Each leading index (each image) draws its own offsets in
    [-max_shift, max_shift] along the last two axes (height, width).
    `inverse` shifts by the negated offsets of the same draw: that is the
    op's gradient (the transpose of a zero-filling shift).

    ```mlir
    %v = strata.random_shift %img max 2 stream 4 : tensor<?x28x28xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, I64Attr:$max_shift, I64Attr:$stream,
                       UnitAttr:$inverse);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `max` $max_shift `stream` $stream (`inverse` $inverse^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Strata_RandomFlipOp : Strata_SameTypeOp<"random_flip", []> {
  let summary = "mirror each image left to right with probability 1/2";
  let description = [{
    Each leading index (each image) draws one bit: when it is set, the last
    axis (width) is reversed. The flip is its own inverse, so the op's
    gradient is the same flip of the gradient (same stream, same draw).

    ```mlir
    %v = strata.random_flip %img stream 5 : tensor<?x28x28xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, I64Attr:$stream);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{ $input `stream` $stream attr-dict `:` type($input) }];
  let hasVerifier = 1;
}

def Strata_RandomEraseOp : Strata_SameTypeOp<"random_erase", []> {
  let summary = "zero a random rectangle of each image with probability `rate`";
  let description = [{
    Random erasing (Zhong et al. 2020): each image (each leading index) is
    erased with probability `rate`; an erased image gets a rectangle of
    height and width drawn uniformly from [1, max_size] (at most the image's
    extent), placed uniformly inside the image, set to zero. Erasing
    multiplies by a 0/1 mask, so the op's gradient is the same erasing of
    the gradient (same stream, same draw).

    ```mlir
    %v = strata.random_erase %img rate 5.000000e-01 max 12 stream 7 : tensor<?x28x28xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, F64Attr:$rate, I64Attr:$max_size, I64Attr:$stream);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `rate` $rate `max` $max_size `stream` $stream attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Strata_RandomResizedCropOp : Strata_SameTypeOp<"random_resized_crop", []> {
  let summary = "a random crop of each image, resized back to the image's size";
  let description = [{
    torchvision's RandomResizedCrop on images [..., H, W]: each image (each
    leading index) draws a crop of `scale` (in [min_scale, max_scale]) of its
    area and aspect ratio w/h (log-uniform in [min_ratio, max_ratio]), both
    sides at most the image's, placed uniformly inside it, and samples it
    back to H x W bilinearly at pixel centres (align_corners=False). It passes
    no gradient back: it augments data, and a model that applies it to a value
    computed from parameters is an error at autodiff.

    ```mlir
    %c = strata.random_resized_crop %img scale 4.0e-01 to 1.0 ratio 7.5e-01 to 1.3333 stream 3 : tensor<?x28x28xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, F64Attr:$min_scale, F64Attr:$max_scale,
                       F64Attr:$min_ratio, F64Attr:$max_ratio, I64Attr:$stream);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `scale` $min_scale `to` $max_scale `ratio` $min_ratio `to` $max_ratio `stream` $stream
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Strata_RandomScaleOp : Strata_SameTypeOp<"random_scale", []> {
  let summary = "multiply each image by its own factor drawn from [low, high)";
  let description = [{
    Each leading index (each row or image) draws one uniform factor and
    multiplies all its elements by it: brightness jitter is
    `random_scale(x, 0.6, 1.4)`, contrast jitter the same of `x - mean(x)`
    added back to the mean. The op is linear in its input, so its gradient
    is the same scaling of the gradient.

    ```mlir
    %v = strata.random_scale %img low 6.0e-01 high 1.4 stream 6 : tensor<?x28x28xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, F64Attr:$low, F64Attr:$high, I64Attr:$stream);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `low` $low `high` $high `stream` $stream attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Strata_MlmMaskOp : Strata_Op<"mlm_mask", []> {
  let summary = "BERT masking: pick `rate` of the tokens, return (inputs, labels)";
  let description = [{
    Picks each token with probability `rate`, never one of the `reserved` ids
    below it (padding, mask, sentence start). Of the picked ones, 80% become
    `mask_token`, 10% a uniform random id in [reserved, vocab_size), 10% stay.
    `labels` holds the original id at picked positions and `ignore_index`
    elsewhere, so `strata.cross_entropy` with that ignore index scores only
    picked positions.

    ```mlir
    %in, %labels = strata.mlm_mask %tokens rate 1.500000e-01 mask_token 1 vocab 8192 reserved 3 ignore -100 stream 0 : tensor<?x128xi32>
    ```
  }];
  let arguments = (ins Strata_IndexTensor:$tokens, F64Attr:$rate,
                       I64Attr:$mask_token, I64Attr:$vocab_size, I64Attr:$reserved,
                       I64Attr:$ignore_index, I64Attr:$stream);
  let results = (outs Strata_IndexTensor:$inputs, Strata_IndexTensor:$labels);
  let assemblyFormat = [{
    $tokens `rate` $rate `mask_token` $mask_token `vocab` $vocab_size `reserved` $reserved
    `ignore` $ignore_index `stream` $stream attr-dict `:` type($tokens)
  }];
  let hasVerifier = 1;
}

def Strata_TokenMaskOp : Strata_Op<"token_mask", [Pure]> {
  let summary = "1.0 where a token is not `pad`, 0.0 at padding";
  let description = [{
    The float flags that padding-aware attention and pooling multiply by.

    ```mlir
    %keep = strata.token_mask %tokens pad 0 : tensor<?x128xi32> -> f32
    ```
  }];
  let arguments = (ins Strata_IndexTensor:$tokens, I64Attr:$pad, TypeAttr:$element_type);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = "$tokens `pad` $pad attr-dict `:` type($tokens) `->` $element_type";
}

//===----------------------------------------------------------------------===//
// Losses: each returns a scalar
//===----------------------------------------------------------------------===//

def Strata_MseOp : Strata_Op<"mse", [Pure, AllElementTypesMatch<["prediction", "target", "result"]>]> {
  let summary = "mean squared error";
  let description = [{
    ```mlir
    %l = strata.mse %y, %x reduce(mean) : tensor<?x784xf32>, tensor<?x784xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$prediction, Strata_FloatTensor:$target,
                       Strata_Reduction:$reduction);
  let results = (outs Strata_ScalarFloatTensor:$result);
  let assemblyFormat = [{
    $prediction `,` $target `reduce` `(` $reduction `)` attr-dict `:` type($prediction) `,` type($target) `->` type($result)
  }];
}

def Strata_BceWithLogitsOp : Strata_Op<"bce_with_logits", [Pure, AllElementTypesMatch<["logits", "target", "result"]>]> {
  let summary = "binary cross-entropy of sigmoid(logits) against targets in [0, 1]";
  let description = [{
    Computed as softplus(x) - x * t, softplus(x) = m + log(exp(-m) + exp(x - m))
    with m = max(x, 0) held constant: stable, and differentiable at 0.

    ```mlir
    %l = strata.bce_with_logits %logits, %x reduce(batch_mean) : tensor<?x784xf32>, tensor<?x784xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$logits, Strata_FloatTensor:$target,
                       Strata_Reduction:$reduction);
  let results = (outs Strata_ScalarFloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $target `reduce` `(` $reduction `)` attr-dict `:` type($logits) `,` type($target) `->` type($result)
  }];
}

def Strata_CrossEntropyOp : Strata_Op<"cross_entropy", [Pure]> {
  let summary = "softmax cross-entropy, averaged over labels != ignore_index";
  let description = [{
    ```mlir
    %l = strata.cross_entropy %logits, %labels ignore -100 : tensor<?x128x8192xf32>, tensor<?x128xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$logits, Strata_IndexTensor:$labels,
                       I64Attr:$ignore_index);
  let results = (outs Strata_ScalarFloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `ignore` $ignore_index attr-dict `:` type($logits) `,` type($labels) `->` type($result)
  }];
}

def Strata_AccuracyOp : Strata_Op<"accuracy", [Pure]> {
  let summary = "fraction of labelled positions whose label has the largest logit";
  let description = [{
    A metric, not a loss: it has no gradient. Labels equal to `ignore_index`
    (outside [0, classes)) are not counted; a tie with the largest logit counts
    as a hit.

    ```mlir
    %a = strata.accuracy %logits, %labels ignore -100 : tensor<?x64x4096xf32>, tensor<?x64xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$logits, Strata_IndexTensor:$labels,
                       I64Attr:$ignore_index);
  let results = (outs Strata_ScalarFloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `ignore` $ignore_index attr-dict `:` type($logits) `,` type($labels) `->` type($result)
  }];
}

def Strata_NtXentOp : Strata_Op<"nt_xent", [Pure]> {
  let summary = "SimCLR's NT-Xent over [2N, D] embeddings, rows i and i+N positive";
  let description = [{
    Cosine similarities divided by `temperature`, self-similarity excluded,
    cross-entropy of each row against its other view, averaged over 2N rows.

    ```mlir
    %l = strata.nt_xent %z temperature 5.000000e-01 : tensor<?x64xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$embeddings, F64Attr:$temperature);
  let results = (outs Strata_ScalarFloatTensor:$result);
  let assemblyFormat = [{
    $embeddings `temperature` $temperature attr-dict `:` type($embeddings) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Strata_InfoNceOp : Strata_Op<"info_nce", [Pure]> {
  let summary = "symmetric (CLIP) InfoNCE between paired [N, D] embeddings";
  let description = [{
    logits = normalize(lhs) * normalize(rhs)^T * s, where s = exp(log_scale) if
    the scalar `log_scale` operand (a learned temperature) is given, else
    1 / temperature; the loss is the mean of the row-wise and column-wise
    cross-entropies against the diagonal.

    ```mlir
    %l = strata.info_nce %img, %txt temperature 7.000000e-02 : tensor<?x64xf32>, tensor<?x64xf32> -> tensor<f32>
    %m = strata.info_nce %img, %txt scale %t temperature 7.000000e-02 : tensor<?x64xf32>, tensor<?x64xf32>, tensor<f32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$lhs, Strata_FloatTensor:$rhs,
                       Optional<Strata_ScalarFloatTensor>:$log_scale,
                       F64Attr:$temperature);
  let results = (outs Strata_ScalarFloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`scale` $log_scale^)? `temperature` $temperature attr-dict `:`
    type($lhs) `,` type($rhs) (`,` type($log_scale)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Strata_KlNormalOp : Strata_Op<"kl_normal", [Pure, AllElementTypesMatch<["mean", "log_variance", "result"]>]> {
  let summary = "KL(N(mean, exp(log_variance)) || N(0, 1)), summed over latents, mean over batch";
  let description = [{
    -0.5 * sum(1 + logvar - mean^2 - exp(logvar)) per row, averaged over rows.

    ```mlir
    %kl = strata.kl_normal %mu, %logvar : tensor<?x32xf32>, tensor<?x32xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$mean, Strata_FloatTensor:$log_variance);
  let results = (outs Strata_ScalarFloatTensor:$result);
  let assemblyFormat = [{
    $mean `,` $log_variance attr-dict `:` type($mean) `,` type($log_variance) `->` type($result)
  }];
}

def Strata_NegativeSamplingOp : Strata_Op<"negative_sampling", [Pure, AllElementTypesMatch<["input", "table", "result"]>]> {
  let summary = "skip-gram negative sampling: tell each row's true id from noise ids";
  let description = [{
    For each row b of `input` [B, D], with the output `table` [V, D]:
    softplus(-x_b . t[positive_b]) + sum_k softplus(x_b . t[negatives_bk]),
    i.e. -log sigmoid of the true pair's score and -log sigmoid(-score) of
    each of the K noise pairs (word2vec's objective). The per-row losses
    reduce as `reduction` says (mean and batch_mean: over rows; sum).

    ```mlir
    %l = strata.negative_sampling %x, %out, %context, %noise reduce(sum) : tensor<?x100xf32>, tensor<8192x100xf32>, tensor<?xi32>, tensor<?x5xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, Strata_FloatTensor:$table,
                       Strata_IndexTensor:$positive, Strata_IndexTensor:$negatives,
                       Strata_Reduction:$reduction);
  let results = (outs Strata_ScalarFloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $table `,` $positive `,` $negatives `reduce` `(` $reduction `)` attr-dict `:`
    type($input) `,` type($table) `,` type($positive) `,` type($negatives) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Ops that gradients and decompositions build
//===----------------------------------------------------------------------===//

def Strata_BroadcastOp : Strata_Op<"broadcast", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "numpy-broadcast `input` to `shape`";
  let description = [{
    ```mlir
    %b = strata.broadcast %s to [256, 512] : tensor<256x1xf32> -> tensor<256x512xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = "$input `to` $shape attr-dict `:` type($input) `->` type($result)";
}

def Strata_PadOp : Strata_Op<"pad", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "zero-pad `axis` with `low` elements before and `high` after";
  let description = [{
    The gradient of `strata.slice`.

    ```mlir
    %p = strata.pad %g axis 1 low 2 high 3 : tensor<8x4xf32> -> tensor<8x9xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, I64Attr:$axis, I64Attr:$low,
                       I64Attr:$high);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `axis` $axis `low` $low `high` $high attr-dict `:` type($input) `->` type($result)
  }];
}

class Strata_WindowOp<string mnemonic, list<Trait> traits = []>
    : Strata_Op<mnemonic, traits # [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let arguments = (ins Strata_FloatTensor:$input, DenseI64ArrayAttr:$window,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `window` $window `stride` $stride `padding` $padding `dilation` $dilation attr-dict
    `:` type($input) `->` type($result)
  }];
}

def Strata_Im2colOp : Strata_WindowOp<"im2col"> {
  let summary = "the window taps of NHWC images side by side: conv2d's GEMM operand";
  let description = [{
    result[b, y, x, (i * KW + j) * C + c] = padded input[b, y*sh + i*dh, x*sw + j*dw, c]
    for the zero-padded input: [B, H, W, C] -> [B, OH, OW, KH*KW*C]. conv2d's
    decomposition; its gradient is `strata.col2im`.

    ```mlir
    %c = strata.im2col %x window [3, 3] stride [1, 1] padding [1, 1] dilation [1, 1] : tensor<8x28x28x1xf32> -> tensor<8x28x28x9xf32>
    ```
  }];
}

def Strata_Col2imOp : Strata_Op<"col2im", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "the adjoint of im2col: each column added back at the pixel it was read from";
  let description = [{
    [B, OH, OW, KH*KW*C] -> [B, H, W, C] for images of `image` = [H, W]: every
    tap's values are summed into the pixels im2col read them from, and what
    fell on the padding is dropped. im2col's gradient, and col2im's is im2col.

    ```mlir
    %g = strata.col2im %c window [3, 3] stride [1, 1] padding [1, 1] dilation [1, 1] image [28, 28] : tensor<8x28x28x9xf32> -> tensor<8x28x28x1xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, DenseI64ArrayAttr:$window,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DenseI64ArrayAttr:$dilation, DenseI64ArrayAttr:$image);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $input `window` $window `stride` $stride `padding` $padding `dilation` $dilation
    `image` $image attr-dict `:` type($input) `->` type($result)
  }];
}

def Strata_OneHotOp : Strata_Op<"one_hot", [Pure]> {
  let summary = "1.0 at each label's position along a new last axis of `depth`";
  let description = [{
    Labels outside [0, depth) (an ignore index) give a row of zeros.

    ```mlir
    %t = strata.one_hot %labels depth 10 : tensor<256xi32> -> f32
    ```
  }];
  let arguments = (ins Strata_IndexTensor:$labels, I64Attr:$depth,
                       TypeAttr:$element_type);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = "$labels `depth` $depth attr-dict `:` type($labels) `->` $element_type";
}

def Strata_LabelMaskOp : Strata_Op<"label_mask", [Pure]> {
  let summary = "1.0 where a label is a class in [0, classes), else 0.0 (an ignore index)";
  let description = [{
    The sum of `strata.one_hot %labels depth classes` over its class axis,
    without the class axis: cross-entropy counts its labelled positions with
    it, and a [B, T, classes] one-hot is never built to be summed away.

    ```mlir
    %m = strata.label_mask %labels classes 8192 : tensor<64x128xi32> -> f32
    ```
  }];
  let arguments = (ins Strata_IndexTensor:$labels, I64Attr:$classes,
                       TypeAttr:$element_type);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = "$labels `classes` $classes attr-dict `:` type($labels) `->` $element_type";
}

def Strata_PickLabelOp : Strata_Op<"pick_label", [Pure]> {
  let summary = "each row's entry at its label along the last axis; 0.0 where the label is no class";
  let description = [{
    `result[i...] = logits[i..., labels[i...]]` for a label in [0, classes),
    0.0 for any other (an ignore index). Cross-entropy and accuracy take the
    label's logit with it: a gather of one element per row, where a one-hot
    product summed over the class axis would read the whole row again. Its
    gradient is the one-hot times the incoming gradient, elementwise.

    ```mlir
    %p = strata.pick_label %logits, %labels : tensor<64x128x8192xf32>, tensor<64x128xi32> -> tensor<64x128xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$logits, Strata_IndexTensor:$labels);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->` type($result)
  }];
}

def Strata_ShiftedEyeOp : Strata_Op<"shifted_eye", [Pure]> {
  let summary = "a [rows, cols] matrix with 1.0 where col == (row + shift) mod cols";
  let description = [{
    shift 0 is the identity pattern; NT-Xent uses shift N to pick the positive
    pair of each row of a [2N, 2N] similarity matrix.

    ```mlir
    %pos = strata.shifted_eye rows 512 cols 512 shift 256 : f32
    ```
  }];
  let arguments = (ins I64Attr:$rows, I64Attr:$cols, I64Attr:$shift,
                   TypeAttr:$element_type);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = "`rows` $rows `cols` $cols `shift` $shift attr-dict `:` $element_type";
}

def Strata_EmbeddingGradOp : Strata_Op<"embedding_grad", [Pure]> {
  let summary = "scatter-add rows of `gradient` into a [vocab, dim] table at `ids`";
  let description = [{
    The gradient of `strata.embedding` with respect to its table.

    ```mlir
    %gt = strata.embedding_grad %ids, %g vocab 8192 : tensor<64x128xi32>, tensor<64x128x256xf32> -> tensor<8192x256xf32>
    ```
  }];
  let arguments = (ins Strata_IndexTensor:$ids, Strata_FloatTensor:$gradient,
                       I64Attr:$vocab);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $gradient `vocab` $vocab attr-dict `:` type($ids) `,` type($gradient) `->` type($result)
  }];
}

def Strata_NegativeSamplingGradOp : Strata_Op<"negative_sampling_grad", [Pure, AllElementTypesMatch<["input", "table", "gradient", "input_grad", "table_grad"]>]> {
  let summary = "the gradients of `strata.negative_sampling` with respect to its input and its table";
  let description = [{
    Given the gradient of the loss (a scalar), returns d loss / d input [B, D]
    and d loss / d table [V, D]. With s the row's score against an id,
    d/ds softplus(-s) = -sigmoid(-s) for the true id and d/ds softplus(s) =
    sigmoid(s) for each noise id; the table's rows get the input row scaled
    by that, summed where ids repeat.

    Its decomposition is the reverse mode of `strata.negative_sampling`'s; on
    the CPU, strata-negative-sampling-kernels computes it in one pass over the
    rows instead.

    ```mlir
    %gx, %gt = strata.negative_sampling_grad %x, %out, %context, %noise, %g reduce(sum) : tensor<4096x100xf32>, tensor<8192x100xf32>, tensor<4096xi32>, tensor<4096x5xi32>, tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$input, Strata_FloatTensor:$table,
                       Strata_IndexTensor:$positive, Strata_IndexTensor:$negatives,
                       Strata_ScalarFloatTensor:$gradient, Strata_Reduction:$reduction);
  let results = (outs Strata_FloatTensor:$input_grad, Strata_FloatTensor:$table_grad);
  let assemblyFormat = [{
    $input `,` $table `,` $positive `,` $negatives `,` $gradient `reduce` `(` $reduction `)` attr-dict `:`
    type($input) `,` type($table) `,` type($positive) `,` type($negatives) `,` type($gradient)
  }];
}

//===----------------------------------------------------------------------===//
// The train step: the parameter arena and the optimizer
//===----------------------------------------------------------------------===//

def Strata_ArenaSliceOp : Strata_Op<"arena_slice", [Pure, AllElementTypesMatch<["arena", "result"]>]> {
  let summary = "view elements [offset, offset + numel(shape)) of a flat arena as `shape`";
  let description = [{
    ```mlir
    %w = strata.arena_slice %params offset 0 shape [784, 512] : tensor<944176xf32> -> tensor<784x512xf32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$arena, I64Attr:$offset,
                       DenseI64ArrayAttr:$shape);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = [{
    $arena `offset` $offset `shape` $shape attr-dict `:` type($arena) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Strata_ArenaPackOp : Strata_Op<"arena_pack", [Pure, SameOperandsElementType]> {
  let summary = "flatten the inputs and concatenate them into one flat arena";
  let description = [{
    ```mlir
    %g = strata.arena_pack %gw, %gb : tensor<784x512xf32>, tensor<512xf32> -> tensor<401920xf32>
    ```
  }];
  let arguments = (ins Variadic<Strata_FloatTensor>:$inputs);
  let results = (outs Strata_FloatTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($result)";
}

def Strata_OptimizerUpdateOp : Strata_Op<"optimizer_update", [Pure, AllTypesMatch<["params", "grads"]>]> {
  let summary = "one optimizer step over the whole parameter arena";
  let description = [{
    Updates every parameter in one loop. `kind` is `sgd` (with `momentum` and
    `nesterov`), `adam` or `adamw`; `weight_decay` is L2 added to the gradient
    for sgd and adam, and decoupled for adamw. The learning rate follows
    `schedule`: `constant`, `cosine` (linear warm-up over `warmup` steps, then
    cosine decay to `min_lr` at `total_steps`) or `linear` (word2vec's decay
    from `lr` to `min_lr` at `total_steps`). With `max_grad_norm` > 0 the
    gradients are scaled by min(1, max_grad_norm / grad_norm) first. `step`
    counts from 0. The state arena holds Adam's first and second moments
    (2 x params) or SGD's momentum buffer (params, or 0 elements without
    momentum).

    ```mlir
    %p2, %s2 = strata.optimizer_update "adam" %p, %g, %s, %norm, %step {lr = 1.0e-03 : f64} : tensor<944176xf32>, tensor<1888352xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Strata_FloatTensor:$params, Strata_FloatTensor:$grads,
                       Strata_FloatTensor:$state, Strata_ScalarFloatTensor:$grad_norm,
                       I64:$step,
                       StrAttr:$kind, F64Attr:$lr,
                       DefaultValuedAttr<F64Attr, "0.0">:$momentum,
                       UnitAttr:$nesterov,
                       DefaultValuedAttr<F64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<F64Attr, "0.999">:$beta2,
                       DefaultValuedAttr<F64Attr, "1.0e-8">:$eps,
                       DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<StrAttr, "\"constant\"">:$schedule,
                       DefaultValuedAttr<I64Attr, "0">:$warmup,
                       DefaultValuedAttr<I64Attr, "0">:$total_steps,
                       DefaultValuedAttr<F64Attr, "0.0">:$min_lr,
                       DefaultValuedAttr<F64Attr, "0.0">:$max_grad_norm);
  let results = (outs Strata_FloatTensor:$new_params, Strata_FloatTensor:$new_state);
  let assemblyFormat = [{
    $kind $params `,` $grads `,` $state `,` $grad_norm `,` $step attr-dict `:` type($params) `,` type($state) `,` type($grad_norm)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Elements of state per parameter element: 2 for Adam, 1 for SGD with
    /// momentum, 0 for plain SGD.
    static int64_t stateSlots(::llvm::StringRef kind, double momentum);
  }];
}

#endif // STRATA_OPS_TD
