// Exact search's top-k kernels (compiler/kernels/top-k.mlir) run on the CPU:
// the same IR the GPU runs, its parallel loops one iteration after another,
// driven as runtime/cuda/GpuSearch.cpp drives them (lanes, merges at strides
// lanes/2 ... 1, gather). Checks ties (the lower row first), lanes with fewer
// than k rows, and a query with fewer rows than k.
//
// RUN: cat %kernels/top-k.mlir %s \
// RUN:   | %strata-opt --pass-pipeline="builtin.module(inline{default-pipeline=},symbol-dce,convert-scf-to-cf,expand-strided-metadata,finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts)" \
// RUN:   | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir-runner-utils \
// RUN:   | FileCheck %s

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}

// The k best of each query's row of `scores` ([queries, rows]).
func.func @top_k(%scores: memref<?xf32>, %queries: index, %rows: index, %k: index, %lanes: index)
    -> (memref<?xf32>, memref<?xi32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %lists = arith.muli %queries, %lanes : index
  %list_size = arith.muli %lists, %k : index
  %list_scores = memref.alloc(%list_size) : memref<?xf32>
  %list_ids = memref.alloc(%list_size) : memref<?xi32>
  func.call @top_k_lanes(%scores, %list_scores, %list_ids, %queries, %rows, %k, %lanes)
      : (memref<?xf32>, memref<?xf32>, memref<?xi32>, index, index, index, index) -> ()
  %first_stride = arith.divui %lanes, %c2 : index
  %unused = scf.while (%stride = %first_stride) : (index) -> index {
    %more = arith.cmpi uge, %stride, %c1 : index
    scf.condition(%more) %stride : index
  } do {
  ^bb0(%stride: index):
    func.call @top_k_merge(%list_scores, %list_ids, %queries, %k, %lanes, %stride)
        : (memref<?xf32>, memref<?xi32>, index, index, index, index) -> ()
    %next = arith.divui %stride, %c2 : index
    scf.yield %next : index
  }
  %out_size = arith.muli %queries, %k : index
  %out_scores = memref.alloc(%out_size) : memref<?xf32>
  %out_ids = memref.alloc(%out_size) : memref<?xi32>
  func.call @top_k_gather(%list_scores, %list_ids, %out_scores, %out_ids, %queries, %k, %lanes)
      : (memref<?xf32>, memref<?xi32>, memref<?xf32>, memref<?xi32>, index, index, index) -> ()
  memref.dealloc %list_scores : memref<?xf32>
  memref.dealloc %list_ids : memref<?xi32>
  return %out_scores, %out_ids : memref<?xf32>, memref<?xi32>
}

func.func @print(%scores: memref<?xf32>, %ids: memref<?xi32>) {
  %s = memref.cast %scores : memref<?xf32> to memref<*xf32>
  %i = memref.cast %ids : memref<?xi32> to memref<*xi32>
  func.call @printMemrefF32(%s) : (memref<*xf32>) -> ()
  func.call @printMemrefI32(%i) : (memref<*xi32>) -> ()
  memref.dealloc %scores : memref<?xf32>
  memref.dealloc %ids : memref<?xi32>
  return
}

memref.global "private" constant @two_queries : memref<22xf32> = dense<[
  0.1, 0.9, 0.3, 0.9, -0.5, 0.7, 0.2, 0.95, 0.0, 0.7, 0.3,
  -1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0, -8.0, -9.0, -10.0, -11.0]>
memref.global "private" constant @two_rows : memref<2xf32> = dense<[0.5, 0.25]>

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c12 = arith.constant 12 : index
  %c8 = arith.constant 8 : index
  %c11 = arith.constant 11 : index
  %c1000 = arith.constant 1000 : index

  // Two queries of 11 rows, k 3, 4 lanes: 0.9 twice (rows 1 and 3, in
  // different lanes) ranks row 1 first.
  // CHECK: data =
  // CHECK-NEXT: [0.95,  0.9,  0.9,  -1,  -2,  -3]
  // CHECK: data =
  // CHECK-NEXT: [7,  1,  3,  0,  1,  2]
  %g = memref.get_global @two_queries : memref<22xf32>
  %two = memref.cast %g : memref<22xf32> to memref<?xf32>
  %s1, %i1 = func.call @top_k(%two, %c2, %c11, %c3, %c4)
      : (memref<?xf32>, index, index, index, index) -> (memref<?xf32>, memref<?xi32>)
  func.call @print(%s1, %i1) : (memref<?xf32>, memref<?xi32>) -> ()

  // Two rows, k 3: the third place stays empty (-inf, 2^31 - 1).
  // CHECK: data =
  // CHECK-NEXT: [0.5,  0.25,  -inf]
  // CHECK: data =
  // CHECK-NEXT: [0,  1,  2147483647]
  %h = memref.get_global @two_rows : memref<2xf32>
  %few = memref.cast %h : memref<2xf32> to memref<?xf32>
  %s2, %i2 = func.call @top_k(%few, %c1, %c2, %c3, %c4)
      : (memref<?xf32>, index, index, index, index) -> (memref<?xf32>, memref<?xi32>)
  func.call @print(%s2, %i2) : (memref<?xf32>, memref<?xi32>) -> ()

  // 1,000 rows scoring (37 j) mod 101, k 12, 8 lanes: 100 is the best score,
  // at j = 30 + 101 m (ten rows), then 99 at j = 60 + 101 m.
  // CHECK: data =
  // CHECK-NEXT: [100,  100,  100,  100,  100,  100,  100,  100,  100,  100,  99,  99]
  // CHECK: data =
  // CHECK-NEXT: [30,  131,  232,  333,  434,  535,  636,  737,  838,  939,  60,  161]
  %many = memref.alloc(%c1000) : memref<?xf32>
  %c37 = arith.constant 37 : index
  %c101 = arith.constant 101 : index
  scf.for %j = %c0 to %c1000 step %c1 {
    %product = arith.muli %j, %c37 : index
    %residue = arith.remui %product, %c101 : index
    %as_int = arith.index_cast %residue : index to i32
    %score = arith.sitofp %as_int : i32 to f32
    memref.store %score, %many[%j] : memref<?xf32>
  }
  %s3, %i3 = func.call @top_k(%many, %c1, %c1000, %c12, %c8)
      : (memref<?xf32>, index, index, index, index) -> (memref<?xf32>, memref<?xi32>)
  func.call @print(%s3, %i3) : (memref<?xf32>, memref<?xi32>) -> ()
  memref.dealloc %many : memref<?xf32>
  return
}
