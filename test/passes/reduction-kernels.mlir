// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-reduction-kernels))" --split-input-file | FileCheck %s

#rows = affine_map<(d0, d1) -> (d0, d1)>
#none = affine_map<(d0, d1) -> ()>
#scalar = affine_map<() -> ()>

// A full reduction (a loss): one block of 1024 threads striding over the 2048
// elements, a gpu.all_reduce, thread 0 adding the fill's constant and
// storing. The zero fill is gone, and the 0-d scaling after the reduction
// runs in thread 0 of the same kernel; the allocation between them moves
// above the launch.
// CHECK-LABEL: func.func @loss
// CHECK-NOT: linalg.fill
// CHECK: %[[SCALED:.*]] = memref.alloc() : memref<f32>
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID:.*]], %{{.*}}, %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCK:.*]], %{{.*}}, %{{.*}})
// CHECK:   %[[PARTIAL:.*]] = scf.for %[[R:.*]] = %[[TX]] to %{{.*}} step %[[BLOCK]] iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32)
// CHECK:     %[[COL:.*]] = arith.remui %[[R]]
// CHECK:     %[[ROW:.*]] = arith.divui %[[R]]
// CHECK:     %[[V:.*]] = memref.load %{{.*}}[%[[ROW]], %[[COL]]] : memref<8x256xf32>
// CHECK:     %[[SQ:.*]] = arith.mulf %[[V]], %[[V]] : f32
// CHECK:     %[[NEXT:.*]] = arith.addf %[[ACC]], %[[SQ]] : f32
// CHECK:     scf.yield %[[NEXT]]
// CHECK:   %[[TOTAL:.*]] = gpu.all_reduce add %[[PARTIAL]] uniform
// CHECK:   scf.if
// CHECK:     %[[SUM:.*]] = arith.addf %{{.*}}, %[[TOTAL]] : f32
// CHECK:     memref.store %[[SUM]], %[[OUT:.*]][] : memref<f32>
// CHECK:     linalg.generic {{.*}} ins(%[[OUT]] : memref<f32>) outs(%[[SCALED]] : memref<f32>)
// CHECK:   gpu.terminator
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @loss(%x: memref<8x256xf32>, %out: memref<f32>) -> memref<f32> {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<f32>)
  linalg.generic {indexing_maps = [#rows, #none], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<8x256xf32>) outs(%out : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %sq = arith.mulf %in, %in : f32
    %sum = arith.addf %acc, %sq : f32
    linalg.yield %sum : f32
  }
  %scaled = memref.alloc() : memref<f32>
  linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []}
      ins(%out : memref<f32>) outs(%scaled : memref<f32>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.mulf %in, %half : f32
    linalg.yield %m : f32
  }
  return %scaled : memref<f32>
}

// -----

#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// A row maximum (softmax): a block per row, 256 threads, maximumf. Without a
// fill before it, thread 0 combines with the output's old value.
// CHECK-LABEL: func.func @row_max
// CHECK: %[[ROWS:.*]] = arith.constant 64 : index
// CHECK: %[[THREADS:.*]] = arith.constant 256 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[ROWS]], %{{.*}}, %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[THREADS]], %{{.*}}, %{{.*}})
// CHECK:   scf.for %[[K:.*]] = %[[TX]]
// CHECK:     memref.load %{{.*}}[%[[BX]], %[[K]]] : memref<64x1000xf32>
// CHECK:     arith.maximumf
// CHECK:   gpu.all_reduce maximumf
// CHECK:   scf.if
// CHECK:     %[[OLD:.*]] = memref.load %[[OUT:.*]][%[[BX]]] : memref<64xf32>
// CHECK:     %[[MAX:.*]] = arith.maximumf %[[OLD]], %{{.*}} : f32
// CHECK:     memref.store %[[MAX]], %[[OUT]][%[[BX]]] : memref<64xf32>
func.func @row_max(%x: memref<64x1000xf32>, %out: memref<64xf32>) {
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x1000xf32>) outs(%out : memref<64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.maximumf %acc, %in : f32
    linalg.yield %m : f32
  }
  return
}

// -----

#by_row = affine_map<(d0, d1) -> (d1, d0)>
#col = affine_map<(d0, d1) -> (d0)>

// A bias gradient (sum over the batch of each column), loops ordered
// parallel first: a block per column reading down it; 128 rows take 128
// threads.
// CHECK-LABEL: func.func @bias_grad
// CHECK: %[[COLS:.*]] = arith.constant 512 : index
// CHECK: %[[THREADS:.*]] = arith.constant 128 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[COLS]], %{{.*}}, %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[THREADS]], %{{.*}}, %{{.*}})
// CHECK:   scf.for %[[I:.*]] = %[[TX]]
// CHECK:     memref.load %{{.*}}[%[[I]], %[[BX]]] : memref<128x512xf32>
// CHECK:   gpu.all_reduce add
// CHECK:   memref.store %{{.*}}, %{{.*}}[%[[BX]]] : memref<512xf32>
// CHECK-NOT: linalg.fill
func.func @bias_grad(%dy: memref<128x512xf32>, %db: memref<512xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%db : memref<512xf32>)
  linalg.generic {indexing_maps = [#by_row, #col], iterator_types = ["parallel", "reduction"]}
      ins(%dy : memref<128x512xf32>) outs(%db : memref<512xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// What stays a generic: a reduction of 4 elements per output over many
// outputs (a thread per output does better), and a reduction whose body does
// not combine the output with one value (here it keeps the output when the
// input is negative: not a combiner gpu.all_reduce knows).
// CHECK-LABEL: func.func @not_converted
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NOT: gpu.launch
func.func @not_converted(%x: memref<4096x4xf32>, %out: memref<4096xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4096x4xf32>) outs(%out : memref<4096xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4096x4xf32>) outs(%out : memref<4096xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %neg = arith.cmpf olt, %in, %zero : f32
    %s = arith.select %neg, %acc, %in : f32
    linalg.yield %s : f32
  }
  return
}
