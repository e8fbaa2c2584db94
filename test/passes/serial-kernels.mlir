// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-serial-kernels))" --split-input-file --verify-diagnostics | FileCheck %s

// A full reduction left as host loops, and the 0-d scaling after it, become
// one one-thread kernel; the scalar math on the step, which reads no buffer,
// stays on the host and is captured by the kernel.
// CHECK-LABEL: func.func @loss
// CHECK: %[[T:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[ONE:.*]], %{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]]) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]], %{{.*}} = %[[ONE]]) {
// CHECK:   scf.for
// CHECK:   memref.load
// CHECK:   arith.mulf %{{.*}}, %[[T]] : f32
// CHECK:   memref.store
// CHECK:   gpu.terminator
// CHECK: }
// CHECK-NEXT: return
func.func @loss(%x: memref<8xf32>, %out: memref<f32>, %step: i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  memref.store %zero, %out[] : memref<f32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    %acc = memref.load %out[] : memref<f32>
    %s = arith.addf %v, %acc : f32
    memref.store %s, %out[] : memref<f32>
  }
  %t = arith.sitofp %step : i64 to f32
  %sum = memref.load %out[] : memref<f32>
  %scaled = arith.mulf %sum, %t : f32
  memref.store %scaled, %out[] : memref<f32>
  return
}

// -----

// A launch ends a run: buffer code on both sides makes two kernels.
// CHECK-LABEL: func.func @two_runs
// CHECK: gpu.launch blocks
// CHECK: call @gemm
// CHECK: gpu.launch blocks
func.func private @gemm(memref<f32>)
func.func @two_runs(%a: memref<f32>) {
  %one = arith.constant 1.0 : f32
  memref.store %one, %a[] : memref<f32>
  func.call @gemm(%a) : (memref<f32>) -> ()
  memref.store %one, %a[] : memref<f32>
  return
}

// -----

// The host cannot read what the device computed.
func.func @host_reads(%a: memref<f32>) -> f32 {
  // expected-error @+1 {{strata-serial-kernels: the host needs this value after the device computes it}}
  %v = memref.load %a[] : memref<f32>
  return %v : f32
}
