#pragma once

#include <cstdint>  // std::uint8_t, std::uint32_t
#include <limits>

namespace chaosnet::detail {

/// Index into one of a tape's value/gradient columns (scalar or batch, by context).
using Slot = std::uint32_t;
inline constexpr Slot no_slot = std::numeric_limits<Slot>::max();

/// Every operation a tape can record. The kernel for each lives in autodiff/kernels/.
enum class OpCode : std::uint8_t {
  add_batch_batch,
  add_batch_scalar,
  sub_batch_batch,
  sub_batch_scalar,
  mul_scalar_batch,
  mul_batch_batch,
  mish,
  relu,
  tanh,
  sigmoid,
  exp,
  log,
  weighted_sum,
  sparse_dag,
  split,
  log_softmax,
  nll,
  mse,
  sum,
  mean,
};

/// One recorded operation: plain data, 28 bytes. What `a`, `b`, `c` and `count` mean depends on
/// `code` and is documented on the kernel that reads the record.
struct OpRecord {
  OpCode code{};
  Slot out = no_slot;  ///< first output slot (a scalar slot for reductions, else a batch slot)
  Slot a = no_slot;
  Slot b = no_slot;
  std::uint32_t c = 0;
  Slot d = no_slot;
  std::uint32_t count = 0;
};

/// What an op writes: one scalar, one batch vector, or `count` consecutive batch vectors.
enum class OutputKind : std::uint8_t { scalar, batch, batches };

}  // namespace chaosnet::detail
