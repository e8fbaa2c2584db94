// RUN: %strata-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(strata-vectorize-elementwise))" | FileCheck %s

// A flat elementwise loop over 4096 elements becomes 1024 iterations of four:
// the row (k / 512) is one scalar for the four lanes, the column (k % 512)
// starts a run; x and y are read and written as vector<4xf32>, the bias too
// (its index is the column), and the scalar scale is splat once.
// CHECK-LABEL: func.func @bias_scale
// CHECK: %[[GROUPS:.*]] = arith.constant 1024 : index
// CHECK: scf.parallel (%[[G:.*]]) = (%{{.*}}) to (%[[GROUPS]]) step (%{{.*}}) {
// CHECK:   %[[K:.*]] = arith.muli %[[G]], %{{.*}} : index
// CHECK:   %[[J:.*]] = arith.remsi %[[K]], %{{.*}} : index
// CHECK:   %[[I:.*]] = arith.divsi %[[K]], %{{.*}} : index
// CHECK:   %[[X:.*]] = vector.load %{{.*}}[%[[I]], %[[J]]] : memref<8x512xf32>, vector<4xf32>
// CHECK:   %[[B:.*]] = vector.load %{{.*}}[%[[J]]] : memref<512xf32>, vector<4xf32>
// CHECK:   %[[S:.*]] = memref.load %{{.*}}[] : memref<f32>
// CHECK:   %[[SUM:.*]] = arith.addf %[[X]], %[[B]] : vector<4xf32>
// CHECK:   %[[SPLAT:.*]] = vector.splat %[[S]] : vector<4xf32>
// CHECK:   %[[Y:.*]] = arith.mulf %[[SUM]], %[[SPLAT]] : vector<4xf32>
// CHECK:   vector.store %[[Y]], %{{.*}}[%[[I]], %[[J]]] : memref<8x512xf32>, vector<4xf32>
// CHECK-NOT: scf.parallel
func.func @bias_scale(%x: memref<8x512xf32>, %b: memref<512xf32>, %s: memref<f32>, %y: memref<8x512xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c512 = arith.constant 512 : index
  %c4096 = arith.constant 4096 : index
  scf.parallel (%k) = (%c0) to (%c4096) step (%c1) {
    %j = arith.remsi %k, %c512 : index
    %i = arith.divsi %k, %c512 : index
    %v = memref.load %x[%i, %j] : memref<8x512xf32>
    %w = memref.load %b[%j] : memref<512xf32>
    %scale = memref.load %s[] : memref<f32>
    %sum = arith.addf %v, %w : f32
    %r = arith.mulf %sum, %scale : f32
    memref.store %r, %y[%i, %j] : memref<8x512xf32>
    scf.reduce
  }
  return
}

// -----

// The index as data (a random stream keyed by the element): the four lanes'
// indices are the run's first plus [0, 1, 2, 3]; what depends only on the
// seed stays scalar.
// CHECK-LABEL: func.func @keyed_by_index
// CHECK: scf.parallel
// CHECK:   %[[STEPS:.*]] = arith.constant dense<[0, 1, 2, 3]> : vector<4xindex>
// CHECK:   %[[KEY:.*]] = arith.addi %{{.*}}, %[[STEPS]] : vector<4xindex>
// CHECK:   arith.index_cast %[[KEY]] : vector<4xindex> to vector<4xi32>
// CHECK:   arith.muli %{{.*}}, %{{.*}} : i32
// CHECK:   vector.store %{{.*}} : memref<1024xf32>, vector<4xf32>
func.func @keyed_by_index(%seed: i32, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  %c3 = arith.constant 3 : i32
  scf.parallel (%k) = (%c0) to (%c1024) step (%c1) {
    %key = arith.index_cast %k : index to i32
    %mixed = arith.muli %seed, %c3 : i32
    %bits = arith.xori %key, %mixed : i32
    %f = arith.uitofp %bits : i32 to f32
    memref.store %f, %y[%k] : memref<1024xf32>
    scf.reduce
  }
  return
}

// -----

// Loops that stay as they are: 1,023 elements (not a multiple of 4); a
// view whose offset (2) would misalign the runs; a column count (6) that is
// not a multiple of 4, so k / 6 differs within a run; four lanes storing to
// one element.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: vector.
// CHECK: return
func.func @left_alone(%x: memref<1023xf32>, %v: memref<8xf32, strided<[1], offset: 2>>, %m: memref<4x6xf32>,
                      %acc: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %c8 = arith.constant 8 : index
  %c24 = arith.constant 24 : index
  %c1023 = arith.constant 1023 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%k) = (%c0) to (%c1023) step (%c1) {
    memref.store %one, %x[%k] : memref<1023xf32>
    scf.reduce
  }
  scf.parallel (%k) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %v[%k] : memref<8xf32, strided<[1], offset: 2>>
    scf.reduce
  }
  scf.parallel (%k) = (%c0) to (%c24) step (%c1) {
    %j = arith.remsi %k, %c6 : index
    %i = arith.divsi %k, %c6 : index
    memref.store %one, %m[%i, %j] : memref<4x6xf32>
    scf.reduce
  }
  scf.parallel (%k) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %acc[] : memref<f32>
    scf.reduce
  }
  return
}
