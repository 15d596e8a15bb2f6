#pragma once

// Eigen's SIMD packets, for the few kernels that transpose blocks of them in registers
// (weight-gradient reductions, the input gather). Everything else uses plain Eigen arrays.

#include <Eigen/Core>

namespace chaosnet::util {

template <class T>
using PacketOf = typename Eigen::internal::packet_traits<T>::type;

template <class T>
inline constexpr int packet_width = Eigen::internal::unpacket_traits<PacketOf<T>>::size;

// Eigen's packet types are vector types whose alignment attributes GCC reports as ignored when
// they are template arguments (PacketBlock<Packet16f, 16>); Eigen silences the same warning.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

/// Whether blocks of packets of T can be transposed in registers on this target.
template <class T>
concept TransposablePackets = packet_width<T> > 1 &&
    requires(Eigen::internal::PacketBlock<PacketOf<T>, packet_width<T>>& block) {
      Eigen::internal::ptranspose(block);
    };

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace chaosnet::util
