// RUN: %strata-opt %s --allow-unregistered-dialect --split-input-file --pass-pipeline="builtin.module(func.func(strata-group-sibling-loops))" | FileCheck %s
// RUN: %strata-opt %s --allow-unregistered-dialect --split-input-file --pass-pipeline="builtin.module(func.func(strata-group-sibling-loops,scf-parallel-loop-fusion))" | FileCheck %s --check-prefix=FUSED

// Attention's shape: each projection GEMM is followed by a copy that permutes
// its output to [B, H, S, D]. The first two copies move down past the GEMMs
// they do not touch, to the third; fusion then makes the three one loop (its
// alias analysis needs the buffers to be allocations).
// CHECK-LABEL: func.func @three_permutes
// CHECK: call @gemm(%{{.*}}, %[[Q:.*]]) :
// CHECK-NEXT: call @gemm(%{{.*}}, %[[K:.*]]) :
// CHECK-NEXT: call @gemm(%{{.*}}, %[[V:.*]]) :
// CHECK-NEXT: scf.parallel
// CHECK: memref.load %[[Q]]
// CHECK: scf.parallel
// CHECK: memref.load %[[K]]
// CHECK: scf.parallel
// CHECK: memref.load %[[V]]
// FUSED-LABEL: func.func @three_permutes
// FUSED-COUNT-1: scf.parallel
// FUSED-NOT: scf.parallel
func.func private @gemm(memref<2x4x2x8xf32>, memref<2x4x2x8xf32>)
func.func @three_permutes(%x: memref<2x4x2x8xf32>) {
  %q = memref.alloc() : memref<2x4x2x8xf32>
  %k = memref.alloc() : memref<2x4x2x8xf32>
  %v = memref.alloc() : memref<2x4x2x8xf32>
  %qt = memref.alloc() : memref<2x2x4x8xf32>
  %kt = memref.alloc() : memref<2x2x4x8xf32>
  %vt = memref.alloc() : memref<2x2x4x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  call @gemm(%x, %q) : (memref<2x4x2x8xf32>, memref<2x4x2x8xf32>) -> ()
  scf.parallel (%b, %h, %s, %d) = (%c0, %c0, %c0, %c0) to (%c2, %c2, %c4, %c8) step (%c1, %c1, %c1, %c1) {
    %e = memref.load %q[%b, %s, %h, %d] : memref<2x4x2x8xf32>
    memref.store %e, %qt[%b, %h, %s, %d] : memref<2x2x4x8xf32>
    scf.reduce
  }
  call @gemm(%x, %k) : (memref<2x4x2x8xf32>, memref<2x4x2x8xf32>) -> ()
  scf.parallel (%b, %h, %s, %d) = (%c0, %c0, %c0, %c0) to (%c2, %c2, %c4, %c8) step (%c1, %c1, %c1, %c1) {
    %e = memref.load %k[%b, %s, %h, %d] : memref<2x4x2x8xf32>
    memref.store %e, %kt[%b, %h, %s, %d] : memref<2x2x4x8xf32>
    scf.reduce
  }
  call @gemm(%x, %v) : (memref<2x4x2x8xf32>, memref<2x4x2x8xf32>) -> ()
  scf.parallel (%b, %h, %s, %d) = (%c0, %c0, %c0, %c0) to (%c2, %c2, %c4, %c8) step (%c1, %c1, %c1, %c1) {
    %e = memref.load %v[%b, %s, %h, %d] : memref<2x4x2x8xf32>
    memref.store %e, %vt[%b, %h, %s, %d] : memref<2x2x4x8xf32>
    scf.reduce
  }
  return
}

// -----

// A call between them reads what the first loop writes and writes what the
// second reads: neither moves.
// CHECK-LABEL: func.func @reader_between
// CHECK: scf.parallel
// CHECK: call @use(%{{.*}}) :
// CHECK: scf.parallel
// FUSED-LABEL: func.func @reader_between
// FUSED-COUNT-2: scf.parallel
func.func private @use(memref<16xf32>)
func.func @reader_between(%a: memref<16xf32>, %b: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %one, %a[%i] : memref<16xf32>
    scf.reduce
  }
  call @use(%a) : (memref<16xf32>) -> ()
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %e = memref.load %a[%i] : memref<16xf32>
    memref.store %e, %b[%i] : memref<16xf32>
    scf.reduce
  }
  return
}

// -----

