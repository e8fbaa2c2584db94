// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-plan-memory))" --split-input-file | FileCheck %s

// Three 4 KiB buffers in a chain a -> b -> c: a dies where b is made, so c
// reuses a's bytes; b overlaps both in time and gets its own 4 KiB. The
// scratch arena is 8 KiB where separate allocations would take 12 KiB.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%{{.*}}: memref<1024xf32>, %{{.*}}: memref<1024xf32>, %[[S:.*]]: memref<8192xi8> {strata.arena = "scratch"})
// CHECK-SAME: strata.buffers = 3 : i64, strata.scratch_bytes = 8192 : i64, strata.unplanned_bytes = 12288 : i64
// (constants print as %c<value>: the offset is in the name)
// CHECK: memref.view %[[S]][%c0{{(_[0-9]+)?}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK: memref.view %[[S]][%c4096{{(_[0-9]+)?}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK: memref.view %[[S]][%c0{{(_[0-9]+)?}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
func.func @chain(%x: memref<1024xf32>, %out: memref<1024xf32>) {
  %a = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%x : memref<1024xf32>) outs(%a : memref<1024xf32>)
  %b = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%a : memref<1024xf32>) outs(%b : memref<1024xf32>)
  memref.dealloc %a : memref<1024xf32>
  %c = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%b : memref<1024xf32>) outs(%c : memref<1024xf32>)
  linalg.copy ins(%c : memref<1024xf32>) outs(%out : memref<1024xf32>)
  return
}

// -----

// A view keeps its buffer alive: %a is read through a subview after %b is
// made, so the two cannot share. Offsets are 256-byte aligned.
// CHECK-LABEL: func.func @view_extends_life
// CHECK-SAME: strata.scratch_bytes = 512 : i64
// CHECK: memref.view %{{.*}}[%c0{{(_[0-9]+)?}}][] : memref<512xi8> to memref<10xf32>
// CHECK: memref.view %{{.*}}[%c256{{(_[0-9]+)?}}][] : memref<512xi8> to memref<10xf32>
func.func @view_extends_life(%x: memref<10xf32>, %out: memref<5xf32>) {
  %a = memref.alloc() : memref<10xf32>
  linalg.copy ins(%x : memref<10xf32>) outs(%a : memref<10xf32>)
  %b = memref.alloc() : memref<10xf32>
  linalg.copy ins(%x : memref<10xf32>) outs(%b : memref<10xf32>)
  %s = memref.subview %a[0] [5] [1] : memref<10xf32> to memref<5xf32, strided<[1]>>
  linalg.copy ins(%s : memref<5xf32, strided<[1]>>) outs(%out : memref<5xf32>)
  return
}

// -----

// A buffer that escapes through the return, and one of dynamic size, stay
// allocations; the arena is then empty (1 byte, never 0).
// CHECK-LABEL: func.func @escapes
// CHECK-SAME: strata.buffers = 0 : i64, strata.scratch_bytes = 0 : i64
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
func.func @escapes(%n: index) -> memref<4xf32> {
  %a = memref.alloc() : memref<4xf32>
  %d = memref.alloc(%n) : memref<?xf32>
  return %a : memref<4xf32>
}
