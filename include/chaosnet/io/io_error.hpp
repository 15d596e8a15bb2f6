#pragma once

// The exception types of the io module, so callers (the CLI) can report a bad or unwritable file
// as a user error rather than a bug.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chaosnet {

/// A file chaosnet reads or writes that is missing, unreadable, unwritable or malformed. what() is
/// one line, "<path>: <problem>", that says what is wrong and, where it can, how to fix it.
class FileError : public std::runtime_error {
 public:
  FileError(const std::filesystem::path& path, std::string_view problem)
      : std::runtime_error(path.string() + ": " + std::string(problem)),
        path_(path),
        problem_(problem) {}

  /// The offending file.
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// what() without the leading path.
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

 private:
  std::filesystem::path path_;
  std::string problem_;
};

/// A model file that cannot be saved or loaded (see io/model_file.hpp).
class ModelFileError : public FileError {
 public:
  using FileError::FileError;
};

}  // namespace chaosnet
