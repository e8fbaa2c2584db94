// RUN: %strata-opt %s --pass-pipeline='builtin.module(func.func(strata-running-statistics))' | FileCheck %s

// The eval form normalizes by the running statistics themselves and returns
// them unchanged; no batch statistic is computed.
// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>, %[[M:.*]]: tensor<8xf32>, %[[V:.*]]: tensor<8xf32>)
// CHECK-NOT: strata.reduce_sum
// CHECK: strata.add %[[V]], %{{.*}} : tensor<8xf32>, tensor<f32>
// CHECK: strata.sub %[[X]], %[[M]]
// CHECK: return %{{.*}}, %[[M]], %[[V]]
// CHECK-NOT: strata.batch_norm
func.func @batch_norm(%x: tensor<?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>, %m: tensor<8xf32>, %v: tensor<8xf32>)
    -> (tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %y, %mean, %var = strata.batch_norm %x, %g, %b, %m, %v eps 1.0e-05 momentum 1.0e-01 : tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return %y, %mean, %var : tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>
}
