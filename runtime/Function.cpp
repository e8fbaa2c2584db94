//===- Function.cpp - calling a compiled strata function ------------------===//

#include "Function.h"

#include <cstring>
#include <stdexcept>

using namespace strata::runtime;

size_t strata::runtime::sizeOf(DType dtype) {
  switch (dtype) {
  case DType::I8: return 1;
  case DType::F32:
  case DType::I32: return 4;
  case DType::F64:
  case DType::I64: return 8;
  }
  return 8;
}

const char *strata::runtime::name(DType dtype) {
  switch (dtype) {
  case DType::F32: return "f32";
  case DType::F64: return "f64";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  case DType::I8: return "i8";
  }
  return "?";
}

int64_t ArgSpec::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape) : dtype_(dtype), shape_(std::move(shape)) {
  storage_.assign(bytes() + 64, std::byte{0});
}

Tensor::Tensor(const Tensor &other) : dtype_(other.dtype_), shape_(other.shape_) {
  if (!other.storage_.empty()) {
    storage_.assign(other.storage_.size(), std::byte{0});
    std::memcpy(aligned(), other.data(), other.bytes());
  }
}

Tensor &Tensor::operator=(const Tensor &other) {
  if (this != &other)
    *this = Tensor(other);
  return *this;
}

int64_t Tensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape_)
    n *= d;
  return n;
}

void *Tensor::aligned() {
  auto address = reinterpret_cast<uintptr_t>(storage_.data());
  return reinterpret_cast<void *>((address + 63) & ~uintptr_t(63));
}

double Tensor::at(int64_t i) const {
  switch (dtype_) {
  case DType::F32: return as<float>()[i];
  case DType::F64: return as<double>()[i];
  case DType::I32: return as<int32_t>()[i];
  case DType::I64: return static_cast<double>(as<int64_t>()[i]);
  case DType::I8: return as<int8_t>()[i];
  }
  return 0;
}

void Tensor::set(int64_t i, double value) {
  switch (dtype_) {
  case DType::F32: as<float>()[i] = static_cast<float>(value); break;
  case DType::F64: as<double>()[i] = value; break;
  case DType::I32: as<int32_t>()[i] = static_cast<int32_t>(value); break;
  case DType::I64: as<int64_t>()[i] = static_cast<int64_t>(value); break;
  case DType::I8: as<int8_t>()[i] = static_cast<int8_t>(value); break;
  }
}

int Function::find(const std::string &role) const {
  for (size_t i = 0; i < args_.size(); ++i)
    if (args_[i].role == role)
      return static_cast<int>(i);
  return -1;
}

void Function::call(const std::vector<Tensor *> &buffers, const std::vector<int64_t> &scalars) const {
  // A memref descriptor is {allocated, aligned, offset, sizes[rank], strides[rank]},
  // all 8-byte fields; the C interface takes a pointer to it.
  std::vector<std::vector<int64_t>> descriptors;
  std::vector<void *> descriptorPointers;
  std::vector<int64_t> scalarValues;
  descriptors.reserve(args_.size());
  descriptorPointers.reserve(args_.size());
  scalarValues.reserve(args_.size());
  std::vector<void *> packed;
  size_t nextBuffer = 0, nextScalar = 0;
  for (const ArgSpec &arg : args_) {
    if (!arg.isBuffer) {
      if (nextScalar >= scalars.size())
        throw std::runtime_error(name_ + ": missing scalar argument '" + arg.role + "'");
      scalarValues.push_back(scalars[nextScalar++]);
      packed.push_back(&scalarValues.back());
      continue;
    }
    if (nextBuffer >= buffers.size())
      throw std::runtime_error(name_ + ": missing buffer argument '" + arg.role + "'");
    Tensor *t = buffers[nextBuffer++];
    if (t->dtype() != arg.dtype || t->numElements() != arg.numElements())
      throw std::runtime_error(name_ + ": argument '" + arg.role + "' needs " +
                               std::to_string(arg.numElements()) + " " + strata::runtime::name(arg.dtype) +
                               " elements, got " + std::to_string(t->numElements()) + " " +
                               strata::runtime::name(t->dtype()));
    std::vector<int64_t> d;
    auto pointer = reinterpret_cast<int64_t>(t->data());
    d.push_back(pointer);
    d.push_back(pointer);
    d.push_back(0);
    for (int64_t s : arg.shape)
      d.push_back(s);
    int64_t stride = 1;
    std::vector<int64_t> strides(arg.shape.size());
    for (size_t i = arg.shape.size(); i-- > 0;) {
      strides[i] = stride;
      stride *= arg.shape[i];
    }
    d.insert(d.end(), strides.begin(), strides.end());
    descriptors.push_back(std::move(d));
    descriptorPointers.push_back(descriptors.back().data());
    packed.push_back(&descriptorPointers.back());
  }
  entry_(packed.data());
}

std::vector<Tensor *> Function::buffersByRole(const std::map<std::string, Tensor *> &byRole) const {
  std::vector<Tensor *> buffers;
  for (const ArgSpec &arg : args_) {
    if (!arg.isBuffer)
      continue;
    auto it = byRole.find(arg.role);
    if (it == byRole.end() || !it->second)
      throw std::runtime_error(name_ + ": nothing bound to argument '" + arg.role + "'");
    buffers.push_back(it->second);
  }
  return buffers;
}
