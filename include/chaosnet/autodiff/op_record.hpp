#pragma once

#include <cstdint>  // std::uint8_t, std::uint32_t
#include <limits>

namespace chaosnet::detail {

/// Index into one of a tape's value/gradient columns (scalar or batch, by context).
using Slot = std::uint32_t;
inline constexpr Slot no_slot = std::numeric_limits<Slot>::max();

/// Which op a record is: the index of its kernel in Kernels (autodiff/kernels/kernels.hpp).
using OpCode = std::uint8_t;

/// One recorded operation: plain data, 24 bytes. What `a`, `b`, `c` and `count` mean depends on
/// `code` and is documented on the kernel that reads the record.
struct OpRecord {
  OpCode code{};
  Slot out = no_slot;  ///< first output slot (a scalar slot for reductions, else a batch slot)
  Slot a = no_slot;
  Slot b = no_slot;
  std::uint32_t c = 0;
  std::uint32_t count = 0;
};

/// What an op writes: one scalar, one batch vector, or `count` consecutive batch vectors.
enum class OutputKind : std::uint8_t { scalar, batch, batches };

}  // namespace chaosnet::detail
