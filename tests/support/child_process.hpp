#pragma once

// Runs part of a test in a forked child process, so that a crash, a hang or an allocation beyond
// a memory limit fails that test with a description instead of killing or stalling the test
// program. POSIX only, like the library.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace chaosnet::test {

/// How a child process ended.
struct ChildOutcome {
  bool timed_out = false;
  int exit_code = -1;  ///< if it exited
  int signal = 0;      ///< if a signal ended it

  [[nodiscard]] bool succeeded() const { return !timed_out && signal == 0 && exit_code == 0; }
  /// "exited with 0", "killed by signal 11 (Segmentation fault)", "timed out (killed)".
  [[nodiscard]] std::string describe() const {
    if (timed_out) return "timed out (killed)";
    if (signal != 0) {
      return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
    }
    return "exited with " + std::to_string(exit_code);
  }
};

struct ChildLimits {
  std::chrono::milliseconds timeout{20000};
  /// If not 0, the child may map at most this many bytes of address space beyond what it has
  /// when it starts (RLIMIT_AS), so that a huge allocation fails in it.
  std::uint64_t address_space_headroom = 0;
};

/// The address space the process has mapped, in bytes.
inline std::uint64_t mapped_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

/// Runs `body` in a forked child under `limits`; body's return value is the child's exit code,
/// and an exception escaping it exits with 101 after printing what() to stderr.
template <class Body>
ChildOutcome run_in_child(Body&& body, ChildLimits limits = {}) {
  std::fflush(nullptr);  // else buffered output would be written twice
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    int code = 101;
    try {
      if (limits.address_space_headroom != 0) {
        const rlim_t bytes = mapped_bytes() + limits.address_space_headroom;
        const rlimit limit{bytes, bytes};
        if (::setrlimit(RLIMIT_AS, &limit) != 0) std::_Exit(102);
      }
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: exception: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "child: unknown exception\n");
    }
    std::fflush(nullptr);
    std::_Exit(code);  // no atexit handlers or destructors of the parent's objects
  }
  ChildOutcome outcome;
  const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      outcome.timed_out = true;
      return outcome;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  return outcome;
}

}  // namespace chaosnet::test
