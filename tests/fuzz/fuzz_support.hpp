#pragma once

// What the fuzz targets share. The oracle: for bad input the reader's documented exception, its
// message naming the input ("<path>: <problem>"), is the expected outcome. Anything else is a
// finding that libFuzzer reports and saves: a crash, a sanitizer report, a leak, a timeout, an
// allocation over the limit, another exception (escaping, it ends in std::terminate) or a broken
// check below (std::abort).

#include <support/temp_dir.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace chaosnet::fuzz {

/// Ends the run as a crash, so that libFuzzer keeps the input.
[[noreturn]] inline void fail(std::string_view check) {
  std::fprintf(stderr, "fuzz check failed: %.*s\n", static_cast<int>(check.size()), check.data());
  std::abort();
}

/// `name` in a directory of this process's own under TMPDIR (run.sh points it at /dev/shm), for
/// readers that take only a path; the directory goes when the process exits normally.
inline std::filesystem::path scratch_file(const std::string& name) {
  static const chaosnet::test::TempDir dir;
  return dir / name;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// What `read` returns, or nullopt if it throws an E that names `origin` and says what is wrong.
template <class E, class F>
std::optional<std::invoke_result_t<F>> read_or_reject(const std::filesystem::path& origin,
                                                      F&& read) {
  try {
    return std::forward<F>(read)();
  } catch (const E& e) {
    const std::string_view message = e.what();
    const std::string prefix = origin.string() + ": ";
    if (!message.starts_with(prefix) || message.size() == prefix.size()) {
      fail("the error does not name the input and the problem: " + std::string(message));
    }
    return std::nullopt;
  }
}

/// What `step` returns; any exception from it is a finding, reported as `what` failing.
template <class F>
std::invoke_result_t<F> must_succeed(std::string_view what, F&& step) {
  try {
    return std::forward<F>(step)();
  } catch (const std::exception& e) {
    fail(std::string(what) + ": " + e.what());
  }
}

}  // namespace chaosnet::fuzz
