#pragma once

// What every chaosnet subcommand shares: errors and exit codes, checks of numeric flags and
// output paths, dispatch on the compiled batch sizes, the MODEL argument, the progress bar,
// machine facts for reports, and small output helpers.

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/io/atomic_file.hpp>
#include <chaosnet/train/batch_sizes.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace chaosnet::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_runtime_error = 1;
inline constexpr int exit_usage = 2;

/// A mistake in how the command was called: reported with exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// A bound as people write it: integers in full, others with %g (DBL_MAX is not 309 digits).
template <class T>
std::string bound_text(T value) {
  if constexpr (std::is_integral_v<T>) {
    return std::to_string(value);
  } else {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(value));
    return buffer;
  }
}

/// Accepts the text of a finite T in [low, high], or (low, high] when `low_excluded`; for an
/// unsigned T only without a minus sign, since CLI11 converts with strtoull, which wraps -1 to
/// the largest value. --help shows the interval after the type; the error shows it too.
template <class T>
CLI::Validator number_check(T low, T high, bool low_excluded) {
  const bool unbounded = high == std::numeric_limits<T>::max();
  const std::string range =
      unbounded ? (low_excluded ? "> " : ">= ") + bound_text(low)
                : (low_excluded ? "(" : "[") + bound_text(low) + ", " + bound_text(high) + "]";
  const std::string wanted = (std::is_integral_v<T> ? "a whole number " : "a finite number ") +
                             std::string(unbounded ? "" : "in ") + range;
  CLI::Validator check(
      [=](std::string& input) -> std::string {
        T value{};
        const bool parsed = !(std::is_unsigned_v<T> && input.find('-') != std::string::npos) &&
                            CLI::detail::lexical_cast(input, value);
        const bool finite = parsed && std::isfinite(static_cast<double>(value));
        if (finite && (low_excluded ? value > low : value >= low) && value <= high) return {};
        return input + " is invalid; use " + wanted;
      },
      range);
  if (std::is_unsigned_v<T> && low == 0 && unbounded) check.description("");  // UINT says it
  return check;
}

}  // namespace detail

// The checks of every numeric flag, so that every command refuses NaN, infinities, wrapped
// negative counts and absurd sizes alike, with exit code 2 and a message naming the flag.

/// A number in [low, high].
template <class T>
CLI::Validator number_in(T low, T high) {
  return detail::number_check(low, high, false);
}

/// A number of at least `low`.
template <class T>
CLI::Validator at_least(T low) {
  return detail::number_check(low, std::numeric_limits<T>::max(), false);
}

/// A number above `low` and at most `high`.
template <class T>
CLI::Validator above(T low, T high = std::numeric_limits<T>::max()) {
  return detail::number_check(low, high, true);
}

/// Bounds past which a value is a typing mistake: more threads than any machine here, more
/// hidden nodes than memory holds (20 edges each), a learning rate every optimizer diverges at.
inline constexpr unsigned max_worker_threads = 1024;
inline constexpr std::size_t max_hidden_nodes = 1000000;
inline constexpr double max_learning_rate = 10;

/// Whether two paths name one file: the same device and inode when both exist (the library's
/// refers_to_same_file), else the same path once absolute with its existing links resolved.
inline bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  if (refers_to_same_file(a, b)) return true;
  std::error_code ec_a, ec_b;
  const auto canonical_a = std::filesystem::weakly_canonical(a, ec_a);
  const auto canonical_b = std::filesystem::weakly_canonical(b, ec_b);
  return !ec_a && !ec_b && canonical_a == canonical_b;
}

enum class OutputKind { file, directory };

