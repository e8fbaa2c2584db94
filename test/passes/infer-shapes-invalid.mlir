// A shape that stops fitting once the batch is fixed is reported at its op.
// RUN: %strata-opt %s --strata-infer-shapes=batch=3 -verify-diagnostics

func.func @bad_batch(%x: tensor<?x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{slice [0, 4) is out of range for axis 0 of shape [3, 4]}}
  %r = strata.slice %x axis 0 from 0 to 4 : tensor<?x4xf32> -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
