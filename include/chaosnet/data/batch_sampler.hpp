#pragma once

// Shuffled mini-batches of sample indices. The random generator is passed in on every call, so a
// run's randomness is owned by the caller and a seed reproduces it. The shuffle is our own
// Fisher–Yates over std::mt19937_64 (whose output the standard fixes) rather than std::shuffle
// or std::uniform_int_distribution (whose algorithms it does not), so the same seed gives the
// same batches with every standard library.

#include <chaosnet/util/random.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace chaosnet {

/// Deals the indices 0 … dataset_size − 1 in shuffled batches of batch_size, a fresh shuffle
/// every epoch.
///
/// An epoch is batches_per_epoch() = ⌊dataset_size / batch_size⌋ batches; the remainder of the
/// shuffle (dataset_size mod batch_size indices) is dropped, so every batch is full, which a
/// fixed compile-time batch size needs. The dropped samples differ from epoch to epoch, so
/// every sample is still trained on. Within an epoch, no index repeats.
class BatchSampler {
 public:
  /// Throws std::invalid_argument unless 1 ≤ batch_size ≤ dataset_size < 2³².
  BatchSampler(std::size_t dataset_size, std::size_t batch_size) : batch_size_(batch_size) {
    if (batch_size == 0 || batch_size > dataset_size) {
      throw std::invalid_argument("chaosnet::BatchSampler: batch size " +
                                  std::to_string(batch_size) + " must be between 1 and the " +
                                  "dataset size " + std::to_string(dataset_size));
    }
    if (dataset_size > std::numeric_limits<std::uint32_t>::max()) {
      throw std::invalid_argument("chaosnet::BatchSampler: " + std::to_string(dataset_size) +
                                  " samples do not fit 32-bit indices");
    }
    order_.resize(dataset_size);
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
  }

  /// The next batch of batch_size() distinct indices. The first call of each epoch reshuffles
  /// with `rng`; the span stays valid until the next call.
  std::span<const std::uint32_t> next(std::mt19937_64& rng) {
    if (batch_ == 0) shuffle(rng);
    const std::span<const std::uint32_t> batch =
        std::span<const std::uint32_t>(order_).subspan(batch_ * batch_size_, batch_size_);
    if (++batch_ == batches_per_epoch()) {
      batch_ = 0;
      ++epoch_;
    }
    return batch;
  }

  [[nodiscard]] std::size_t dataset_size() const { return order_.size(); }
  [[nodiscard]] std::size_t batch_size() const { return batch_size_; }
  /// ⌊dataset_size / batch_size⌋: the last partial batch is dropped.
  [[nodiscard]] std::size_t batches_per_epoch() const { return order_.size() / batch_size_; }
  /// Completed epochs, which is the zero-based epoch the next call to next() draws from.
  [[nodiscard]] std::size_t epoch() const { return epoch_; }
  /// The zero-based position within its epoch of the batch the next call to next() returns.
  [[nodiscard]] std::size_t batch() const { return batch_; }

 private:
  // Fisher–Yates over the previous epoch's order: each permutation equally likely.
  void shuffle(std::mt19937_64& rng) {
    for (std::size_t i = order_.size() - 1; i > 0; --i) {
      std::swap(order_[i], order_[util::uniform_index(rng, i + 1)]);
    }
  }

  std::vector<std::uint32_t> order_;
  std::size_t batch_size_;
  std::size_t batch_ = 0;
  std::size_t epoch_ = 0;
};

}  // namespace chaosnet
