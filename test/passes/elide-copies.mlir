// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-elide-copies))" --split-input-file | FileCheck %s

// Two gradients computed into buffers of their own, then packed into an arena:
// each is computed in its slot instead (a view of the arena's bytes, the 2-D
// one at byte 0, the bias at byte 4 * 6 = 24), and both copies are gone. The
// loss, copied to its out-parameter, is computed there.
// CHECK-LABEL: func.func @pack
// CHECK-SAME: (%[[X:.*]]: memref<2x3xf32>, %[[LOSS:.*]]: memref<f32>)
// CHECK: %[[BYTES:.*]] = memref.alloc() : memref<36xi8>
// CHECK: %[[W:.*]] = memref.view %[[BYTES]][%c0{{.*}}][] : memref<36xi8> to memref<2x3xf32>
// CHECK: linalg.copy ins(%[[X]] : memref<2x3xf32>) outs(%[[W]] : memref<2x3xf32>)
// CHECK: %[[B:.*]] = memref.view %[[BYTES]][%c24{{.*}}][] : memref<36xi8> to memref<3xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[B]] : memref<3xf32>)
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[LOSS]] : memref<f32>)
// CHECK: %[[ARENA:.*]] = memref.view %[[BYTES]][%c0{{.*}}][] : memref<36xi8> to memref<9xf32>
// CHECK-NOT: memref.copy
// CHECK: linalg.generic {{.*}} ins(%[[ARENA]] : memref<9xf32>)
func.func @pack(%x: memref<2x3xf32>, %loss: memref<f32>) {
  %one = arith.constant 1.0 : f32
  %w = memref.alloc() : memref<2x3xf32>
  linalg.copy ins(%x : memref<2x3xf32>) outs(%w : memref<2x3xf32>)
  %b = memref.alloc() : memref<3xf32>
  linalg.fill ins(%one : f32) outs(%b : memref<3xf32>)
  %l = memref.alloc() : memref<f32>
  linalg.fill ins(%one : f32) outs(%l : memref<f32>)
  %arena = memref.alloc() : memref<9xf32>
  %flat = memref.collapse_shape %w [[0, 1]] : memref<2x3xf32> into memref<6xf32>
  %s0 = memref.subview %arena[0] [6] [1] : memref<9xf32> to memref<6xf32, strided<[1]>>
  memref.copy %flat, %s0 : memref<6xf32> to memref<6xf32, strided<[1]>>
  %s1 = memref.subview %arena[6] [3] [1] : memref<9xf32> to memref<3xf32, strided<[1], offset: 6>>
  memref.copy %b, %s1 : memref<3xf32> to memref<3xf32, strided<[1], offset: 6>>
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%arena : memref<9xf32>) {
  ^bb0(%v: f32):
    linalg.yield
  }
  memref.copy %l, %loss : memref<f32> to memref<f32>
  return
}

// -----

// Must not elide: the source is read after the copy.
// CHECK-LABEL: func.func @read_after
// CHECK: memref.copy
func.func @read_after(%x: memref<4xf32>, %out: memref<4xf32>, %y: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  memref.copy %a, %out : memref<4xf32> to memref<4xf32>
  linalg.copy ins(%a : memref<4xf32>) outs(%y : memref<4xf32>)
  return
}

// -----

// Must not elide: the destination's bytes are read while the source is live
// (computing into them would change what that read sees); a disjoint slice
// may be touched.
// CHECK-LABEL: func.func @destination_busy
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4xf32> to memref<4xf32, strided<[1]>>
// CHECK-NOT: memref.copy
func.func @destination_busy(%x: memref<4xf32>, %y: memref<4xf32>) {
  %arena = memref.alloc() : memref<8xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  %lo = memref.subview %arena[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  linalg.copy ins(%lo : memref<4xf32, strided<[1]>>) outs(%y : memref<4xf32>)
  memref.copy %a, %lo : memref<4xf32> to memref<4xf32, strided<[1]>>
  %b = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%b : memref<4xf32>)
  linalg.copy ins(%lo : memref<4xf32, strided<[1]>>) outs(%y : memref<4xf32>)
  %hi = memref.subview %arena[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  memref.copy %b, %hi : memref<4xf32> to memref<4xf32, strided<[1], offset: 4>>
  return
}

// -----

// The optimizer's state pattern: slot 1 of the state argument is copied into
// a buffer, updated there, and copied back; slot 0 is updated in place and
// "copied" onto itself. The buffer becomes the slot, and every copy goes.
// CHECK-LABEL: func.func @state_slots
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: linalg.generic {{.*}} outs(%{{.*}}, %[[V:.*]] : memref<4xf32, strided<[1]>>, memref<4xf32, strided<[1], offset: 4>>)
// CHECK-NOT: memref.copy
func.func @state_slots(%g: memref<4xf32>, %state: memref<8xf32>) {
  %m = memref.subview %state[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  %v = memref.subview %state[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  %tmp = memref.alloc() : memref<4xf32>
  memref.copy %v, %tmp : memref<4xf32, strided<[1], offset: 4>> to memref<4xf32>
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%g : memref<4xf32>) outs(%m, %tmp : memref<4xf32, strided<[1]>>, memref<4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %s = arith.addf %a, %b : f32
    %t = arith.mulf %a, %c : f32
    linalg.yield %s, %t : f32, f32
  }
  %m2 = memref.subview %state[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  memref.copy %m, %m2 : memref<4xf32, strided<[1]>> to memref<4xf32, strided<[1]>>
  %v2 = memref.subview %state[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  memref.copy %tmp, %v2 : memref<4xf32> to memref<4xf32, strided<[1], offset: 4>>
  return
}

// -----

// Must not elide into an argument slice: the buffer is passed to a call,
// which expects its exact (identity) layout.
// CHECK-LABEL: func.func @call_needs_layout
// CHECK: memref.alloc
// CHECK: memref.copy
func.func private @consume(memref<4xf32>)
func.func @call_needs_layout(%state: memref<8xf32>) {
  %tmp = memref.alloc() : memref<4xf32>
  func.call @consume(%tmp) : (memref<4xf32>) -> ()
  %v = memref.subview %state[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  memref.copy %tmp, %v : memref<4xf32> to memref<4xf32, strided<[1], offset: 4>>
  return
}
