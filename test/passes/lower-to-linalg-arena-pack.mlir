// RUN: %strata-opt %s --pass-pipeline="builtin.module(func.func(strata-lower-to-linalg))" | FileCheck %s

// A gradient arena of more than 96 tensors is packed in groups of 32 (here
// 98: three of 32 into [64] tensors, one of 2 into a [4]), then the groups
// into the [196] arena. One-shot bufferization walks a chain of inserts into
// one tensor for each insert of it, about N^3 for N inserts: bert-base-v8k's
// 200 gradients in one chain took 24 s of its 28 s of passes, in groups 0.4 s.
// CHECK-LABEL: func.func @pack
// CHECK-COUNT-3: tensor.empty() : tensor<64xf32>
// CHECK: tensor.empty() : tensor<4xf32>
// CHECK-COUNT-2: tensor.insert_slice %{{.*}} into %{{.*}}[{{[0-9]+}}] [2] [1] : tensor<2xf32> into tensor<4xf32>
// CHECK: %[[ARENA:.*]] = tensor.empty() : tensor<196xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %{{.*}} into %[[ARENA]][0] [64] [1] : tensor<64xf32> into tensor<196xf32>
// CHECK: %[[B:.*]] = tensor.insert_slice %{{.*}} into %[[A]][64] [64] [1] : tensor<64xf32> into tensor<196xf32>
// CHECK: %[[C:.*]] = tensor.insert_slice %{{.*}} into %[[B]][128] [64] [1] : tensor<64xf32> into tensor<196xf32>
// CHECK: tensor.insert_slice %{{.*}} into %[[C]][192] [4] [1] : tensor<4xf32> into tensor<196xf32>
func.func @pack(%g0: tensor<2xf32>, %g1: tensor<2xf32>, %g2: tensor<2xf32>, %g3: tensor<2xf32>, %g4: tensor<2xf32>, %g5: tensor<2xf32>, %g6: tensor<2xf32>, %g7: tensor<2xf32>, %g8: tensor<2xf32>, %g9: tensor<2xf32>, %g10: tensor<2xf32>, %g11: tensor<2xf32>, %g12: tensor<2xf32>, %g13: tensor<2xf32>, %g14: tensor<2xf32>, %g15: tensor<2xf32>, %g16: tensor<2xf32>, %g17: tensor<2xf32>, %g18: tensor<2xf32>, %g19: tensor<2xf32>, %g20: tensor<2xf32>, %g21: tensor<2xf32>, %g22: tensor<2xf32>, %g23: tensor<2xf32>, %g24: tensor<2xf32>, %g25: tensor<2xf32>, %g26: tensor<2xf32>, %g27: tensor<2xf32>, %g28: tensor<2xf32>, %g29: tensor<2xf32>, %g30: tensor<2xf32>, %g31: tensor<2xf32>, %g32: tensor<2xf32>, %g33: tensor<2xf32>, %g34: tensor<2xf32>, %g35: tensor<2xf32>, %g36: tensor<2xf32>, %g37: tensor<2xf32>, %g38: tensor<2xf32>, %g39: tensor<2xf32>, %g40: tensor<2xf32>, %g41: tensor<2xf32>, %g42: tensor<2xf32>, %g43: tensor<2xf32>, %g44: tensor<2xf32>, %g45: tensor<2xf32>, %g46: tensor<2xf32>, %g47: tensor<2xf32>, %g48: tensor<2xf32>, %g49: tensor<2xf32>, %g50: tensor<2xf32>, %g51: tensor<2xf32>, %g52: tensor<2xf32>, %g53: tensor<2xf32>, %g54: tensor<2xf32>, %g55: tensor<2xf32>, %g56: tensor<2xf32>, %g57: tensor<2xf32>, %g58: tensor<2xf32>, %g59: tensor<2xf32>, %g60: tensor<2xf32>, %g61: tensor<2xf32>, %g62: tensor<2xf32>, %g63: tensor<2xf32>, %g64: tensor<2xf32>, %g65: tensor<2xf32>, %g66: tensor<2xf32>, %g67: tensor<2xf32>, %g68: tensor<2xf32>, %g69: tensor<2xf32>, %g70: tensor<2xf32>, %g71: tensor<2xf32>, %g72: tensor<2xf32>, %g73: tensor<2xf32>, %g74: tensor<2xf32>, %g75: tensor<2xf32>, %g76: tensor<2xf32>, %g77: tensor<2xf32>, %g78: tensor<2xf32>, %g79: tensor<2xf32>, %g80: tensor<2xf32>, %g81: tensor<2xf32>, %g82: tensor<2xf32>, %g83: tensor<2xf32>, %g84: tensor<2xf32>, %g85: tensor<2xf32>, %g86: tensor<2xf32>, %g87: tensor<2xf32>, %g88: tensor<2xf32>, %g89: tensor<2xf32>, %g90: tensor<2xf32>, %g91: tensor<2xf32>, %g92: tensor<2xf32>, %g93: tensor<2xf32>, %g94: tensor<2xf32>, %g95: tensor<2xf32>, %g96: tensor<2xf32>, %g97: tensor<2xf32>) -> tensor<196xf32> {
  %a = strata.arena_pack %g0, %g1, %g2, %g3, %g4, %g5, %g6, %g7, %g8, %g9, %g10, %g11, %g12, %g13, %g14, %g15, %g16, %g17, %g18, %g19, %g20, %g21, %g22, %g23, %g24, %g25, %g26, %g27, %g28, %g29, %g30, %g31, %g32, %g33, %g34, %g35, %g36, %g37, %g38, %g39, %g40, %g41, %g42, %g43, %g44, %g45, %g46, %g47, %g48, %g49, %g50, %g51, %g52, %g53, %g54, %g55, %g56, %g57, %g58, %g59, %g60, %g61, %g62, %g63, %g64, %g65, %g66, %g67, %g68, %g69, %g70, %g71, %g72, %g73, %g74, %g75, %g76, %g77, %g78, %g79, %g80, %g81, %g82, %g83, %g84, %g85, %g86, %g87, %g88, %g89, %g90, %g91, %g92, %g93, %g94, %g95, %g96, %g97 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32> -> tensor<196xf32>
  return %a : tensor<196xf32>
}

// Up to 96 tensors: one chain into the arena.
// CHECK-LABEL: func.func @small
// CHECK: tensor.empty() : tensor<4xf32>
// CHECK-COUNT-2: tensor.insert_slice
// CHECK-NOT: tensor.insert_slice
// CHECK: return
func.func @small(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<4xf32> {
  %p = strata.arena_pack %a, %b : tensor<2xf32>, tensor<2xf32> -> tensor<4xf32>
  return %p : tensor<4xf32>
}
