#pragma once

// Machine and process facts for `chaosnet bench`: cache sizes, compiler, date, load, resident
// memory, and running a measurement in a child process so that its memory is its own.

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace chaosnet::cli {

/// Data cache sizes in bytes: L1d and L2 of one core, the shared L3; 0 where unknown.
struct CacheSizes {
  std::size_t l1d = 0;
  std::size_t l2 = 0;
  std::size_t l3 = 0;
  std::string source;  ///< where the sizes came from: "sysfs", "sysconf", "CPUID", joined by "+"

  [[nodiscard]] bool complete() const { return l1d != 0 && l2 != 0 && l3 != 0; }
  /// Fills the levels still unknown from `other`, noting its source when it adds any.
  void fill_from(const CacheSizes& other) {
    bool used = false;
    for (auto [mine, theirs] : {std::pair{&l1d, other.l1d}, std::pair{&l2, other.l2}, std::pair{&l3, other.l3}}) {
      if (*mine != 0 || theirs == 0) continue;
      *mine = theirs;
      used = true;
    }
    if (used) source += (source.empty() ? "" : "+") + other.source;
  }
};

/// The data and unified caches of cpu0 from sysfs (what lscpu reads); absent on many VMs.
inline CacheSizes sysfs_cache_sizes() {
  CacheSizes sizes{.source = "sysfs"};
  const std::filesystem::path root = "/sys/devices/system/cpu/cpu0/cache";
  for (int i = 0; i < 8; ++i) {
    const std::filesystem::path dir = root / ("index" + std::to_string(i));
    std::ifstream level_in(dir / "level"), type_in(dir / "type"), size_in(dir / "size");
    int level = 0;
    std::string type, size;
    if (!(level_in >> level) || !(type_in >> type) || !(size_in >> size) || type == "Instruction") continue;
    std::size_t bytes = std::stoull(size);  // "48K", "2048K", "32M"
    if (size.back() == 'K') bytes <<= 10;
    if (size.back() == 'M') bytes <<= 20;
    (level == 1 ? sizes.l1d : level == 2 ? sizes.l2 : sizes.l3) = bytes;
  }
  return sizes;
}

/// The cache sizes glibc reports (from CPUID on x86, also without sysfs); 0 where it has none.
inline CacheSizes sysconf_cache_sizes() {
  CacheSizes sizes{.source = "sysconf"};
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE)
  auto bytes = [](int name) { return static_cast<std::size_t>(std::max(0L, ::sysconf(name))); };
  sizes.l1d = bytes(_SC_LEVEL1_DCACHE_SIZE);
  sizes.l2 = bytes(_SC_LEVEL2_CACHE_SIZE);
  sizes.l3 = bytes(_SC_LEVEL3_CACHE_SIZE);
#endif
  return sizes;
}

/// The caches the processor describes itself: CPUID leaf 4 (deterministic cache parameters) on
/// Intel, leaf 0x8000001D in the same format on AMD (where leaf 4 reads as empty).
inline CacheSizes cpuid_cache_sizes() {
  CacheSizes sizes{.source = "CPUID"};
#if defined(__x86_64__) || defined(__i386__)
  for (const unsigned leaf : {4u, 0x8000001Du}) {
    for (unsigned index = 0; index < 16; ++index) {
      unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
      if (__get_cpuid_count(leaf, index, &eax, &ebx, &ecx, &edx) == 0) break;
      const unsigned type = eax & 0x1f;  // 0: no more caches, 1: data, 2: instruction, 3: unified
      if (type == 0) break;
      if (type == 2) continue;
      const std::size_t ways = ((ebx >> 22) & 0x3ff) + 1;
      const std::size_t partitions = ((ebx >> 12) & 0x3ff) + 1;
      const std::size_t line = (ebx & 0xfff) + 1;
      const std::size_t sets = std::size_t{ecx} + 1;
      const unsigned level = (eax >> 5) & 0x7;
      if (level < 1 || level > 3) continue;
      (level == 1 ? sizes.l1d : level == 2 ? sizes.l2 : sizes.l3) = ways * partitions * line * sets;
    }
    if (sizes.l1d != 0 || sizes.l2 != 0 || sizes.l3 != 0) break;
  }
#endif
  return sizes;
}

/// Cache sizes from the first source that knows each level: sysfs, then sysconf, then CPUID.
inline CacheSizes cache_sizes() {
  CacheSizes sizes;
  for (const auto& source : {sysfs_cache_sizes, sysconf_cache_sizes, cpuid_cache_sizes}) {
    if (sizes.complete()) break;
    sizes.fill_from(source());
  }
  return sizes;
}

/// "g++ 12.2.0" or "clang 15.0.6": the compiler this binary was built with.
inline std::string compiler_name() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "g++ " __VERSION__;
#else
  return "unknown";
#endif
}

/// The widest SIMD instruction set this binary was compiled for.
inline std::string simd_name() {
#if defined(__AVX512F__)
  return "AVX-512";
#elif defined(__AVX2__)
  return "AVX2";
#elif defined(__SSE2__)
  return "SSE2";
#else
  return "none";
#endif
}

/// Now in UTC, ISO 8601 ("2024-05-01T12:34:56Z").
inline std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text.data();
}

/// The one-minute load average (runnable processes), or -1 when not available.
inline double load_average() {
  std::ifstream in("/proc/loadavg");
  double load = -1;
  in >> load;
  return load;
}

/// CPU time the calling thread has used, in seconds.
inline double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// A memory figure of this process from /proc/self/status in bytes ("VmRSS": resident now,
/// "VmHWM": peak resident), 0 when not available.
inline std::size_t status_bytes(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':') {
      return std::stoull(line.substr(field.size() + 1)) * 1024;  // reported in kB
    }
  }
  return 0;
}

/// Runs f() in a forked child process and returns its (trivially copyable) result, so that what
/// f allocates, and the peak it reaches, are measured apart from everything this process holds.
/// Call it while no other thread runs.
template <class F>
auto in_child_process(F&& f) -> decltype(f()) {
  using Result = decltype(f());
  static_assert(std::is_trivially_copyable_v<Result>, "the result crosses a pipe");
  std::array<int, 2> pipe_ends{};
  if (::pipe(pipe_ends.data()) != 0) throw std::runtime_error("cannot create a pipe for a child process");
  std::fflush(nullptr);  // or the child would write the parent's buffered output again
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot fork a child process");
  if (pid == 0) {
    ::close(pipe_ends[0]);
    int code = 1;
    try {
      const Result result = f();
      if (::write(pipe_ends[1], &result, sizeof result) == static_cast<ssize_t>(sizeof result)) code = 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error in child process: %s\n", e.what());
    }
    ::_exit(code);
  }
  ::close(pipe_ends[1]);
  Result result{};
  const ssize_t got = ::read(pipe_ends[0], &result, sizeof result);
  ::close(pipe_ends[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (got != static_cast<ssize_t>(sizeof result) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("a measurement in a child process failed");
  }
  return result;
}

}  // namespace chaosnet::cli
