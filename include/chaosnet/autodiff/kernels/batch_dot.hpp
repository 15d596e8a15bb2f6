#pragma once

// out[i] += Σ_k g_k · x_{i,k} for many batch vectors x_i: the weight gradients of a node's
// incoming edges. Reducing each dot product on its own costs a horizontal sum per edge (the
// dominant cost of backward); with SIMD packets we instead keep one packet of partial sums per
// edge, transpose blocks of L such packets (L = packet width) and add them, which yields L dot
// products in one packet. Falls back to one reduction per edge where packets do not fit N.

#include <chaosnet/autodiff/op_record.hpp>

#include <Eigen/Core>

#include <array>
#include <cstdint>

// Eigen's packet types are vector types whose alignment attributes GCC reports as ignored when
// they are template arguments (PacketBlock<Packet16f, 16>); Eigen silences the same warning.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

namespace chaosnet::detail {

template <class T>
using PacketOf = typename Eigen::internal::packet_traits<T>::type;

template <class T>
inline constexpr int packet_width = Eigen::internal::unpacket_traits<PacketOf<T>>::size;

/// Whether blocks of packets of T can be transposed in registers on this target.
template <class T>
concept TransposablePackets = packet_width<T> > 1 &&
    requires(Eigen::internal::PacketBlock<PacketOf<T>, packet_width<T>>& block) {
      Eigen::internal::ptranspose(block);
    };

template <class T, int N>
void accumulate_dots(const Eigen::Array<T, N, 1>& g, const Eigen::Array<T, N, 1>* values,
                     const Slot* sources, std::uint32_t count, T* out) {
  std::uint32_t i = 0;
  if constexpr (TransposablePackets<T> && N % packet_width<T> == 0) {
    namespace ei = Eigen::internal;
    using Packet = PacketOf<T>;
    constexpr int width = packet_width<T>;
    constexpr int packets = N / width;
    std::array<Packet, static_cast<std::size_t>(packets)> gp;
    for (int p = 0; p < packets; ++p) gp[static_cast<std::size_t>(p)] = ei::ploadu<Packet>(g.data() + p * width);
    for (; i + width <= count; i += width) {
      ei::PacketBlock<Packet, width> block;
      for (int j = 0; j < width; ++j) {
        const T* x = values[sources[i + static_cast<std::uint32_t>(j)]].data();
        Packet partial = ei::pmul(gp[0], ei::ploadu<Packet>(x));
        for (int p = 1; p < packets; ++p) {
          partial = ei::pmadd(gp[static_cast<std::size_t>(p)], ei::ploadu<Packet>(x + p * width), partial);
        }
        block.packet[j] = partial;
      }
      ei::ptranspose(block);
      Packet sums = block.packet[0];
      for (int j = 1; j < width; ++j) sums = ei::padd(sums, block.packet[j]);
      ei::pstoreu(out + i, ei::padd(ei::ploadu<Packet>(out + i), sums));
    }
  }
  for (; i < count; ++i) out[i] += (g * values[sources[i]]).sum();
}

}  // namespace chaosnet::detail

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
