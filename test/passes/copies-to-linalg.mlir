// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-copies-to-linalg))" | FileCheck %s

// CHECK-LABEL: func.func @copy
// CHECK: linalg.copy ins(%{{.*}} : memref<4x8xf32>) outs(%{{.*}} : memref<4x8xf32, strided<[16, 1]>>)
// CHECK-NOT: memref.copy
func.func @copy(%a: memref<4x8xf32>, %b: memref<4x16xf32>) {
  %v = memref.subview %b[0, 0] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1]>>
  memref.copy %a, %v : memref<4x8xf32> to memref<4x8xf32, strided<[16, 1]>>
  return
}
