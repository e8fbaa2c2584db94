//===- Function.h - calling a compiled strata function ----------*- C++ -*-===//
//
// A compiled function (JIT or a bundle's shared library) is reached through
// its packed entry point `void(void**)`, whose arguments are those of the
// C interface: a pointer to a memref descriptor per buffer, an int64 per
// integer. ArgSpec records each argument's role as the compiler named it
// (strata.arena, strata.input, strata.loss, ...) so the runtime binds data by
// role, not by position. No LLVM here: the runtime builds without it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace strata::runtime {

enum class DType { F32, F64, I32, I64, I8 }; // I8: raw bytes (the scratch arena)
size_t sizeOf(DType dtype);
const char *name(DType dtype);

struct ArgSpec {
  bool isBuffer = true;          // false: a scalar int64 (seed, step)
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// "params", "opt_state", "grads", "scratch", "input:x", "seed", "step",
  /// "loss", "metric:grad_norm", "represent:z"
  std::string role;
  /// For inputs: the data field bound to it ("image", "label", "tokens").
  std::string field;
  int64_t numElements() const;
};

/// A host tensor; storage is 64-byte aligned like the compiler's own buffers.
class Tensor {
public:
  Tensor() = default;
  Tensor(DType dtype, std::vector<int64_t> shape);
  /// A copy holds its own storage, aligned on its own: the elements are
  /// copied from aligned start to aligned start (the two allocations'
  /// distances to a 64-byte boundary differ). A move keeps the allocation.
  Tensor(const Tensor &other);
  Tensor &operator=(const Tensor &other);
  Tensor(Tensor &&) = default;
  Tensor &operator=(Tensor &&) = default;
  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  int64_t numElements() const;
  /// True for a default-constructed tensor, which holds no storage at all.
  bool empty() const { return storage_.empty(); }
  size_t bytes() const { return numElements() * sizeOf(dtype_); }
  void *data() { return storage_.empty() ? nullptr : aligned(); }
  const void *data() const { return storage_.empty() ? nullptr : const_cast<Tensor *>(this)->aligned(); }
  template <typename T> T *as() { return static_cast<T *>(data()); }
  template <typename T> const T *as() const { return static_cast<const T *>(data()); }
  /// Element i as a double, whatever the dtype.
  double at(int64_t i) const;
  void set(int64_t i, double value);

private:
  void *aligned();
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  std::vector<std::byte> storage_;
};

using PackedFunction = void (*)(void **);

class Function {
public:
  Function() = default;
  Function(std::string name, PackedFunction entry, std::vector<ArgSpec> args)
      : name_(std::move(name)), entry_(entry), args_(std::move(args)) {}
  const std::string &name() const { return name_; }
  const std::vector<ArgSpec> &args() const { return args_; }
  /// Index of the argument with `role`, or -1.
  int find(const std::string &role) const;
  /// Calls with one Tensor* per buffer argument and one int64 per scalar, in
  /// argument order; checks shapes and dtypes first (throws on a mismatch).
  void call(const std::vector<Tensor *> &buffers, const std::vector<int64_t> &scalars) const;
  /// The buffer arguments in order, looked up by role in `byRole`; throws
  /// naming the first role that is missing.
  std::vector<Tensor *> buffersByRole(const std::map<std::string, Tensor *> &byRole) const;
  explicit operator bool() const { return entry_ != nullptr; }

private:
  std::string name_;
  PackedFunction entry_ = nullptr;
  std::vector<ArgSpec> args_;
};

} // namespace strata::runtime
