// write_file_atomically: the old file survives a failed write, no temporary file is left behind,
// and errors name the file and the reason.

#include <support/temp_dir.hpp>

#include <chaosnet/io/atomic_file.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/resource.h>

using chaosnet::FileError;
using chaosnet::write_file_atomically;
using chaosnet::test::TempDir;

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

/// Lowers the file size limit for the current scope, so that a write fails part way (EFBIG)
/// whoever runs the test, root included.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // else exceeding the limit kills us
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lowered) == 0);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = nullptr;
};

}  // namespace

TEST_CASE("Atomic file: writes and replaces a file, leaving no temporary file", "[io][atomic]") {
  const TempDir dir;
  const auto path = dir / "model.json";
  write_file_atomically(path, "first");
  CHECK(read_text(path) == "first");
  write_file_atomically(path, std::string(100000, 'x'));
  CHECK(read_text(path) == std::string(100000, 'x'));
  write_file_atomically(path, "");
  CHECK(read_text(path).empty());
  CHECK(entries(dir.path()) == std::vector<std::string>{"model.json"});
}

TEST_CASE("Atomic file: a failed write leaves the old file intact and no temporary file",
          "[io][atomic]") {
  const TempDir dir;
  const auto path = dir / "model.json";
  write_file_atomically(path, "old contents");
  {
    const FileSizeLimit limit(1000);
    CHECK_THROWS_MATCHES(
        write_file_atomically(path, std::string(5000, 'n')), FileError,
        Catch::Matchers::Predicate<FileError>([&](const FileError& e) {
          const std::string m = e.what();
          return e.path() == path && m.starts_with(path.string() + ": ") &&
                 m.find("cannot be written (File too large)") != std::string::npos &&
                 m.find("previous file, if any, is unchanged") != std::string::npos;
        }));
  }
  CHECK(read_text(path) == "old contents");
  CHECK(entries(dir.path()) == std::vector<std::string>{"model.json"});
}

TEST_CASE("Atomic file: a missing directory or a directory in the way is a clear error",
          "[io][atomic]") {
  const TempDir dir;
  const auto nowhere = dir / "no/such/dir/model.json";
  CHECK_THROWS_WITH(write_file_atomically(nowhere, "x"),
                    Catch::StartsWith(nowhere.string() + ": cannot be written") &&
                        Catch::Contains("No such file or directory") &&
                        Catch::Contains("create the directory first"));

  const auto occupied = dir / "occupied";
  std::filesystem::create_directories(occupied / "inside");
  CHECK_THROWS_WITH(write_file_atomically(occupied, "x"),
                    Catch::StartsWith(occupied.string() + ": cannot be replaced"));
  CHECK(std::filesystem::is_directory(occupied / "inside"));
  CHECK(entries(dir.path()) == std::vector<std::string>{"occupied"});
}
