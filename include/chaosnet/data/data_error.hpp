#pragma once

// The one exception type for bad input files, so callers (the CLI) can report them as user
// errors rather than bugs.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chaosnet {

/// A data file or directory that is missing, unreadable or malformed. what() is one line that
/// starts with the offending path and says what is wrong with it.
class DataError : public std::runtime_error {
 public:
  /// "<path>: <problem>".
  DataError(const std::filesystem::path& path, std::string_view problem)
      : std::runtime_error(path.string() + ": " + std::string(problem)) {}
};

}  // namespace chaosnet
