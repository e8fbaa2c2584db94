// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-flatten-parallel-loops,canonicalize))" | FileCheck %s

// A 2-D loop nest becomes one loop over the linear index; the body recovers
// (i, j) from it, j the fastest-varying.
// CHECK-LABEL: func.func @add_bias
// CHECK: %[[N:.*]] = arith.constant 2048 : index
// CHECK: scf.parallel (%[[K:.*]]) = (%{{.*}}) to (%[[N]]) step (%{{.*}}) {
// CHECK:   %[[J:.*]] = arith.remsi %[[K]], %{{.*}} : index
// CHECK:   %[[I:.*]] = arith.divsi %[[K]], %{{.*}} : index
// CHECK:   memref.load %{{.*}}[%[[I]], %[[J]]]
// CHECK-NOT: scf.parallel
func.func @add_bias(%x: memref<4x512xf32>, %b: memref<512xf32>, %y: memref<4x512xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c512 = arith.constant 512 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c512) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<4x512xf32>
    %w = memref.load %b[%j] : memref<512xf32>
    %s = arith.addf %v, %w : f32
    memref.store %s, %y[%i, %j] : memref<4x512xf32>
    scf.reduce
  }
  return
}

// A 1-D loop is already flat and stays as it is.
// CHECK-LABEL: func.func @flat
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK-NOT: arith.divsi
func.func @flat(%x: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i] : memref<8xf32>
    %s = arith.addf %v, %v : f32
    memref.store %s, %x[%i] : memref<8xf32>
    scf.reduce
  }
  return
}
