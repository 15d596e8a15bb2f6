#pragma once

// A topology that trains: Network<T, N> records its graph on a Tape<T, N> once per topology
// (one sparse_dag op for all the nodes, then log-softmax NLL over the leaves, or the distillation
// loss when it learns from a teacher) and replays it for every batch of N samples. Inference
// replays a forward-only recording of the same graph. With node failure on (node_failure.hpp),
// every forward pass draws fresh masks from the network's own counter-based stream.

#include <chaosnet/autodiff/distillation.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/sparse_dag.hpp>
#include <chaosnet/autodiff/tape.hpp>
#include <chaosnet/util/denormals.hpp>
#include <chaosnet/util/gather_batch.hpp>
#include <chaosnet/graph/node_failure.hpp>
#include <chaosnet/graph/topology.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

/// A batch of samples as the network reads it: one pointer per sample to its input_count()
/// features (sample-major, as datasets store them), one class label per sample, and when the
/// network distills from a teacher one pointer per sample to the teacher's output_count() class
/// probabilities at the distillation temperature.
struct BatchRef {
  std::span<const float* const> rows;
  std::span<const int> labels;
  std::span<const float* const> teacher = {};
};

/// Knowledge distillation (Hinton et al. 2015): train on α·T²·KL(teacher ‖ softmax(z/T)) +
/// (1 − α)·NLL instead of the NLL alone (autodiff/distillation.hpp).
struct Distillation {
  double alpha = 0.5;
  double temperature = 4.0;
};

template <class T, int N>
class Network : public Topology<T> {
 public:
  using Batch = Eigen::Array<T, N, 1>;
  static constexpr int batch_size = N;

  using Topology<T>::Topology;
  explicit Network(Topology<T> topology) : Topology<T>(std::move(topology)) {}
  /// A clone: same topology, ids and parameter values, independent from here on. The recorded
  /// tape is not copied; the clone records its own on first use.
  Network(const Network& other)
      : Topology<T>(other), distillation_(other.distillation_), failure_(other.failure_),
        noise_draw_(other.noise_draw_) {}
  Network& operator=(const Network& other) {
    Topology<T>::operator=(other);
    distillation_ = other.distillation_;
    failure_ = other.failure_;
    noise_draw_ = other.noise_draw_;
    training_.reset();
    inference_.reset();
    return *this;
  }
  Network(Network&&) noexcept = default;
  Network& operator=(Network&&) noexcept = default;
  ~Network() = default;

  /// Train on the distillation loss from now on (batches must then carry teacher
  /// probabilities), or on the NLL again with std::nullopt.
  void set_distillation(std::optional<Distillation> distillation) {
    distillation_ = distillation;
    training_.reset();  // the loss is part of the recording
  }
  [[nodiscard]] const std::optional<Distillation>& distillation() const { return distillation_; }

  /// Fail and perturb the Normal nodes from now on (node_failure.hpp), or stop with
  /// std::nullopt. Forward pass k (counted by noise_draw()) draws the masks of (failure.seed,
  /// k, node id, sample): the same for a seed whatever runs in parallel, and a node keeps its
  /// stream through mutations. Throws std::invalid_argument for settings out of range.
  void set_node_failure(std::optional<NodeFailure> failure) {
    if (failure) check_node_failure(*failure);
    failure_ = failure;
    training_.reset();  // the noise is part of both recordings
    inference_.reset();
  }
  [[nodiscard]] const std::optional<NodeFailure>& node_failure() const { return failure_; }
  /// Forward passes drawn under failure so far: the next one draws masks for this counter. A
  /// robustness sweep sets it to 0 to give every evaluation of a mask seed the same masks.
  [[nodiscard]] std::uint64_t noise_draw() const { return noise_draw_; }
  void set_noise_draw(std::uint64_t draw) { noise_draw_ = draw; }

  /// Forward and backward on one batch of N samples: returns the mean NLL loss and leaves the
  /// gradient of every parameter in gradients(). The first call after a topology change records
  /// the graph (and compacts the parameter slots); later calls replay the recording.
  T compute_gradients(const BatchRef& batch) {
    check_batch(batch, true);
    const util::FlushDenormals flush;
    Recording& r = prepare(training_, batch.rows, batch.labels, batch.teacher);
    r.tape.zero_grad();
    r.tape.backward(r.loss);
    return r.loss.value();
  }

  /// d loss / d parameter from the last compute_gradients(), by slot like parameter_values().
  [[nodiscard]] std::span<const T> gradients() const {
    return current_training("gradients").tape.scalar_grads().first(this->parameter_values().size());
  }

