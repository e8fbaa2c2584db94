// RUN: %strata-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(strata-sorted-scatter-add))" | FileCheck %s
// RUN: %strata-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(strata-lower-to-linalg))" | FileCheck %s --check-prefix=CPU

// An embedding gradient, [2, 3] ids into a [5, 2] table: each position's
// rank in a stable sort of the ids (6 x 6 pairs), the sorted positions,
// each row's first and end position in them (5 x 6 pairs), then one
// parallel op over the table whose (v, d) adds v's rows in position order.
// No sequential loop over the ids is left, and no op writes the table at an
// id: every element is written by its own iteration.
// CHECK-LABEL: func.func @scatter
// CHECK: %[[IDS:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<2x3xi32> into tensor<6xi32>
// CHECK: %[[RANK:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[IDS]], %[[IDS]] : tensor<6xi32>, tensor<6xi32>) outs(%{{.*}} : tensor<6xi32>)
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi eq
// CHECK: arith.addi
// CHECK: %[[ORDER:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[RANK]] : tensor<6xi32>) outs(%{{.*}} : tensor<6xi32>)
// CHECK: %[[FIRST:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[IDS]] : tensor<6xi32>) outs(%{{.*}} : tensor<5xi32>)
// CHECK: arith.cmpi slt
// CHECK: %[[END:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[IDS]] : tensor<6xi32>) outs(%{{.*}} : tensor<5xi32>)
// CHECK: arith.cmpi sle
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%[[FIRST]], %[[END]] : tensor<5xi32>, tensor<5xi32>) outs(%{{.*}} : tensor<5x2xf32>)
// CHECK: scf.for
// CHECK: tensor.extract %[[ORDER]]
// CHECK: arith.addf
// CHECK-NOT: strata.embedding_grad
// CHECK-NOT: tensor.insert
// The CPU's form, for contrast: a loop over the ids inserting into the table.
// CPU-LABEL: func.func @scatter
// CPU: scf.for
// CPU: tensor.insert
func.func @scatter(%ids: tensor<2x3xi32>, %g: tensor<2x3x2xf32>) -> tensor<5x2xf32> {
  %t = strata.embedding_grad %ids, %g vocab 5 : tensor<2x3xi32>, tensor<2x3x2xf32> -> tensor<5x2xf32>
  return %t : tensor<5x2xf32>
}

// -----

// 64-bit ids are compared as such; a row index is widened to meet them.
// CHECK-LABEL: func.func @wide_ids
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : i64
// CPU-LABEL: func.func @wide_ids
func.func @wide_ids(%ids: tensor<4xi64>, %g: tensor<4x3xf32>) -> tensor<7x3xf32> {
  %t = strata.embedding_grad %ids, %g vocab 7 : tensor<4xi64>, tensor<4x3xf32> -> tensor<7x3xf32>
  return %t : tensor<7x3xf32>
}

// -----

// Must not apply: without static shapes the counts have no extent; the op
// is left for strata-lower-to-linalg to report.
// CHECK-LABEL: func.func @dynamic
// CHECK: strata.embedding_grad
// CPU-LABEL: func.func @dynamic
func.func @dynamic(%ids: tensor<?xi32>, %g: tensor<?x3xf32>) -> tensor<7x3xf32> {
  %t = strata.embedding_grad %ids, %g vocab 7 : tensor<?xi32>, tensor<?x3xf32> -> tensor<7x3xf32>
  return %t : tensor<7x3xf32>
}
