#pragma once

// A small fixed pool of threads for population-level parallelism: one task per member, tasks
// handed out in order from a shared counter. Tasks must not share mutable state; whatever
// thread runs a task, it computes the same thing, so results do not depend on the thread count.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace chaosnet {

/// Runs the tasks of one job at a time on a fixed set of threads (see run()).
class WorkerPool {
 public:
  /// `threads` threads in all, the caller of run() included (so 1 starts none); 0 means one
  /// per hardware thread. Throws std::runtime_error if the system cannot start that many (a
  /// process or memory limit), after stopping the ones it started.
  explicit WorkerPool(std::size_t threads)
      : WorkerPool(threads, [](auto worker) { return std::thread(std::move(worker)); }) {}

  /// As above, with `start(worker)` returning the std::thread that runs `worker`, so tests can
  /// make starting a thread fail.
  template <class Start>
  WorkerPool(std::size_t threads, Start start) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    try {
      workers_.reserve(threads - 1);
      for (std::size_t i = 1; i < threads; ++i) workers_.push_back(start([this] { work(); }));
    } catch (const std::exception& e) {
      stop();
      throw std::runtime_error("cannot start " + std::to_string(threads) + " threads: " + e.what() +
                               "; use fewer threads");
    }
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() { stop(); }

  [[nodiscard]] std::size_t threads() const { return workers_.size() + 1; }

  /// Call task(i) for every i in [0, count), spread over the pool's threads and the calling one,
  /// and return when all calls have returned. If calls throw, rethrows the exception of the
  /// lowest i once every call has finished. Not reentrant.
  template <class F>
  void run(std::size_t count, F&& task) {
    auto call = [&task](std::size_t i) { task(i); };
    Job job;
    job.count = count;
    job.callable = &call;
    job.invoke = [](void* f, std::size_t i) { (*static_cast<decltype(call)*>(f))(i); };
    job.errors.resize(count);
    {
      const std::lock_guard lock(mutex_);
      job_ = &job;
      finished_ = 0;
      ++epoch_;
    }
    wake_.notify_all();
    drain(job);
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return finished_ == workers_.size(); });
      job_ = nullptr;
    }
    for (const std::exception_ptr& e : job.errors) {
      if (e) std::rethrow_exception(e);
    }
  }

 private:
  struct Job {
    std::size_t count = 0;
    void* callable = nullptr;
    void (*invoke)(void*, std::size_t) = nullptr;
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> errors;  ///< by task; each written by one thread only
  };

  /// Tells the workers to return and waits until they have.
  void stop() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  static void drain(Job& job) {
    for (std::size_t i = job.next++; i < job.count; i = job.next++) {
      try {
        job.invoke(job.callable, i);
      } catch (...) {
        job.errors[i] = std::current_exception();
      }
    }
  }

  void work() {
    std::uint64_t seen = 0;
    for (;;) {
      Job* job = nullptr;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || epoch_ != seen; });
        if (stop_) return;
        seen = epoch_;
        job = job_;
      }
      drain(*job);
      {
        const std::lock_guard lock(mutex_);
        ++finished_;
      }
      done_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  Job* job_ = nullptr;
  std::uint64_t epoch_ = 0;
  std::size_t finished_ = 0;
  bool stop_ = false;
};

}  // namespace chaosnet
