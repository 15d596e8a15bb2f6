#pragma once

// Writing a file so that a reader (or the next run after a crash or a full disk) finds either the
// old contents or the new ones, never a half-written file: the data goes to a temporary file in
// the same directory, is flushed to the disk, and then renamed over the target, which POSIX
// makes atomic within one file system. POSIX only (open/write/fsync), like the rest of the
// project's platform.

#include <chaosnet/io/io_error.hpp>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace chaosnet {
namespace detail {

inline std::string errno_message(int error) { return std::generic_category().message(error); }

inline std::filesystem::path directory_of(const std::filesystem::path& file) {
  return file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
}

/// Tells temporary files of concurrent writers in one process apart (the pid tells processes).
inline std::atomic<unsigned> temporary_file_counter{0};

/// How the names of `target`'s temporary files begin and end: ".<name>.<pid>.<n>.tmp".
inline std::string temporary_file_prefix(const std::filesystem::path& target) {
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on "." + std::string&&.
  std::string prefix(1, '.');
  prefix += target.filename().string();
  prefix += '.';
  return prefix;
}
inline constexpr std::string_view temporary_file_suffix = ".tmp";

/// Throws FileError if `path` exists and is not a regular file (a symbolic link, a device, a FIFO,
/// a socket, a directory): renaming over it would replace it, /dev/null by a regular file or a
/// link by a copy instead of its target.
inline void check_replaceable(const std::filesystem::path& path) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::symlink_status(path, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    throw FileError(
        path, "is not a regular file; chaosnet writes only regular files (choose another path)");
  }
}

/// The process id in `name` if it names a temporary file of `target`, else 0.
inline pid_t temporary_file_pid(std::string_view name, const std::filesystem::path& target) {
  const std::string prefix = temporary_file_prefix(target);
  const std::string_view suffix = temporary_file_suffix;
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return 0;
  }
  const std::string_view middle =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  const char* end = middle.data() + middle.size();
  pid_t pid = 0;
  unsigned counter = 0;
  const auto [dot, pid_error] = std::from_chars(middle.data(), end, pid);
  if (pid_error != std::errc() || pid <= 0 || dot == end || *dot != '.') return 0;
  const auto [rest, counter_error] = std::from_chars(dot + 1, end, counter);
  return counter_error == std::errc() && rest == end ? pid : 0;
}

/// Removes the temporary files of `target` that writers killed mid-write left behind: those whose
/// process no longer exists. Best effort; what cannot be removed stays.
inline void remove_stale_temporary_files(const std::filesystem::path& target) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory_of(target), ec), end; !ec && it != end;
       it.increment(ec)) {
    const pid_t pid = temporary_file_pid(it->path().filename().string(), target);
    // Our own pid: the file of another thread writing `target` right now.
    if (pid == 0 || pid == ::getpid()) continue;
    std::error_code type_ec;
    if (std::filesystem::is_regular_file(it->symlink_status(type_ec)) && ::kill(pid, 0) != 0 &&
        errno == ESRCH) {
      std::error_code ignored;
      std::filesystem::remove(it->path(), ignored);
    }
  }
}

/// A new temporary file next to a target; closed and removed on destruction unless committed.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::filesystem::path& target) : target_(target) {
    const std::filesystem::path directory = directory_of(target);
    // O_EXCL never reuses a file; a leftover from a crashed process with our pid only costs a
    // retry.
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::string name = temporary_file_prefix(target);
      name += std::to_string(::getpid());
      name += '.';
      name += std::to_string(temporary_file_counter++);
      name += temporary_file_suffix;
      path_ = directory / name;
      // Mode 0666 less the umask, the permissions any newly created file would get.
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ >= 0 || errno != EEXIST) break;
    }
    if (fd_ < 0) {
      const int error = errno;
      std::string problem = "cannot be written: cannot create a temporary file in " +
                            directory.string() + " (" + errno_message(error) + ")";
      if (error == ENOENT) problem += "; create the directory first";
      if (error == EACCES || error == EPERM) problem += "; check the directory's permissions";
      throw FileError(target_, problem);
    }
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }

  void write(std::string_view content) {
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
      const ssize_t written = ::write(fd_, data, left);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) fail("cannot be written");
      data += written;
      left -= static_cast<std::size_t>(written);
    }
  }

  /// Flush to the disk, close, and rename over the target.
  void commit() {
    if (::fsync(fd_) != 0) fail("cannot be flushed to the disk");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("cannot be written (closing failed)");
    std::error_code ec;
    std::filesystem::rename(path_, target_, ec);
    if (ec) throw FileError(target_, "cannot be replaced (" + ec.message() + ")");
    committed_ = true;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    const int error = errno;
    throw FileError(
        target_, what + " (" + errno_message(error) + "); the previous file, if any, is unchanged");
  }

  std::filesystem::path target_;
  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace detail

/// Replace the file at `path` with `content` atomically: a temporary file in the same directory
/// is written, flushed to the disk (fsync) and renamed over `path`, so a crash, a full disk or an
/// error leaves either the old file or the new one, and no temporary file (one left by a process
/// killed while writing `path` is removed by the next write). Throws FileError, naming `path` and
/// the reason, when `path` exists and is not a regular file (a directory, a symbolic link, a
/// device such as /dev/null, a FIFO or a socket: it is left alone), the directory does not exist
/// or is not writable, the disk is full, or `path` cannot be replaced.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  detail::check_replaceable(path);
  detail::remove_stale_temporary_files(path);
  detail::TemporaryFile file(path);
  file.write(content);
  file.commit();
  // Make the rename itself durable. Best effort: some file systems cannot sync a directory, and
  // the new file is complete either way.
  const std::filesystem::path directory = detail::directory_of(path);
  if (const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

/// Whether `a` and `b` name the same existing file: the same device and inode once symbolic
/// links are followed, so another spelling of a path, a link and a hard link all count. False if
/// either does not exist or cannot be examined. For a program to refuse to write an output over
/// one of its own inputs before it reads them.
[[nodiscard]] inline bool refers_to_same_file(const std::filesystem::path& a,
                                              const std::filesystem::path& b) noexcept {
  struct stat first {};
  struct stat second {};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 &&
         first.st_dev == second.st_dev && first.st_ino == second.st_ino;
}

}  // namespace chaosnet
