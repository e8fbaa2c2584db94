// RUN: %strata-opt %s --strata-merge-kernel-modules --split-input-file --verify-diagnostics | FileCheck %s

// Two outlined kernels, both named after their function, in modules of their
// own: they land in @strata_kernels under their modules' names, and each
// launch follows its kernel.
// CHECK-LABEL: func.func @step
// CHECK: gpu.launch_func @strata_kernels::@step_kernel blocks
// CHECK: gpu.launch_func @strata_kernels::@step_kernel_0 blocks
// CHECK-NOT: gpu.module @step_kernel
// CHECK: gpu.module @strata_kernels
// CHECK-DAG: gpu.func @step_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK-DAG: gpu.func @step_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @step(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @step_kernel::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%a : memref<4xf32>)
    gpu.launch_func @step_kernel_0::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
  gpu.module @step_kernel {
    gpu.func @step_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @step_kernel_0 {
    gpu.func @step_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A program whose own symbol is already called strata_kernels is refused.
// expected-error @+1 {{strata-merge-kernel-modules: the symbol @strata_kernels is taken}}
module attributes {gpu.container_module} {
  func.func @strata_kernels() {
    return
  }
  gpu.module @k {
    gpu.func @k() kernel {
      gpu.return
    }
  }
}