/// Throws UsageError unless the output `path` given with `flag` can be written: it is none of the
/// command's `inputs`, an existing one is a regular file (or a directory, for
/// OutputKind::directory), and the directory it goes into — or the nearest existing one above,
/// where the missing ones will be created — is writable. Checked before any work, so a bad path
/// fails at once instead of after a long run. An empty path (flag not given) passes.
inline void check_output(const std::string& flag, const std::filesystem::path& path,
                         OutputKind kind, std::span<const std::filesystem::path> inputs = {}) {
  namespace fs = std::filesystem;
  if (path.empty()) return;
  const std::string named = flag + " " + path.string();
  for (const fs::path& input : inputs) {
    if (same_file(path, input)) {
      throw UsageError(named + " would overwrite " + input.string() +
                       ", which this command reads: choose another file");
    }
  }
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(path, ec);
  fs::path directory = fs::absolute(path).parent_path();
  if (fs::exists(status)) {
    if (kind == OutputKind::directory) {
      if (!fs::is_directory(fs::status(path, ec))) {
        throw UsageError(named + " is a file, not a directory: choose a directory");
      }
      directory = path;
    } else if (fs::is_directory(status)) {
      throw UsageError(named + " is a directory: give the path of a file");
    } else if (!fs::is_regular_file(status)) {
      throw UsageError(named + " is not a regular file (a symbolic link, device or FIFO): give "
                               "the path of a regular file");
    }
  }
  while (!fs::exists(directory, ec) && directory.has_relative_path()) {
    directory = directory.parent_path();
  }
  if (!fs::is_directory(directory, ec)) {
    throw UsageError(named + " cannot be created: " + directory.string() +
                     " is a file, not a directory; choose another place");
  }
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    const int error = errno;
    throw UsageError(named + " cannot be written: " + directory.string() + " is not writable (" +
                     std::generic_category().message(error) + "); choose another place");
  }
}

/// The four MNIST files in `dir`, the inputs that no output may overwrite (throws DataError,
/// like loading, when one is missing).
inline std::vector<std::filesystem::path> mnist_files(const std::filesystem::path& dir) {
  const MnistPaths p = find_mnist(dir);
  return {p.train_images, p.train_labels, p.test_images, p.test_labels};
}

/// Calls f.template operator()<N>() for the compiled batch size N equal to `batch`
/// (train/batch_sizes.hpp); a UsageError naming --batch when there is none.
template <class F>
decltype(auto) with_batch_size(int batch, F&& f) {
  if (!is_compiled_batch_size(batch)) {
    throw UsageError("--batch " + std::to_string(batch) + " is not compiled in; use " +
                     compiled_batch_sizes_text());
  }
  return dispatch_batch_size(batch, std::forward<F>(f));
}

/// The MODEL argument of the commands that read a saved model.
inline void add_model_argument(CLI::App& command, std::filesystem::path& model) {
  command.add_option("model", model, "Model file written by `chaosnet train --save` or `evolve`")
      ->required()
      ->check(CLI::ExistingFile);
}

/// The CPU model from /proc/cpuinfo, for reports ("unknown" when not available).
inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

inline unsigned hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

/// "1:02:03" or "2:03".
inline std::string format_duration(double seconds) {
  const auto total = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  }
  return buffer;
}

/// "1,234,567".
inline std::string with_commas(double value) {
  const std::string digits = std::to_string(static_cast<long long>(value + 0.5));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

/// A one-line progress bar on stderr with rate and ETA, redrawn at most ten times a second.
/// Silent when stderr is not a terminal, so logs stay clean.
class ProgressBar {
 public:
  ProgressBar(std::string label, std::string unit)
      : label_(std::move(label)), unit_(std::move(unit)), enabled_(::isatty(STDERR_FILENO) != 0),
        start_(Clock::now()), last_draw_(start_) {}
  ~ProgressBar() { finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(std::size_t done, std::size_t total, const std::string& extra = {}) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1;
    constexpr int width = 28;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    const std::string eta = rate > 0 ? format_duration(static_cast<double>(total - done) / rate) : "?";
    std::fprintf(stderr, "\r%s [%s] %3.0f%%  %s %s/s  ETA %s %s\033[K", label_.c_str(),
                 bar.c_str(), 100 * fraction, with_commas(rate).c_str(), unit_.c_str(),
                 eta.c_str(), extra.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
  /// Clear the bar so the next line of normal output starts clean.
  void finish() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }
  /// Start timing a new round (e.g. the next epoch).
  void restart() {
    start_ = Clock::now();
    last_draw_ = start_;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_, unit_;
  bool enabled_;
  Clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

/// Write text to a file atomically (never half-written), creating its directory; errors name
/// the file.
inline void write_text_file(const std::filesystem::path& path, const std::string& text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path, text);
}

inline void write_json_file(const std::filesystem::path& path, const nlohmann::json& value) {
  write_text_file(path, value.dump(2) + "\n");
}

}  // namespace chaosnet::cli
