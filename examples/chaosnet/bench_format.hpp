#pragma once

// The figures of `chaosnet bench` as text: sizes ("10K"), bytes ("2.6 MiB"), medians with the
// range of their repetitions ("4.47e9 (4.31-4.52)"), and the cache that holds a working set.

#include "bench_system.hpp"
#include "bench_workloads.hpp"

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <sstream>
#include <string>
#include <utility>

namespace chaosnet::cli {

/// "1.3K", "10K", "1M".
inline std::string size_label(std::size_t edges) {
  std::ostringstream out;
  if (edges >= 1000000) {
    out << static_cast<double>(edges) / 1e6 << 'M';
  } else if (edges >= 1000) {
    out << static_cast<double>(edges) / 1e3 << 'K';
  } else {
    out << edges;
  }
  return out.str();
}

/// "133 KiB", "2.6 MiB".
inline std::string format_bytes(double bytes) {
  char text[32];
  if (bytes >= 1 << 20) {
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1 << 20));
  } else {
    std::snprintf(text, sizeof text, "%.0f KiB", bytes / (1 << 10));
  }
  return text;
}

/// A cache size, "unknown" for 0.
inline std::string format_cache(std::size_t bytes) {
  return bytes == 0 ? "unknown" : format_bytes(static_cast<double>(bytes));
}

/// "4.47e9 (4.31-4.52)": the median and the range of the repetitions, in the median's power of
/// ten; the median alone after a single repetition.
inline std::string format_rate(const Spread& s) {
  int exponent = s.median > 0 ? static_cast<int>(std::floor(std::log10(s.median))) : 0;
  if (std::round(s.median / std::pow(10.0, exponent) * 100) >= 1000) ++exponent;  // 9.996e9 is 1.00e10
  const double scale = std::pow(10.0, exponent);
  char text[64];
  if (s.count > 1) {
    std::snprintf(text, sizeof text, "%.2fe%d (%.2f-%.2f)", s.median / scale, exponent, s.min / scale, s.max / scale);
  } else {
    std::snprintf(text, sizeof text, "%.2fe%d", s.median / scale, exponent);
  }
  return text;
}

/// "0.224 (0.219-0.231)": nanoseconds, the median and the range of the repetitions.
inline std::string format_ns(const Spread& s) {
  char text[64];
  if (s.count > 1) {
    std::snprintf(text, sizeof text, "%.3f (%.3f-%.3f)", s.median, s.min, s.max);
  } else {
    std::snprintf(text, sizeof text, "%.3f", s.median);
  }
  return text;
}

/// The smallest cache that holds `bytes`: "L1", "L2", "L3" or "RAM"; "unknown" when the size of a
/// level it would have to be compared with is not known.
inline std::string cache_level(double bytes, const CacheSizes& caches) {
  const std::pair<const char*, std::size_t> levels[] = {{"L1", caches.l1d}, {"L2", caches.l2}, {"L3", caches.l3}};
  for (const auto& [name, size] : levels) {
    if (size == 0) return "unknown";
    if (bytes <= static_cast<double>(size)) return name;
  }
  return "RAM";
}

}  // namespace chaosnet::cli
