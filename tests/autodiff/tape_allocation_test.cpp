// Once a tape has warmed up, recording again after reset() and replaying allocate nothing: the
// buffers keep their capacity. This translation unit replaces the global operator new to count.

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t align) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const auto alignment = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment)) {
    return p;
  }
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {
constexpr int n = 16;
using Batch = chaosnet::Tape<float, n>::Batch;

/// One mish unit over two inputs, with a bias: parameters [β, w0, w1].
chaosnet::DagSpec one_unit() {
  chaosnet::DagSpec spec;
  spec.inputs = 2;
  spec.outputs = 1;
  spec.sources = {0, 1};
  spec.units = {{chaosnet::Activation::mish, 0, 1, 0, 2}};
  return spec;
}

/// A network-shaped graph: weighted sums, mish, split fan-out, a sparse DAG, log-softmax NLL.
chaosnet::Tensor0D<float, n> record(chaosnet::Tape<float, n>& tape, const Batch& pixels,
                                    const std::array<int, n>& labels, const chaosnet::DagSpec& dag) {
  const auto x = tape.input(pixels);
  const auto w = tape.variable(0.5f);
  const auto b = tape.variable(0.1f);
  const std::array weights{w, b};
  const auto hidden = mish(w * x + b);
  const auto copies = split_on_add(hidden, 2);
  const std::array sources{copies[0], x};
  const std::array<float, 3> dag_parameters{0.1f, 0.5f, -0.3f};
  const std::array dag_inputs{x, copies[1]};
  const auto unit = chaosnet::sparse_dag<float, n>(dag, dag_inputs, tape.variables(dag_parameters));
  const std::array logits{chaosnet::weighted_sum<float, n>(weights, sources, b), copies[1], unit[0]};
  return mean(nll(log_softmax(logits), tape.targets(labels)));
}
}  // namespace

TEST_CASE("Tape: reset() keeps capacity, so re-recording and replaying allocate nothing",
          "[autodiff][tape][allocation]") {
  chaosnet::Tape<float, n> tape;
  std::array<int, n> labels{};
  for (std::size_t k = 0; k < labels.size(); ++k) labels[k] = static_cast<int>(k % 2);
  const Batch pixels = Batch::LinSpaced(0.0f, 1.0f);
  const chaosnet::DagSpec dag = one_unit();

  record(tape, pixels, labels, dag);  // warm-up: buffers grow to their working size
  tape.reset();

  const long before_record = allocations.load();
  const auto loss = record(tape, pixels, labels, dag);
  tape.zero_grad();
  tape.backward(loss);
  CHECK(allocations.load() - before_record == 0);

  const long before_replay = allocations.load();
  for (int step = 0; step < 10; ++step) {
    tape.forward();
    tape.zero_grad();
    tape.backward(loss);
  }
  CHECK(allocations.load() - before_replay == 0);
  CHECK(std::isfinite(loss.value()));

  // The counter is live: a fresh tape must allocate, or this test could not fail.
  const long before_fresh = allocations.load();
  chaosnet::Tape<float, n> fresh;
  record(fresh, pixels, labels, dag);
  CHECK(allocations.load() - before_fresh > 0);
}