// A call between them writes a view of the buffer the first loop reads: the
// view is traced to its allocation, and the loop stays (the second loop reads
// it too, so it does not come up either).
// CHECK-LABEL: func.func @writer_of_a_view_between
// CHECK: scf.parallel
// CHECK: memref.expand_shape
// CHECK: call @fill(%{{.*}}) :
// CHECK: scf.parallel
func.func private @fill(memref<4x4xf32>)
func.func @writer_of_a_view_between(%b: memref<16xf32>, %c: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<16xf32>
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %e = memref.load %a[%i] : memref<16xf32>
    memref.store %e, %b[%i] : memref<16xf32>
    scf.reduce
  }
  %view = memref.expand_shape %a [[0, 1]] output_shape [4, 4] : memref<16xf32> into memref<4x4xf32>
  call @fill(%view) : (memref<4x4xf32>) -> ()
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %e = memref.load %a[%i] : memref<16xf32>
    memref.store %e, %c[%i] : memref<16xf32>
    scf.reduce
  }
  return
}

// -----

// Different iteration spaces, and an op whose effects are unknown: nothing moves.
// CHECK-LABEL: func.func @no_sibling
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[C16:.*]]) step
// CHECK-NEXT: memref.store %{{.*}}, %[[A:.*]][
// CHECK: call @use(%{{.*}}) :
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK: "test.unknown"()
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[C16]]) step
func.func private @use(memref<16xf32>)
func.func @no_sibling(%a: memref<16xf32>, %b: memref<16xf32>, %c: memref<8xf32>, %d: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %one, %a[%i] : memref<16xf32>
    scf.reduce
  }
  call @use(%b) : (memref<16xf32>) -> ()
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %one, %c[%i] : memref<8xf32>
    scf.reduce
  }
  "test.unknown"() : () -> ()
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %one, %d[%i] : memref<16xf32>
    scf.reduce
  }
  return
}

// -----

// A loop with a nested parallel loop (a reduction kernel) is neither moved
// nor a target; the last loop comes up past it and the call to the first.
// CHECK-LABEL: func.func @nested
// CHECK: scf.parallel
// CHECK-NEXT: memref.store %{{.*}}, %[[A:[a-z0-9]+]][
// CHECK: scf.parallel
// CHECK-NEXT: memref.store %{{.*}}, %[[C:[a-z0-9]+]][
// CHECK: scf.parallel
// CHECK-NEXT: scf.parallel
// CHECK: call @use(%[[A]])
// CHECK-NOT: scf.parallel
func.func private @use(memref<16xf32>)
func.func @nested(%a: memref<16xf32>, %b: memref<16xf32>, %c: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %one, %a[%i] : memref<16xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c1) step (%c1) {
      memref.store %one, %b[%i] : memref<16xf32>
      scf.reduce
    }
    scf.reduce
  }
  call @use(%a) : (memref<16xf32>) -> ()
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %one, %c[%i] : memref<16xf32>
    scf.reduce
  }
  return
}

// -----

// Backward attention: each copy's output feeds the GEMM right after it, so
// no copy can go down; the later copies come up to the first, the allocations
// they write above it, and fusion makes one loop of the three.
// CHECK-LABEL: func.func @copies_feeding_gemms
// CHECK-COUNT-6: memref.alloc
// CHECK-NEXT: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: call @gemm
// CHECK: call @gemm
// CHECK: call @gemm
// FUSED-LABEL: func.func @copies_feeding_gemms
// FUSED-COUNT-1: scf.parallel
// FUSED-NOT: scf.parallel
func.func private @gemm(memref<64xf32>, memref<16xf32>)
func.func @copies_feeding_gemms(%w: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %dq = memref.alloc() : memref<8x8xf32>
  %dk = memref.alloc() : memref<8x8xf32>
  %dv = memref.alloc() : memref<8x8xf32>
  %q = memref.alloc() : memref<8x8xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %e = memref.load %dq[%j, %i] : memref<8x8xf32>
    memref.store %e, %q[%i, %j] : memref<8x8xf32>
    scf.reduce
  }
  %qf = memref.collapse_shape %q [[0, 1]] : memref<8x8xf32> into memref<64xf32>
  call @gemm(%qf, %w) : (memref<64xf32>, memref<16xf32>) -> ()
  %k = memref.alloc() : memref<8x8xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %e = memref.load %dk[%j, %i] : memref<8x8xf32>
    memref.store %e, %k[%i, %j] : memref<8x8xf32>
    scf.reduce
  }
  %kf = memref.collapse_shape %k [[0, 1]] : memref<8x8xf32> into memref<64xf32>
  call @gemm(%kf, %w) : (memref<64xf32>, memref<16xf32>) -> ()
  %v = memref.alloc() : memref<8x8xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %e = memref.load %dv[%j, %i] : memref<8x8xf32>
    memref.store %e, %v[%i, %j] : memref<8x8xf32>
    scf.reduce
  }
  %vf = memref.collapse_shape %v [[0, 1]] : memref<8x8xf32> into memref<64xf32>
  call @gemm(%vf, %w) : (memref<64xf32>, memref<16xf32>) -> ()
  return
}
