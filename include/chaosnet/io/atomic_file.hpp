#pragma once

// Writing a file so that a reader (or the next run after a crash or a full disk) finds either the
// old contents or the new ones, never a half-written file: the data goes to a temporary file in
// the same directory, is flushed to the disk, and then renamed over the target, which POSIX
// makes atomic within one file system. POSIX only (open/write/fsync), like the rest of the
// project's platform.

#include <chaosnet/io/io_error.hpp>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
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

/// A new temporary file next to a target; closed and removed on destruction unless committed.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::filesystem::path& target) : target_(target) {
    const std::filesystem::path directory = directory_of(target);
    // O_EXCL never reuses a file; a leftover from a crashed process with our pid only costs a
    // retry.
    for (int attempt = 0; attempt < 100; ++attempt) {
      // Built by appending: GCC 12 warns falsely (-Wrestrict) on "." + std::string&&.
      std::string name(1, '.');
      name += target.filename().string();
      name += '.';
      name += std::to_string(::getpid());
      name += '.';
      name += std::to_string(temporary_file_counter++);
      name += ".tmp";
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
/// error leaves either the old file or the new one, and no temporary file. Throws FileError,
/// naming `path` and the reason, when the directory does not exist or is not writable, the disk
/// is full, or `path` cannot be replaced (e.g. it is a directory).
inline void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
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

}  // namespace chaosnet
