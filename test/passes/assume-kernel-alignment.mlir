// RUN: %strata-opt %s --pass-pipeline="builtin.module(strata-assume-kernel-alignment)" | FileCheck %s

// A kernel with vector accesses states that each buffer argument starts
// 16-byte aligned; a kernel without them is left alone.
// CHECK-LABEL: gpu.func @vectors
// CHECK-NEXT: memref.assume_alignment %arg0, 16 : memref<1024xf32>
// CHECK-NEXT: memref.assume_alignment %arg1, 16 : memref<1024xf32, strided<[1], offset: 2048>>
// CHECK-NOT: assume_alignment
// CHECK-LABEL: gpu.func @scalars
// CHECK-NOT: assume_alignment
// CHECK: gpu.return
module attributes {gpu.container_module} {
  gpu.module @strata_kernels {
    gpu.func @vectors(%a: memref<1024xf32>, %b: memref<1024xf32, strided<[1], offset: 2048>>, %n: index) kernel {
      %t = gpu.thread_id x
      %v = vector.load %a[%t] : memref<1024xf32>, vector<4xf32>
      vector.store %v, %b[%t] : memref<1024xf32, strided<[1], offset: 2048>>, vector<4xf32>
      gpu.return
    }
    gpu.func @scalars(%a: memref<1024xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<1024xf32>
      memref.store %v, %a[%t] : memref<1024xf32>
      gpu.return
    }
  }
}