  /// After compute_gradients(): the output of the node at `position` for every sample of that
  /// batch (for an input, its feature).
  [[nodiscard]] const Batch& activation(std::size_t position) const {
    const Recording& r = current_training("activation");
    const std::size_t inputs = this->input_count();
    return r.tape.batch_values()[position < inputs ? position : r.unit_slots.at(position - inputs).value];
  }
  /// After compute_gradients(): δ = ∂loss/∂pre-activation of the non-input node at `position`,
  /// per sample. An edge s → t that does not exist would get the gradient Σ_k δ_t,k·x_s,k at
  /// weight 0 (sparse/candidate_gradients.hpp).
  [[nodiscard]] const Batch& pre_activation_gradient(std::size_t position) const {
    const Recording& r = current_training("pre_activation_gradient");
    const std::size_t inputs = this->input_count();
    if (position < inputs) {
      throw std::invalid_argument("chaosnet::Network::pre_activation_gradient: position " +
                                  std::to_string(position) + " is an input, which has no pre-activation");
    }
    return r.tape.batch_grads()[r.unit_slots.at(position - inputs).delta];
  }

  /// How many times the graph has been recorded for training (once per topology trained).
  [[nodiscard]] std::size_t recordings() const { return recordings_; }

  /// Class logits of N samples without the loss or any gradient work: logits[c][k] is class c
  /// of sample k. Replays a forward-only recording of the same graph.
  void predict_logits(std::span<const float* const> rows, std::span<Batch> logits) {
    check_batch({rows, {}}, false);
    if (logits.size() != this->output_count()) {
      throw std::invalid_argument("chaosnet::Network::predict_logits: " +
                                  std::to_string(logits.size()) + " logit rows for " +
                                  std::to_string(this->output_count()) + " outputs");
    }
    const util::FlushDenormals flush;
    const Recording& r = prepare(inference_, rows, {});
    for (std::size_t c = 0; c < logits.size(); ++c) logits[c] = r.logits[c].value();
  }

  /// The predicted class (argmax of the logits, lowest class on ties) of N samples.
  std::array<int, static_cast<std::size_t>(N)> predict(std::span<const float* const> rows) {
    logits_.resize(this->output_count());
    predict_logits(rows, logits_);
    std::array<int, static_cast<std::size_t>(N)> classes{};
    for (int k = 0; k < N; ++k) {
      int best = 0;
      for (std::size_t c = 1; c < logits_.size(); ++c) {
        if (logits_[c][k] > logits_[static_cast<std::size_t>(best)][k]) best = static_cast<int>(c);
      }
      classes[static_cast<std::size_t>(k)] = best;
    }
    return classes;
  }

 private:
  /// A recorded graph: parameter leaves in scalar slots 0..P-1 (slot order), input leaves in
  /// batch slots 0..I-1 (position order, written in place by gather_batch), then one sparse_dag
  /// op for all the nodes, and for training the log-softmax NLL loss.
  struct Recording {
    Tape<T, N> tape;
    Tensor1DRange<T, N> logits;
    Targets<T, N> targets;
    Tensor0D<T, N> loss;
    std::vector<DagUnitSlots> unit_slots;  ///< per non-input node, in position order
    std::vector<Tensor1D<T, N>> teacher;    ///< distilling: the teacher's probability leaves
    std::size_t teacher_slot = 0;           ///< their first batch slot (they are consecutive)
    bool noisy = false;                     ///< recorded with node failure or noise
    std::uint64_t version = 0;
  };

  /// The training recording, after checking it was made (and run) for the current topology.
  [[nodiscard]] const Recording& current_training(const char* what) const {
    if (!training_ || training_->version != this->version()) {
      throw std::logic_error(std::string("chaosnet::Network::") + what +
                             ": nothing computed for the current topology; call "
                             "compute_gradients() after the last mutation");
    }
    return *training_;
  }

  void check_batch(const BatchRef& batch, bool needs_labels) const {
    if (batch.rows.size() != static_cast<std::size_t>(N)) {
      throw std::invalid_argument("chaosnet::Network: a batch needs " + std::to_string(N) +
                                  " samples, got " + std::to_string(batch.rows.size()));
    }
    if (needs_labels && batch.labels.size() != static_cast<std::size_t>(N)) {
      throw std::invalid_argument("chaosnet::Network: a batch needs " + std::to_string(N) +
                                  " labels, got " + std::to_string(batch.labels.size()));
    }
    if (needs_labels && distillation_ && batch.teacher.size() != static_cast<std::size_t>(N)) {
      throw std::invalid_argument("chaosnet::Network: distilling, a batch needs " + std::to_string(N) +
                                  " rows of teacher probabilities, got " + std::to_string(batch.teacher.size()));
    }
  }

