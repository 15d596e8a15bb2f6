#pragma once

// Datasets store samples row by row; the tape wants one batch vector per feature. This turns N
// rows of `features` floats into `features` batch vectors. With SIMD it transposes blocks of
// packet-width samples × features in registers (the scalar gather it replaces cost about as much
// as the whole forward pass of a 10K-edge network).

#include <chaosnet/util/packets.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <type_traits>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"  // see detail/packets.hpp
#endif

namespace chaosnet::util {

template <class T, int N>
void gather_batch(const float* const* rows, std::size_t features, Eigen::Array<T, N, 1>* out) {
  std::size_t f = 0;
  if constexpr (std::is_same_v<T, float> && TransposablePackets<float> && N % packet_width<float> == 0) {
    namespace ei = Eigen::internal;
    using Packet = PacketOf<float>;
    constexpr int width = packet_width<float>;
    for (; f + width <= features; f += width) {
      for (int k0 = 0; k0 < N; k0 += width) {
        ei::PacketBlock<Packet, width> block;
        for (int j = 0; j < width; ++j) block.packet[j] = ei::ploadu<Packet>(rows[k0 + j] + f);
        ei::ptranspose(block);
        for (int j = 0; j < width; ++j) ei::pstoreu(out[f + static_cast<std::size_t>(j)].data() + k0, block.packet[j]);
      }
    }
  }
  for (; f < features; ++f) {
    for (int k = 0; k < N; ++k) out[f][k] = static_cast<T>(rows[k][f]);
  }
}

}  // namespace chaosnet::util

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
