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

// -----

#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#bcast = affine_map<(d0, d1) -> (d0, 0)>
#col = affine_map<(d0, d1) -> (d1)>

// Layer norm over rows of 512: the mean's sum, the variance's sum (reading
// the first through a [64, 1] reshape) and the normalization (reading both)
// run in one kernel, a block per row, with a barrier between them so every
// thread sees thread 0's stores. Both fills fold into their reductions.
// CHECK-LABEL: func.func @layer_norm
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch
// CHECK:   gpu.all_reduce add
// CHECK:   memref.store %{{.*}}, %[[SUM:.*]][%[[ROW:.*]]] : memref<64xf32>
// CHECK:   gpu.barrier
// CHECK:   scf.for
// CHECK:     memref.load %{{.*}}[%[[ROW]], %{{.*}}] : memref<64x1xf32>
// CHECK:   gpu.all_reduce add
// CHECK:   gpu.barrier
// CHECK:   scf.for
// CHECK:     math.sqrt
// CHECK:     memref.store %{{.*}}, %{{.*}}[%[[ROW]], %{{.*}}] : memref<64x512xf32>
// CHECK:   gpu.terminator
// CHECK-NOT: gpu.launch
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @layer_norm(%x: memref<64x512xf32>, %gamma: memref<512xf32>, %y: memref<64x512xf32>) {
  %zero = arith.constant 0.0 : f32
  %inv = arith.constant 0.001953125 : f32
  %eps = arith.constant 1.0e-5 : f32
  %sum = memref.alloc() : memref<64xf32>
  linalg.fill ins(%zero : f32) outs(%sum : memref<64xf32>)
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x512xf32>) outs(%sum : memref<64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  %sum2 = memref.expand_shape %sum [[0, 1]] output_shape [64, 1] : memref<64xf32> into memref<64x1xf32>
  %sq = memref.alloc() : memref<64xf32>
  linalg.fill ins(%zero : f32) outs(%sq : memref<64xf32>)
  linalg.generic {indexing_maps = [#rows, #bcast, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %sum2 : memref<64x512xf32>, memref<64x1xf32>) outs(%sq : memref<64xf32>) {
  ^bb0(%in: f32, %s: f32, %acc: f32):
    %mean = arith.mulf %s, %inv : f32
    %c = arith.subf %in, %mean : f32
    %c2 = arith.mulf %c, %c : f32
    %a = arith.addf %acc, %c2 : f32
    linalg.yield %a : f32
  }
  %sq2 = memref.expand_shape %sq [[0, 1]] output_shape [64, 1] : memref<64xf32> into memref<64x1xf32>
  linalg.generic {indexing_maps = [#rows, #bcast, #bcast, #col, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum2, %sq2, %gamma : memref<64x512xf32>, memref<64x1xf32>, memref<64x1xf32>, memref<512xf32>) outs(%y : memref<64x512xf32>) {
  ^bb0(%in: f32, %s: f32, %v: f32, %g: f32, %o: f32):
    %mean = arith.mulf %s, %inv : f32
    %var = arith.mulf %v, %inv : f32
    %ve = arith.addf %var, %eps : f32
    %sd = math.sqrt %ve : f32
    %c = arith.subf %in, %mean : f32
    %n = arith.divf %c, %sd : f32
    %r = arith.mulf %n, %g : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>

// A row group stops where blocks would share data: the elementwise op reads
// the row sums by column (sum[j], other blocks' results), so it is not in the
// reduction's kernel.
// CHECK-LABEL: func.func @no_group_across_rows
// CHECK: gpu.launch
// CHECK-NOT: gpu.barrier
// CHECK: gpu.terminator
// CHECK: linalg.generic
func.func @no_group_across_rows(%x: memref<64x64xf32>, %sum: memref<64xf32>, %y: memref<64x64xf32>) {
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x64xf32>) outs(%sum : memref<64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#rows, #col, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum : memref<64x64xf32>, memref<64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%in: f32, %s: f32, %o: f32):
    %d = arith.subf %in, %s : f32
    linalg.yield %d : f32
  }
  return
}

// -----

// An integer count (the sorted scatter-add's rank of each id): a block per
// output like a float sum, the threads' i32 partials added by gpu.all_reduce,
// the zero fill folded into thread 0's store.
// CHECK-LABEL: func.func @count
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch
// CHECK:   %[[PARTIAL:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %c0_i32{{.*}}) -> (i32)
// CHECK:     arith.cmpi slt
// CHECK:     arith.addi
// CHECK:   %[[TOTAL:.*]] = gpu.all_reduce add %[[PARTIAL]] uniform
// CHECK:   scf.if
// CHECK:     %[[SUM:.*]] = arith.addi %{{.*}}, %[[TOTAL]] : i32
// CHECK:     memref.store %[[SUM]], %{{.*}}[%{{.*}}] : memref<64xi32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @count(%ids: memref<64xi32>, %rank: memref<64xi32>) {
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%rank : memref<64xi32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%ids, %ids : memref<64xi32>, memref<64xi32>) outs(%rank : memref<64xi32>) {
  ^bb0(%mine: i32, %other: i32, %acc: i32):
    %less = arith.cmpi slt, %other, %mine : i32
    %one = arith.extui %less : i1 to i32
    %sum = arith.addi %acc, %one : i32
    linalg.yield %sum : i32
  }
  return
}

// -----

// Few long rows (4 of 16384, a batch norm's channels): split across blocks.
// Launch 1 has 16 parts a row (two waves of 132 SMs would want 66; each part
// keeps at least 1024 elements), each block combining its contiguous part
// into partials[row, part]; launch 2 has a block per row that adds the 16
// partials in part order to the fill's constant and stores.
// CHECK-LABEL: func.func @few_long_rows
// CHECK: %[[PARTIALS:.*]] = memref.alloc() : memref<4x16xf32>
// CHECK: gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c64, %{{.*}}, %{{.*}})
// CHECK:   %[[ROW:.*]] = arith.divui %[[B]], %{{.*}} : index
// CHECK:   %[[PART:.*]] = arith.remui %[[B]], %{{.*}} : index
// CHECK:   %[[BEGIN:.*]] = arith.muli %[[PART]], %{{.*}} : index
// CHECK:   %[[END:.*]] = arith.minui
// CHECK:   scf.for %{{.*}} = %{{.*}} to %[[END]] step
// CHECK:   gpu.all_reduce add
// CHECK:   memref.store %{{.*}}, %[[PARTIALS]][%[[ROW]], %[[PART]]] : memref<4x16xf32>
// CHECK: gpu.launch blocks(%[[R:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c4, %{{.*}}, %{{.*}})
// CHECK:   scf.for
// CHECK:     memref.load %[[PARTIALS]][%[[R]], %{{.*}}] : memref<4x16xf32>
// CHECK:   gpu.all_reduce add
// CHECK:   memref.store %{{.*}}, %{{.*}}[%[[R]]] : memref<4xf32>
// CHECK-NOT: linalg
// CHECK: return
func.func @few_long_rows(%x: memref<4x16384xf32>, %out: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x16384xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %sum = arith.addf %acc, %in : f32
    linalg.yield %sum : f32
  }
  return
}

// -----

// Must not split: 256 rows are blocks enough, however long.
// CHECK-LABEL: func.func @many_long_rows
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c256
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @many_long_rows(%x: memref<256x16384xf32>, %out: memref<256xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<256xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<256x16384xf32>) outs(%out : memref<256xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %sum = arith.addf %acc, %in : f32
    linalg.yield %sum : f32
  }
  return
}
