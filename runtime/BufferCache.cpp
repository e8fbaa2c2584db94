//===- BufferCache.cpp - reuse of compiled code's large buffers -----------===//

#include "BufferCache.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace strata::runtime {
namespace {

/// Smaller blocks come from glibc's arenas, which reuse them already.
constexpr size_t kSmallestCached = size_t(1) << 20;
/// Free blocks kept per size; a step frees at most a few of one size at once.
constexpr size_t kKeptPerSize = 8;

struct Cache {
  std::mutex mutex;
  std::unordered_map<void *, size_t> sizeOf;              // every large block made
  std::unordered_map<size_t, std::vector<void *>> freeBySize; // those free now
};

Cache &cache() {
  static Cache *c = new Cache(); // never destroyed: compiled code may free at exit
  return *c;
}

} // namespace

void *cachedMalloc(size_t size) {
  if (size < kSmallestCached)
    return std::malloc(size);
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.freeBySize.find(size);
  if (it != c.freeBySize.end() && !it->second.empty()) {
    void *block = it->second.back();
    it->second.pop_back();
    return block;
  }
  void *block = std::malloc(size);
  if (block)
    c.sizeOf[block] = size;
  return block;
}

void cachedFree(void *pointer) {
  if (!pointer)
    return;
  Cache &c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.sizeOf.find(pointer);
    if (it != c.sizeOf.end()) {
      std::vector<void *> &kept = c.freeBySize[it->second];
      if (kept.size() < kKeptPerSize) {
        kept.push_back(pointer);
        return;
      }
      c.sizeOf.erase(it);
    }
  }
  std::free(pointer);
}

void releaseCachedBuffers() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto &[size, blocks] : c.freeBySize)
    for (void *block : blocks) {
      c.sizeOf.erase(block);
      std::free(block);
    }
  c.freeBySize.clear();
}

} // namespace strata::runtime
