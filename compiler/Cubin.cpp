//===- Cubin.cpp - PTX assembled for one GPU architecture -----------------===//

#include "Cubin.h"

#include "CompileOptions.h"
#include "Pipelines.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <vector>

using namespace strata::compiler;

std::string strata::compiler::findPtxas() {
  for (const std::string &root : mlir::strata::cudaToolkitRoots())
    if (llvm::sys::fs::can_execute(root + "/bin/ptxas"))
      return root + "/bin/ptxas";
  llvm::ErrorOr<std::string> onPath = llvm::sys::findProgramByName("ptxas");
  return onPath ? *onPath : "";
}

namespace {
/// A temporary file, removed when this goes out of scope.
struct TempFile {
  llvm::SmallString<128> path;
  std::optional<llvm::FileRemover> remover;
  explicit TempFile(const char *suffix) {
    if (llvm::sys::fs::createTemporaryFile("strata-kernels", suffix, path))
      throw CompileError{"cannot create a temporary file for ptxas"};
    remover.emplace(path);
  }
};

std::string readAll(const llvm::SmallString<128> &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}
} // namespace

std::string strata::compiler::assembleCubin(const std::string &ptx, const std::string &chip,
                                            const std::string &ptxas) {
  TempFile in(".ptx"), out(".cubin"), log(".log");
  {
    std::error_code ec;
    llvm::raw_fd_ostream stream(in.path, ec);
    if (ec)
      throw CompileError{"cannot write the PTX for ptxas: " + ec.message()};
    stream << ptx;
  }
  std::string arch = "-arch=" + chip;
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.path.str(), log.path.str()};
  std::string error;
  auto run = [&](bool split) {
    std::vector<llvm::StringRef> args = {ptxas, arch, "-O3", in.path.str(), "-o", out.path.str()};
    // On every core (bert-base-v8k's PTX: 4.1 s -> 2.6 s on 2 cores); a
    // ptxas older than CUDA 12 lacks the option, and then runs without it.
    if (split)
      args.insert(args.begin() + 3, {"--split-compile", "0"});
    return llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, /*SecondsToWait=*/0, /*MemoryLimit=*/0,
                                     &error);
  };
  int rc = run(/*split=*/true);
  if (rc != 0)
    rc = run(/*split=*/false);
  if (rc != 0)
    throw CompileError{"ptxas -arch=" + chip + " failed" + (error.empty() ? "" : " (" + error + ")") + ":\n" +
                       readAll(log.path)};
  std::string cubin = readAll(out.path);
  if (cubin.empty())
    throw CompileError{"ptxas -arch=" + chip + " wrote no cubin"};
  return cubin;
}
