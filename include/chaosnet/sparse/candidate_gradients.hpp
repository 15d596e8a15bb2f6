#pragma once

// The gradient every absent edge would get if it were added with weight 0: for an edge s → t it
// is g(s, t) = Σ_k δ_t,k · x_s,k, the source's output times the target's δ = ∂L/∂pre, summed
// over the samples of a few batches. That is one dense product X_sourcesᵀ · Δ_targets, which
// Eigen does far faster than edge by edge; it is computed in blocks of sources × targets, each
// masked to the pairs the order invariant allows and a running top-k kept, so memory stays
// bounded for networks of any size. Gradient-guided regrowth (RigL, Evci et al. 2020) adds the
// candidates with the largest |g|.

#include <chaosnet/graph/network.hpp>
#include <chaosnet/graph/topology.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <queue>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

/// An edge that does not exist yet, by node positions, and the gradient it would get at weight 0.
struct CandidateEdge {
  std::size_t source = 0;
  std::size_t target = 0;
  double gradient = 0;
};

/// Whether `a` should be added before `b`: larger |g| first, then lower target, then lower
/// source, so the choice never depends on a sort's or a heap's implementation.
inline bool stronger_candidate(const CandidateEdge& a, const CandidateEdge& b) {
  const double ma = std::abs(a.gradient), mb = std::abs(b.gradient);
  if (ma != mb) return ma > mb;
  if (a.target != b.target) return a.target < b.target;
  return a.source < b.source;
}

template <class T>
class CandidateGradients {
 public:
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

  /// Record the source outputs and target δ of `net`'s last compute_gradients(). Every batch
  /// added before the next clear() must come from networks with the same nodes.
  template <int N>
  void add(const Network<T, N>& net) {
    const std::size_t sources = net.input_count() + net.normal_count();
    const std::size_t targets = net.normal_count() + net.output_count();
    if (batches_.empty()) {
      node_ids_.clear();
      for (const Node& n : net.nodes()) node_ids_.push_back(n.id);
      inputs_ = net.input_count();
      sources_ = sources;
    } else {
      check_same_nodes(net, "add");
    }
    Batch b{Matrix(N, static_cast<Eigen::Index>(sources)), Matrix(N, static_cast<Eigen::Index>(targets))};
    for (std::size_t s = 0; s < sources; ++s) b.x.col(static_cast<Eigen::Index>(s)) = net.activation(s).matrix();
    for (std::size_t t = 0; t < targets; ++t) {
      b.delta.col(static_cast<Eigen::Index>(t)) = net.pre_activation_gradient(inputs_ + t).matrix();
    }
    batches_.push_back(std::move(b));
  }

  void clear() { batches_.clear(); }
  [[nodiscard]] std::size_t batches() const { return batches_.size(); }

  /// Σ over the batches added of Σ_k δ_target,k · x_source,k, by node positions (source an input
  /// or a normal, target a normal or a leaf). For an existing edge this is its weight gradient.
  [[nodiscard]] double gradient(std::size_t source, std::size_t target) const {
    if (batches_.empty()) throw error("gradient", "no batches added");
    if (source >= sources_ || target < inputs_ || target - inputs_ >= target_count()) {
      throw error("gradient", "no source " + std::to_string(source) + " or target " + std::to_string(target));
    }
    double sum = 0;
    for (const Batch& b : batches_) {
      sum += static_cast<double>(b.x.col(static_cast<Eigen::Index>(source))
                                     .dot(b.delta.col(static_cast<Eigen::Index>(target - inputs_))));
    }
    return sum;
  }

  /// The `k` edges absent from `net` that it may gain (source before target; no edge out of a
  /// leaf or into an input) with the largest |g|, strongest first (stronger_candidate()). `net`
  /// must have the nodes the batches were recorded with; its edges may have changed since (an
  /// edge removed after recording is a candidate again). `block` bounds the scratch to
  /// block × block gradients.
  [[nodiscard]] std::vector<CandidateEdge> strongest(const Topology<T>& net, std::size_t k,
                                                     std::size_t block = 512) const {
    if (batches_.empty()) throw error("strongest", "no batches added");
    check_same_nodes(net, "strongest");
    if (block == 0) throw error("strongest", "the block size must be positive");
    auto weaker_on_top = [](const CandidateEdge& a, const CandidateEdge& b) { return stronger_candidate(a, b); };
    std::priority_queue<CandidateEdge, std::vector<CandidateEdge>, decltype(weaker_on_top)> best(weaker_on_top);
    if (k == 0) return {};
    const auto nodes = net.nodes();
    // stamp[s] == t + 1 marks s as an existing source of target t (no clearing between targets).
    std::vector<std::size_t> stamp(sources_, 0);
    Matrix g;
    for (std::size_t t0 = 0; t0 < target_count(); t0 += block) {
      const std::size_t nt = std::min(block, target_count() - t0);
      const std::size_t source_end = std::min(sources_, inputs_ + t0 + nt - 1);  // s < t for some t
      for (std::size_t s0 = 0; s0 < source_end; s0 += block) {
        const std::size_t ns = std::min(block, source_end - s0);
        g.setZero(static_cast<Eigen::Index>(ns), static_cast<Eigen::Index>(nt));
        for (const Batch& b : batches_) {
          g.noalias() += b.x.middleCols(static_cast<Eigen::Index>(s0), static_cast<Eigen::Index>(ns)).transpose() *
                         b.delta.middleCols(static_cast<Eigen::Index>(t0), static_cast<Eigen::Index>(nt));
        }
        for (std::size_t j = 0; j < nt; ++j) {
          const std::size_t t = inputs_ + t0 + j;
          for (const NodeId s : nodes[t].sources) {
            const std::size_t p = net.position(s);
            if (p >= s0 && p < s0 + ns) stamp[p] = t + 1;
          }
          for (std::size_t i = 0; i < ns && s0 + i < t; ++i) {
            if (stamp[s0 + i] == t + 1) continue;
            const CandidateEdge c{s0 + i, t, static_cast<double>(g(static_cast<Eigen::Index>(i),
                                                                    static_cast<Eigen::Index>(j)))};
            if (best.size() < k) {
              best.push(c);
            } else if (stronger_candidate(c, best.top())) {
              best.pop();
              best.push(c);
            }
          }
        }
      }
    }
    std::vector<CandidateEdge> out;
    out.reserve(best.size());
    for (; !best.empty(); best.pop()) out.push_back(best.top());
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  struct Batch {
    Matrix x;      ///< N × sources: outputs of the inputs and normals, by position
    Matrix delta;  ///< N × targets: δ of the normals and leaves, by position − inputs
  };

  [[nodiscard]] std::size_t target_count() const {
    return batches_.empty() ? 0 : static_cast<std::size_t>(batches_.front().delta.cols());
  }

  static std::invalid_argument error(const char* what, const std::string& why) {
    return std::invalid_argument(std::string("chaosnet::CandidateGradients::") + what + ": " + why);
  }

  void check_same_nodes(const Topology<T>& net, const char* what) const {
    const auto nodes = net.nodes();
    bool same = nodes.size() == node_ids_.size();
    for (std::size_t p = 0; same && p < nodes.size(); ++p) same = nodes[p].id == node_ids_[p];
    if (!same) {
      throw error(what, "the network's nodes changed since the first batch was added; clear() and "
                        "record again after adding or removing nodes");
    }
  }

  std::vector<Batch> batches_;
  std::vector<NodeId> node_ids_;  ///< by position, as the batches saw them
  std::size_t inputs_ = 0;
  std::size_t sources_ = 0;
};

}  // namespace chaosnet