  /// The recording `slot` holds for the current topology, with these rows (and labels, when
  /// training) loaded and the forward pass done: recorded afresh after a topology change,
  /// replayed otherwise.
  Recording& prepare(std::unique_ptr<Recording>& slot, std::span<const float* const> rows,
                     std::span<const int> labels, std::span<const float* const> teacher = {}) {
    const bool training = !labels.empty();
    if (!slot || slot->version != this->version()) {
      record(slot, rows, labels, teacher);
      return *slot;
    }
    Recording& r = *slot;
    const auto params = this->parameter_values();
    std::copy(params.begin(), params.end(), r.tape.scalar_values().begin());
    util::gather_batch<T, N>(rows.data(), this->input_count(), r.tape.batch_values().data());
    if (training) {
      r.tape.set(r.targets, labels);
      load_teacher(r, teacher);
    }
    if (r.noisy) set_dag_noise_draw(r.tape, noise_draw_++);
    r.tape.forward();
    return r;
  }

  /// Write the teacher probabilities into their input leaves (consecutive slots, one per class).
  void load_teacher(Recording& r, std::span<const float* const> teacher) {
    if (r.teacher.empty()) return;
    util::gather_batch<T, N>(teacher.data(), this->output_count(),
                             r.tape.batch_values().data() + r.teacher_slot);
  }

  /// The nodes as a sparse DAG: units are the non-input nodes in position order, so a source's
  /// index in the spec is its position; weights and biases index the compacted parameters.
  [[nodiscard]] DagSpec dag_spec(bool training) const {
    DagSpec spec;
    if (failure_ && (training ? failure_->in_training() : failure_->in_evaluation())) {
      spec.noise = failure_->dag_noise(noise_draw_);
    }
    spec.inputs = this->input_count();
    spec.outputs = this->output_count();
    const auto nodes = this->nodes();
    for (std::size_t p = this->input_count(); p < nodes.size(); ++p) {
      const Node& v = nodes[p];
      DagUnit unit;
      unit.activation = v.kind == NodeKind::normal ? Activation::mish : Activation::identity;
      unit.bias = v.bias == no_param ? dag_none : v.bias;
      unit.first_weight = v.weights.empty() ? 0 : v.weights.front();
      unit.first_source = static_cast<std::uint32_t>(spec.sources.size());
      unit.source_count = static_cast<std::uint32_t>(v.sources.size());
      for (const NodeId s : v.sources) spec.sources.push_back(static_cast<std::uint32_t>(this->position(s)));
      spec.units.push_back(unit);
      spec.noise_ids.push_back(v.id);
    }
    return spec;
  }

  void record(std::unique_ptr<Recording>& slot, std::span<const float* const> rows,
              std::span<const int> labels, std::span<const float* const> teacher) {
    this->compact_parameters();  // contiguous weights per node, sources in position order
    if (!slot) slot = std::make_unique<Recording>();
    Recording& r = *slot;
    r.tape.reset();  // keeps capacity from the previous topology
    Tape<T, N>& tape = r.tape;
    const Tensor0DRange<T, N> parameters = tape.variables(this->parameter_values());
    std::vector<Tensor1D<T, N>> inputs;
    inputs.reserve(this->input_count());
    for (std::size_t p = 0; p < this->input_count(); ++p) inputs.push_back(tape.input(Batch::Zero()));
    util::gather_batch<T, N>(rows.data(), this->input_count(), tape.batch_values().data());
    const DagSpec spec = dag_spec(!labels.empty());
    r.noisy = spec.noise.active();
    r.logits = sparse_dag<T, N>(spec, inputs, parameters,
                                labels.empty() ? DagMode::inference : DagMode::training,
                                &r.unit_slots);
    if (r.noisy) ++noise_draw_;  // recording ran the first forward pass
    r.teacher.clear();
    if (!labels.empty()) {
      r.targets = tape.targets(labels);
      if (distillation_) {
        for (std::size_t c = 0; c < this->output_count(); ++c) r.teacher.push_back(tape.input(Batch::Zero()));
        r.teacher_slot = static_cast<std::size_t>(&tape.value(r.teacher.front()) - tape.batch_values().data());
        load_teacher(r, teacher);
        r.loss = mean(distillation_loss(r.logits, r.teacher, r.targets, static_cast<T>(distillation_->alpha),
                                        static_cast<T>(distillation_->temperature)));
      } else {
        r.loss = mean(nll(log_softmax(r.logits), r.targets));
      }
      ++recordings_;
    }
    r.version = this->version();
  }

  std::optional<Distillation> distillation_;
  std::optional<NodeFailure> failure_;
  std::uint64_t noise_draw_ = 0;
  std::unique_ptr<Recording> training_;
  std::unique_ptr<Recording> inference_;
  std::size_t recordings_ = 0;
  std::vector<Batch> logits_;  ///< predict() scratch
};

}  // namespace chaosnet
