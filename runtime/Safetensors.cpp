//===- Safetensors.cpp - reading and writing .safetensors files -----------===//

#include "Safetensors.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <cstring>
#include <fstream>

using namespace strata::runtime;

namespace {

const char *safetensorsName(DType dtype) {
  switch (dtype) {
  case DType::F32: return "F32";
  case DType::F64: return "F64";
  case DType::I32: return "I32";
  case DType::I64: return "I64";
  case DType::I8: return "I8";
  }
  return "?";
}

bool dtypeFromName(const std::string &name, DType &dtype) {
  static const std::map<std::string, DType> names = {
      {"F32", DType::F32}, {"F64", DType::F64}, {"I32", DType::I32}, {"I64", DType::I64},
      {"I8", DType::I8}};
  auto it = names.find(name);
  if (it == names.end())
    return false;
  dtype = it->second;
  return true;
}

std::string directoryOf(const std::string &path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

/// Writes all of `bytes` to `fd`.
bool writeAll(int fd, const void *bytes, size_t size) {
  const char *p = static_cast<const char *>(bytes);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

} // namespace

const Tensor *Safetensors::find(const std::string &name) const {
  for (const auto &[n, t] : tensors)
    if (n == name)
      return &t;
  return nullptr;
}

void strata::runtime::writeSafetensors(
    const std::string &path, const std::vector<std::pair<std::string, const Tensor *>> &tensors,
    const std::map<std::string, std::string> &metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  size_t offset = 0;
  for (const auto &[name, tensor] : tensors) {
    header[name] = {{"dtype", safetensorsName(tensor->dtype())},
                    {"shape", tensor->shape()},
                    {"data_offsets", {offset, offset + tensor->bytes()}}};
    offset += tensor->bytes();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' '); // keeps the data 8-byte aligned
  uint64_t length = text.size();
  unsigned char prefix[8];
  for (int i = 0; i < 8; ++i)
    prefix[i] = static_cast<unsigned char>(length >> (8 * i));

  std::string dir = directoryOf(path);
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::string temp = dir + "/." + base + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    throw SafetensorsError{"cannot write '" + temp + "': " + std::strerror(errno)};
  bool ok = writeAll(fd, prefix, 8) && writeAll(fd, text.data(), text.size());
  for (const auto &[name, tensor] : tensors)
    ok = ok && writeAll(fd, tensor->data(), tensor->bytes());
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    throw SafetensorsError{"cannot write '" + path + "': " + reason};
  }
  // Make the rename itself durable.
  if (int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY); dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
}

namespace {

/// A file's JSON header, and where its data starts and how long it is.
struct Header {
  nlohmann::json json;
  uint64_t dataStart = 0, dataSize = 0;
};

Header readHeader(std::ifstream &in, const std::string &path) {
  if (!in)
    throw SafetensorsError{"cannot open '" + path + "'"};
  in.seekg(0, std::ios::end);
  uint64_t fileSize = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char prefix[8];
  if (fileSize < 8 || !in.read(reinterpret_cast<char *>(prefix), 8))
    throw SafetensorsError{"'" + path + "' is too short to be a safetensors file"};
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i)
    length |= uint64_t(prefix[i]) << (8 * i);
  if (length > fileSize - 8)
    throw SafetensorsError{"'" + path + "': header length " + std::to_string(length) +
                           " runs past the end of the file"};
  std::string text(length, '\0');
  in.read(text.data(), static_cast<std::streamsize>(length));
  Header h;
  h.json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!h.json.is_object())
    throw SafetensorsError{"'" + path + "': the header is not a JSON object"};
  h.dataStart = 8 + length;
  h.dataSize = fileSize - h.dataStart;
  return h;
}

} // namespace

std::map<std::string, std::string> strata::runtime::readSafetensorsMetadata(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  Header h = readHeader(in, path);
  std::map<std::string, std::string> metadata;
  if (h.json.contains("__metadata__") && h.json["__metadata__"].is_object())
    for (auto &[k, v] : h.json["__metadata__"].items())
      if (v.is_string())
        metadata[k] = v.get<std::string>();
  return metadata;
}

Safetensors strata::runtime::readSafetensors(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  Header h = readHeader(in, path);
  nlohmann::json &header = h.json;
  uint64_t dataStart = h.dataStart, dataSize = h.dataSize;

  Safetensors file;
  // Tensors in the order of their data, which is the order they were written.
  std::vector<std::tuple<uint64_t, uint64_t, std::string, DType, std::vector<int64_t>>> entries;
  for (auto &[name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object())
        throw SafetensorsError{"'" + path + "': __metadata__ is not an object"};
      for (auto &[k, v] : entry.items())
        if (v.is_string())
          file.metadata[k] = v.get<std::string>();
      continue;
    }
    DType dtype;
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
        !dtypeFromName(entry["dtype"].get<std::string>(), dtype))
      throw SafetensorsError{"'" + path + "': tensor '" + name + "' has no supported dtype (F32, F64, I32, I64)"};
    if (!entry.contains("shape") || !entry["shape"].is_array() || !entry.contains("data_offsets") ||
        !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2)
      throw SafetensorsError{"'" + path + "': tensor '" + name + "' lacks shape or data_offsets"};
    std::vector<int64_t> shape;
    int64_t count = 1;
    for (auto &d : entry["shape"]) {
      if (!d.is_number_unsigned())
        throw SafetensorsError{"'" + path + "': tensor '" + name + "' has a bad shape"};
      shape.push_back(d.get<int64_t>());
      count *= shape.back();
    }
    auto &offsets = entry["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
      throw SafetensorsError{"'" + path + "': tensor '" + name + "' has bad data_offsets"};
    uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > dataSize || end - begin != count * sizeOf(dtype))
      throw SafetensorsError{"'" + path + "': tensor '" + name + "' has data_offsets that do not match its shape or the file"};
    entries.emplace_back(begin, end, name, dtype, shape);
  }
  std::sort(entries.begin(), entries.end());
  for (auto &[begin, end, name, dtype, shape] : entries) {
    Tensor t(dtype, shape);
    in.seekg(static_cast<std::streamoff>(dataStart + begin));
    if (t.bytes() && !in.read(static_cast<char *>(t.data()), static_cast<std::streamsize>(t.bytes())))
      throw SafetensorsError{"'" + path + "': cannot read tensor '" + name + "'"};
    file.tensors.emplace_back(name, std::move(t));
  }
  return file;
}
