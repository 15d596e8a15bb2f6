// write_file_atomically: the old file survives a failed write, no temporary file is left behind
// (not even by a killed writer), only regular files are replaced, and errors name the file and
// the reason; refers_to_same_file.

#include <support/child_process.hpp>
#include <support/temp_dir.hpp>

#include <chaosnet/io/atomic_file.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

/// The message for a path that exists and is not a regular file.
std::string not_regular(const std::filesystem::path& path) {
  return path.string() +
         ": is not a regular file; chaosnet writes only regular files (choose another path)";
}

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
  CHECK_THROWS_WITH(write_file_atomically(occupied, "x"), not_regular(occupied));
  CHECK(std::filesystem::is_directory(occupied / "inside"));
  CHECK(entries(dir.path()) == std::vector<std::string>{"occupied"});
}

TEST_CASE("Atomic file: symbolic links, FIFOs and devices are refused and left alone",
          "[io][atomic]") {
  const TempDir dir;
  const auto target = dir / "target";
  write_file_atomically(target, "kept");
  const auto link = dir / "link";
  std::filesystem::create_symlink(target, link);
  CHECK_THROWS_AS(write_file_atomically(link, "x"), FileError);
  CHECK_THROWS_WITH(write_file_atomically(link, "x"), not_regular(link));
  CHECK(std::filesystem::is_symlink(link));
  CHECK(read_text(target) == "kept");
  const auto dangling = dir / "dangling";
  std::filesystem::create_symlink(dir / "nowhere", dangling);
  CHECK_THROWS_WITH(write_file_atomically(dangling, "x"), not_regular(dangling));

  const auto fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(write_file_atomically(fifo, "x"), not_regular(fifo));
  CHECK(std::filesystem::is_fifo(fifo));

  // A copy of /dev/null; creating one needs root, which is who could destroy the real one.
  const auto device = dir / "null";
  if (::mknod(device.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) == 0) {
    CHECK_THROWS_WITH(write_file_atomically(device, "x"), not_regular(device));
    CHECK(std::filesystem::is_character_file(device));
  }
  CHECK(entries(dir.path()).size() == (std::filesystem::exists(device) ? 5 : 4));
}

TEST_CASE("Atomic file: a temporary file left by a killed writer is removed by the next write",
          "[io][atomic]") {
  const TempDir dir;
  const auto path = dir / "model.json";
  // A writer killed (SIGKILL) half way: its temporary file stays behind.
  const auto outcome = chaosnet::test::run_in_child([&] {
    chaosnet::detail::TemporaryFile file(path);
    file.write("half");
    ::kill(::getpid(), SIGKILL);
    return 1;
  });
  REQUIRE(outcome.signal == SIGKILL);
  const std::vector<std::string> left = entries(dir.path());
  REQUIRE(left.size() == 1);
  CHECK(left[0].starts_with(".model.json."));
  // Files that only look alike, and one of a live process (init), are not touched.
  const std::vector<std::string> others = {".model.json.1.0.tmp", ".model.json.x.0.tmp",
                                           ".other.json.999999999.0.tmp", "model.json.1.0.tmp"};
  for (const std::string& name : others) write_file_atomically(dir / name, "other");
  write_file_atomically(path, "whole");
  CHECK(read_text(path) == "whole");
  std::vector<std::string> expected = others;
  expected.push_back("model.json");
  std::vector<std::string> found = entries(dir.path());
  std::sort(expected.begin(), expected.end());
  std::sort(found.begin(), found.end());
  CHECK(found == expected);
}

TEST_CASE("Atomic file: refers_to_same_file compares files, not spellings", "[io][atomic]") {
  using chaosnet::refers_to_same_file;
  const TempDir dir;
  const auto input = dir / "input.json";
  const auto other = dir / "other.json";
  write_file_atomically(input, "in");
  write_file_atomically(other, "in");
  std::filesystem::create_hard_link(input, dir / "hard");
  std::filesystem::create_symlink(input, dir / "soft");
  CHECK(refers_to_same_file(input, input));
  CHECK(refers_to_same_file(input, dir.path() / "." / "input.json"));
  CHECK(refers_to_same_file(dir / "hard", input));
  CHECK(refers_to_same_file(input, dir / "soft"));
  CHECK_FALSE(refers_to_same_file(input, other));
  CHECK_FALSE(refers_to_same_file(input, dir / "missing"));
  CHECK_FALSE(refers_to_same_file(dir / "missing", dir / "missing"));
}
