//===- BufferCache.h - reuse of compiled code's large buffers ---*- C++ -*-===//
//
// Compiled code allocates its temporaries with malloc and frees them with free,
// the same sizes every step. glibc serves blocks over 32 MiB (its largest mmap
// threshold) with a fresh mmap each time, and the kernel zeroes every page of
// it again: for im2col's [B, OH, OW, KH*KW*C] columns that cost more than the
// convolution. The JIT therefore resolves malloc and free to these, which keep
// freed blocks of 1 MiB or more by size and hand them out again.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>

namespace strata::runtime {

/// malloc for compiled code: a block freed earlier of exactly `size` bytes
/// when there is one, else ::malloc.
void *cachedMalloc(size_t size);

/// free for compiled code: keeps blocks that cachedMalloc made for reuse;
/// anything else goes to ::free.
void cachedFree(void *pointer);

/// Releases every kept block to the system.
void releaseCachedBuffers();

} // namespace strata::runtime
