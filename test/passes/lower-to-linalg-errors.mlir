// RUN: %strata-opt %s --pass-pipeline='builtin.module(func.func(strata-lower-to-linalg))' -verify-diagnostics

func.func @no_key(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{is random but its function has no strata.seed/strata.step arguments}}
  %y = strata.dropout %x rate 5.000000e-01 stream 0 : tensor<8xf32>
  return %y : tensor<8xf32>
}
