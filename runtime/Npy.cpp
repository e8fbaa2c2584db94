//===- Npy.cpp - NumPy's .npy format --------------------------------------===//

#include "Npy.h"

#include <cstdio>
#include <fstream>
#include <regex>

using namespace strata::runtime;

namespace {
const char kMagic[] = "\x93NUMPY";

const char *descr(DType dtype) {
  switch (dtype) {
  case DType::F32: return "<f4";
  case DType::F64: return "<f8";
  case DType::I32: return "<i4";
  case DType::I64: return "<i8";
  case DType::I8: return "|i1";
  }
  return "?";
}
} // namespace

void strata::runtime::writeNpy(const std::string &path, const Tensor &tensor) {
  std::string shape = "(";
  for (int64_t d : tensor.shape())
    shape += std::to_string(d) + ", ";
  if (tensor.shape().size() > 1)
    shape.resize(shape.size() - 2);
  shape += ")";
  std::string header = std::string("{'descr': '") + descr(tensor.dtype()) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded to 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary);
    out.write(kMagic, 6);
    out.put(1).put(0);
    uint16_t length = static_cast<uint16_t>(header.size());
    out.put(static_cast<char>(length & 0xff)).put(static_cast<char>(length >> 8));
    out << header;
    out.write(static_cast<const char *>(tensor.data()), static_cast<std::streamsize>(tensor.bytes()));
    if (!out.flush()) {
      std::remove(temp.c_str());
      throw NpyError{"cannot write '" + path + "'"};
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw NpyError{"cannot write '" + path + "'"};
  }
}

Tensor strata::runtime::readNpy(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw NpyError{"cannot open '" + path + "'"};
  char magic[6];
  unsigned char version[2], length[4] = {0, 0, 0, 0};
  if (!in.read(magic, 6) || std::string(magic, 6) != std::string(kMagic, 6) ||
      !in.read(reinterpret_cast<char *>(version), 2))
    throw NpyError{"'" + path + "' is not a .npy file"};
  int lengthBytes = version[0] == 1 ? 2 : 4;
  in.read(reinterpret_cast<char *>(length), lengthBytes);
  uint32_t size = length[0] | (length[1] << 8) | (length[2] << 16) | (uint32_t(length[3]) << 24);
  std::string header(size, '\0');
  if (!in.read(header.data(), size))
    throw NpyError{"'" + path + "' has a truncated header"};
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<|=]?[a-z]\\d)'")))
    throw NpyError{"'" + path + "': no dtype in the header"};
  std::string d = m[1];
  if (d[0] == '<' || d[0] == '|' || d[0] == '=')
    d = d.substr(1);
  DType dtype;
  if (d == "f4") dtype = DType::F32;
  else if (d == "f8") dtype = DType::F64;
  else if (d == "i4") dtype = DType::I32;
  else if (d == "i8") dtype = DType::I64;
  else if (d == "i1") dtype = DType::I8;
  else throw NpyError{"'" + path + "': dtype '" + std::string(m[1]) + "' is not supported (f4, f8, i4, i8)"};
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
    throw NpyError{"'" + path + "' is in Fortran order; save it C-contiguous"};
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw NpyError{"'" + path + "': no shape in the header"};
  std::vector<int64_t> shape;
  std::string dims = m[1];
  std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it)
    shape.push_back(std::stoll(it->str()));
  Tensor t(dtype, shape);
  if (!in.read(static_cast<char *>(t.data()), static_cast<std::streamsize>(t.bytes())))
    throw NpyError{"'" + path + "' holds fewer elements than its shape says"};
  return t;
}
