#pragma once

// A fresh directory under the system temp dir, removed with everything in it on destruction.

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace chaosnet::test {

/// A unique, empty directory under the system temp directory, removed with its contents when
/// the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::random_device entropy;
    const std::uint64_t tag = (std::uint64_t{entropy()} << 32) | entropy();
    path_ = std::filesystem::temp_directory_path() / ("chaosnet-test-" + std::to_string(tag));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace chaosnet::test
