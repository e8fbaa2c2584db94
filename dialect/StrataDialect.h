//===- StrataDialect.h - the strata dialect ---------------------*- C++ -*-===//
#pragma once

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "StrataDialect.h.inc"
#include "StrataEnums.h.inc"
#include "StrataInterfaces.h.inc"

#define GET_OP_CLASSES
#include "StrataOps.h.inc"
