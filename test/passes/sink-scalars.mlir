// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-sink-scalars,canonicalize))" | FileCheck %s

// Adam's bias correction, a function of the step, moves into the kernel that
// uses it; the host keeps the buffer and the step argument only.
// CHECK-LABEL: func.func @bias_correction
// CHECK-SAME: (%[[P:.*]]: memref<4xf32>, %[[STEP:.*]]: i64)
// CHECK-NOT: math.powf
// CHECK: gpu.launch
// CHECK:   arith.sitofp %[[STEP]] : i64 to f32
// CHECK:   math.powf
// CHECK:   memref.store %{{.*}}, %[[P]]
// CHECK: return
func.func @bias_correction(%p: memref<4xf32>, %step: i64) {
  %c1 = arith.constant 1 : index
  %beta = arith.constant 0.9 : f32
  %one = arith.constant 1.0 : f32
  %t = arith.sitofp %step : i64 to f32
  %pow = math.powf %beta, %t : f32
  %bc = arith.subf %one, %pow : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    memref.store %bc, %p[%c0] : memref<4xf32>
    gpu.terminator
  }
  return
}

// Buffers and views stay outside: they are the kernel's arguments.
// CHECK-LABEL: func.func @views_stay
// CHECK: %[[V:.*]] = memref.subview
// CHECK: gpu.launch
// CHECK-NOT: memref.subview
// CHECK: memref.store %{{.*}}, %[[V]]
func.func @views_stay(%p: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %v = memref.subview %p[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %x = arith.constant 2.0 : f32
    memref.store %x, %v[%c0] : memref<4xf32, strided<[1], offset: 4>>
    gpu.terminator
  }
  return
}
