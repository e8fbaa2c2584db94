// The sorted scatter-add, run on the CPU beside the CPU's own loop: the same
// table, bit for bit. Row 3 gathers 1e8, 1 and -1e8 in its column 0: added in
// position order that is (1e8 + 1) - 1e8 = 0 in f32; any other order of the
// three could give 1. Row 2 (no id) is zero.
//
// DEFINE: %{lower} = one-shot-bufferize{bufferize-function-boundaries},func.func(convert-linalg-to-loops),convert-vector-to-scf,convert-scf-to-cf,expand-strided-metadata,convert-vector-to-llvm,finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts
// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-sorted-scatter-add,strata-lower-to-linalg),%{lower})" \
// RUN:   | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir-runner-utils | FileCheck %s
// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-lower-to-linalg),%{lower})" \
// RUN:   | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir-runner-utils | FileCheck %s
//
// CHECK-COUNT-2: 4
// CHECK-NEXT: 8
// CHECK-NEXT: 8
// CHECK-NEXT: 0
// CHECK-NEXT: 0
// CHECK-NEXT: 0
// CHECK-NEXT: 9
// CHECK-NEXT: 7
// CHECK-NEXT: 7

func.func @scatter(%ids: tensor<7xi32>, %g: tensor<7x2xf32>) -> tensor<5x2xf32> {
  %t = strata.embedding_grad %ids, %g vocab 5 : tensor<7xi32>, tensor<7x2xf32> -> tensor<5x2xf32>
  return %t : tensor<5x2xf32>
}

func.func @main() {
  %ids = arith.constant dense<[3, 1, 3, 0, 3, 1, 4]> : tensor<7xi32>
  %g = arith.constant dense<[[1.0e8, 1.0], [2.0, 2.0], [1.0, 3.0], [4.0, 4.0], [-1.0e8, 5.0], [6.0, 6.0], [7.0, 7.0]]> : tensor<7x2xf32>
  %t = call @scatter(%ids, %g) : (tensor<7xi32>, tensor<7x2xf32>) -> tensor<5x2xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c5 = arith.constant 5 : index
  scf.for %v = %c0 to %c5 step %c1 {
    scf.for %d = %c0 to %c2 step %c1 {
      %x = tensor.extract %t[%v, %d] : tensor<5x2xf32>
      vector.print %x : f32
    }
  }
  return
}
