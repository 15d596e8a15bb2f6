#pragma once

// The graph of a chaos network and its parameters, independent of batch size: nodes in
// topological order [inputs | normals | leaves], every edge from a lower to a higher position
// (acyclic by construction, seed v0.2), edge maps both ways, stable ids, and the mutations that
// grow and prune it. Network<T, N> (network.hpp) adds training on top.

#include <chaosnet/util/random.hpp>
#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/weight_init.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chaosnet {

/// How remove_edges() chooses the edges to remove.
enum class EdgeRemoval {
  random,              ///< uniformly among all edges
  smallest_magnitude,  ///< the edges with the smallest |w| (magnitude pruning)
};

/// Construction and growth settings of a topology.
struct TopologyOptions {
  WeightInit init = WeightInit::fan_in();
  bool leaf_bias = false;     ///< give leaves a bias (the seeds' leaves had none)
  double input_edges = 100;   ///< initial input→leaf edges: probability input_edges/inputs each
  std::size_t new_node_edges_in = 10;   ///< incoming edges of each node add_nodes() creates
  std::size_t new_node_edges_out = 10;  ///< outgoing edges of each node add_nodes() creates
};

/// Plain description of a topology, for model files and checkpoints: ids and values exactly.
template <class T>
struct TopologyData {
  struct NodeData {
    NodeId id;
    NodeKind kind;
    bool has_bias;
    T bias;
    ParamId bias_id;
  };
  struct EdgeData {
    NodeId from;
    NodeId to;
    T weight;
    ParamId id;
  };
  TopologyOptions options;
  std::vector<NodeData> nodes;  ///< in topological order
  std::vector<EdgeData> edges;  ///< grouped by target, in each target's input order
  NodeId next_node_id = 0;
  ParamId next_param_id = 1;
};

template <class T>
class Topology {
 public:
  using Options = TopologyOptions;

  /// `inputs` Input and `outputs` Leaf nodes, no edges.
  Topology(std::size_t inputs, std::size_t outputs, Options options = {}) : options_(options) {
    if (inputs == 0 || outputs == 0) {
      throw std::invalid_argument("chaosnet::Topology: needs at least one input and one output (got " +
                                  std::to_string(inputs) + " inputs, " + std::to_string(outputs) +
                                  " outputs)");
    }
    for (std::size_t i = 0; i < inputs; ++i) nodes_.push_back(make_node(NodeKind::input));
    for (std::size_t i = 0; i < outputs; ++i) {
      nodes_.push_back(make_node(NodeKind::leaf));
      if (options_.leaf_bias) nodes_.back().bias = allocate(0);
    }
    inputs_ = inputs;
    leaves_ = outputs;
    rebuild_positions();
  }

  /// Seed v0.2 construction: each input gets one edge to a uniformly random leaf with
  /// probability min(1, options.input_edges / inputs) (100 edges expected for MNIST); leaf biases
  /// are drawn from the initialiser.
  Topology(std::size_t inputs, std::size_t outputs, Rng& rng, Options options = {})
      : Topology(inputs, outputs, options) {
    if (options_.leaf_bias) {
      for (std::size_t p = inputs_; p < nodes_.size(); ++p) {
        params_[nodes_[p].bias] = static_cast<T>(options_.init.bias(rng));
      }
    }
    const double probability = std::min(1.0, options_.input_edges / static_cast<double>(inputs));
    for (std::size_t i = 0; i < inputs; ++i) {
      if (!util::bernoulli(rng, probability)) continue;
      const std::size_t leaf = inputs_ + normals_ + util::uniform_index(rng, leaves_);
      connect_pending(i, leaf);
    }
    initialize_new_edges(rng);
  }

  /// Rebuild a topology from its plain description (a model file or checkpoint); checks it.
  explicit Topology(const TopologyData<T>& data) : options_(data.options) {
    for (const auto& n : data.nodes) {
      if (n.id == no_node) {
        throw std::invalid_argument("chaosnet::Topology: node id " + std::to_string(n.id) + " is reserved");
      }
      Node node;
      node.id = n.id;
      node.kind = n.kind;
      if (n.has_bias) node.bias = allocate_with_id(n.bias, n.bias_id);
      nodes_.push_back(std::move(node));
      count_kind(n.kind, +1);
    }
    next_node_id_ = data.next_node_id;
    next_param_id_ = data.next_param_id;
    for (const auto& n : data.nodes) {
      if (n.id >= next_node_id_) {
        throw std::invalid_argument("chaosnet::Topology: node id " + std::to_string(n.id) +
                                    " is not below next_node_id " + std::to_string(next_node_id_));
      }
    }
    rebuild_positions();
    for (const auto& e : data.edges) {
      if (!contains(e.from) || !contains(e.to)) {
        throw std::invalid_argument("chaosnet::Topology: edge " + std::to_string(e.from) + " -> " +
                                    std::to_string(e.to) + " names a node that does not exist");
      }
      check_new_edge(position(e.from), position(e.to));
      if (has_edge(e.from, e.to)) {
        throw std::invalid_argument("chaosnet::Topology: duplicate edge " + std::to_string(e.from) +
                                    " -> " + std::to_string(e.to));
      }
      Node& target = nodes_[position(e.to)];
      target.sources.push_back(e.from);
      target.weights.push_back(allocate_with_id(e.weight, e.id));
      nodes_[position(e.from)].targets.push_back(e.to);
      ++edges_;
    }
    if (inputs_ == 0 || leaves_ == 0) {
      throw std::invalid_argument("chaosnet::Topology: needs at least one input and one leaf (got " +
                                  std::to_string(inputs_) + " inputs, " + std::to_string(leaves_) +
                                  " leaves)");
    }
    for (const ParamId id : ids_) {
      if (id >= next_param_id_) {
        throw std::invalid_argument("chaosnet::Topology: parameter id " + std::to_string(id) +
                                    " is not below next_param_id " + std::to_string(next_param_id_));
      }
    }
    if (const std::string problem = check_invariants(); !problem.empty()) {
      throw std::invalid_argument("chaosnet::Topology: inconsistent description: " + problem);
    }
  }

  [[nodiscard]] TopologyData<T> to_data() const {
    TopologyData<T> data;
    data.options = options_;
    data.next_node_id = next_node_id_;
    data.next_param_id = next_param_id_;
    for (const Node& n : nodes_) {
      const bool has_bias = n.bias != no_param;
      data.nodes.push_back({n.id, n.kind, has_bias, has_bias ? params_[n.bias] : T(0),
                            has_bias ? ids_[n.bias] : ParamId{0}});
      for (std::size_t i = 0; i < n.sources.size(); ++i) {
        data.edges.push_back({n.sources[i], n.id, params_[n.weights[i]], ids_[n.weights[i]]});
      }
    }
    return data;
  }

  // --- sizes -----------------------------------------------------------------------------------

  [[nodiscard]] std::size_t input_count() const { return inputs_; }
  [[nodiscard]] std::size_t output_count() const { return leaves_; }
  [[nodiscard]] std::size_t normal_count() const { return normals_; }
  [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }
  /// Weighted edges ("connections" in reports).
  [[nodiscard]] std::size_t edge_count() const { return edges_; }
  /// Edge weights plus biases.
  [[nodiscard]] std::size_t parameter_count() const { return ids_.size() - free_.size(); }
  [[nodiscard]] std::size_t bias_count() const { return parameter_count() - edges_; }

  // --- nodes and edges -------------------------------------------------------------------------

  /// All nodes in topological order.
  [[nodiscard]] std::span<const Node> nodes() const { return nodes_; }
  [[nodiscard]] bool contains(NodeId id) const { return position_.contains(id); }
  [[nodiscard]] std::size_t position(NodeId id) const {
    const auto it = position_.find(id);
    if (it == position_.end()) {
      throw std::out_of_range("chaosnet::Topology: no node with id " + std::to_string(id));
    }
    return it->second;
  }
  [[nodiscard]] const Node& node(NodeId id) const { return nodes_[position(id)]; }
  [[nodiscard]] bool has_edge(NodeId from, NodeId to) const {
    const Node& source = node(from);
    return std::find(source.targets.begin(), source.targets.end(), to) != source.targets.end();
  }

  // --- parameters ------------------------------------------------------------------------------

  [[nodiscard]] T weight(NodeId from, NodeId to) const { return params_[weight_slot(from, to)]; }
  void set_weight(NodeId from, NodeId to, T value) { params_[weight_slot(from, to)] = value; }
  [[nodiscard]] T bias(NodeId id) const { return params_[bias_slot(id)]; }
  void set_bias(NodeId id, T value) { params_[bias_slot(id)] = value; }

  /// Every parameter value by slot. Slots freed by a mutation hold 0 with id 0 until the next
  /// compact_parameters(); parameter_ids() tells which slot is which parameter.
  [[nodiscard]] std::span<T> parameter_values() { return params_; }
  [[nodiscard]] std::span<const T> parameter_values() const { return params_; }
  [[nodiscard]] std::span<const ParamId> parameter_ids() const { return ids_; }
  /// Bumped by every structural change; a recorded tape or optimizer state keyed to slots is
  /// stale when the version it saw differs.
  [[nodiscard]] std::uint64_t version() const { return version_; }
  [[nodiscard]] const Options& options() const { return options_; }

  /// Renumber parameter slots in topological order (each node's bias, then its incoming
  /// weights), dropping free slots, so a node's weights are contiguous; and sort every node's
  /// incoming edges by source position, so inputs come first and sources are read in memory
  /// order. Ids do not change.
  void compact_parameters() {
    if (compact_) return;
    std::vector<std::pair<std::size_t, std::size_t>> order;
    for (Node& n : nodes_) {
      order.clear();
      for (std::size_t i = 0; i < n.sources.size(); ++i) order.emplace_back(position(n.sources[i]), i);
      std::sort(order.begin(), order.end());
      std::vector<NodeId> sources(n.sources.size());
      std::vector<ParamSlot> weights(n.weights.size());
      for (std::size_t i = 0; i < order.size(); ++i) {
        sources[i] = n.sources[order[i].second];
        weights[i] = n.weights[order[i].second];
      }
      n.sources = std::move(sources);
      n.weights = std::move(weights);
    }
    ParameterVector values;
    std::vector<ParamId> ids;
    values.reserve(parameter_count());
    ids.reserve(parameter_count());
    auto move = [&](ParamSlot& slot) {
      values.push_back(params_[slot]);
      ids.push_back(ids_[slot]);
      slot = static_cast<ParamSlot>(values.size() - 1);
    };
    for (Node& n : nodes_) {
      if (n.bias != no_param) move(n.bias);
      for (ParamSlot& w : n.weights) move(w);
    }
    params_ = std::move(values);
    ids_ = std::move(ids);
    free_.clear();
    compact_ = true;
    ++version_;
  }
  [[nodiscard]] bool parameters_compact() const { return compact_; }

  // --- mutation --------------------------------------------------------------------------------

  /// Add `count` nodes of a kind. Inputs go to the end of the input block and leaves to the end,
  /// both without edges. Normal nodes are inserted together at one random place in the normal
  /// block (seed v0.2) and each gets options().new_node_edges_out random outgoing and
  /// new_node_edges_in random incoming edges, respecting the order and never duplicating an
  /// edge (a node near the end may get fewer when there are no candidates left).
  std::vector<NodeId> add_nodes(NodeKind kind, std::size_t count, Rng& rng) {
    std::size_t at = 0;
    switch (kind) {
      case NodeKind::input: at = inputs_; break;
      case NodeKind::leaf: at = nodes_.size(); break;
      case NodeKind::normal: at = inputs_ + util::uniform_index(rng, normals_ + 1); break;
    }
    std::vector<Node> fresh(count);
    std::vector<NodeId> ids;
    for (Node& n : fresh) {
      n = make_node(kind);
      if (kind == NodeKind::normal || (kind == NodeKind::leaf && options_.leaf_bias)) {
        n.bias = allocate(static_cast<T>(options_.init.bias(rng)));
      }
      ids.push_back(n.id);
      count_kind(kind, +1);
    }
    nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(at),
                  std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()));
    rebuild_positions();
    if (kind == NodeKind::normal) {
      const std::size_t rounds = std::max(options_.new_node_edges_in, options_.new_node_edges_out);
      for (const NodeId id : ids) {
        for (std::size_t r = 0; r < rounds; ++r) {
          if (r < options_.new_node_edges_out) connect_random_target(position(id), rng);
          if (r < options_.new_node_edges_in) connect_random_source(position(id), rng);
        }
      }
      initialize_new_edges(rng);
    }
    changed();
    return ids;
  }

  /// Add the edge from → to with a given weight. Throws if it would break the order (the source
  /// must come before the target, sources are not leaves, targets are not inputs) or duplicate
  /// an existing edge.
  void add_edge(NodeId from, NodeId to, T weight) {
    const std::size_t s = position(from);
    const std::size_t t = position(to);
    check_new_edge(s, t);
    if (has_edge(from, to)) {
      throw std::invalid_argument("chaosnet::Topology::add_edge: the edge " + std::to_string(from) +
                                  " -> " + std::to_string(to) + " already exists");
    }
    connect(s, t, weight);
    changed();
  }

  /// Remove the edge from → to; false if there is none. Nodes left without edges stay until
  /// remove_dead_nodes().
  bool remove_edge(NodeId from, NodeId to) {
    if (!contains(from) || !contains(to) || !has_edge(from, to)) return false;
    disconnect(position(from), position(to));
    changed();
    return true;
  }

  /// Add up to `count` random edges: a random source (input or normal), then a random later
  /// target (normal or leaf) it is not yet connected to. Returns how many were added.
  std::size_t add_random_edges(std::size_t count, Rng& rng) {
    const std::size_t sources = inputs_ + normals_;
    std::size_t added = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (connect_random_target(util::uniform_index(rng, sources), rng)) ++added;
    }
    initialize_new_edges(rng);
    if (added > 0) changed();
    return added;
  }

  /// Remove up to `count` edges chosen by `policy`; returns how many were removed.
  std::size_t remove_edges(std::size_t count, EdgeRemoval policy, Rng& rng) {
    struct Candidate {
      std::size_t target;
      NodeId source;
      T magnitude;
    };
    std::vector<Candidate> edges;
    edges.reserve(edges_);
    for (std::size_t p = 0; p < nodes_.size(); ++p) {
      const Node& n = nodes_[p];
      for (std::size_t i = 0; i < n.sources.size(); ++i) {
        edges.push_back({p, n.sources[i], std::abs(params_[n.weights[i]])});
      }
    }
    count = std::min(count, edges.size());
    if (policy == EdgeRemoval::random) {
      for (std::size_t i = 0; i < count; ++i) {
        std::swap(edges[i], edges[i + util::uniform_index(rng, edges.size() - i)]);
      }
    } else {
      // Ties broken by position so the choice does not depend on the sort implementation.
      std::partial_sort(edges.begin(), edges.begin() + static_cast<std::ptrdiff_t>(count),
                        edges.end(), [&](const Candidate& a, const Candidate& b) {
                          if (a.magnitude != b.magnitude) return a.magnitude < b.magnitude;
                          if (a.target != b.target) return a.target < b.target;
                          return position(a.source) < position(b.source);
                        });
    }
    for (std::size_t i = 0; i < count; ++i) disconnect(position(edges[i].source), edges[i].target);
    if (count > 0) changed();
    return count;
  }

  /// Remove every Normal node that can no longer reach a leaf or that no input can reach,
  /// with all its edges. One pass is exact: a node upstream of a live node is live itself.
  /// Returns how many nodes were removed.
  std::size_t remove_dead_nodes() {
    const std::size_t n = nodes_.size();
    std::vector<char> from_input(n, 0), to_leaf(n, 0);
    for (std::size_t p = 0; p < n; ++p) {
      const Node& v = nodes_[p];
      from_input[p] = v.kind == NodeKind::input ||
                      std::any_of(v.sources.begin(), v.sources.end(),
                                  [&](NodeId s) { return from_input[position(s)] != 0; });
    }
    for (std::size_t p = n; p-- > 0;) {
      const Node& v = nodes_[p];
      to_leaf[p] = v.kind == NodeKind::leaf ||
                   std::any_of(v.targets.begin(), v.targets.end(),
                               [&](NodeId t) { return to_leaf[position(t)] != 0; });
    }
    auto dead = [&](std::size_t p) {
      return nodes_[p].kind == NodeKind::normal && (from_input[p] == 0 || to_leaf[p] == 0);
    };
    std::size_t removed = 0;
    for (std::size_t p = 0; p < n; ++p) {
      Node& v = nodes_[p];
      if (dead(p)) {
        ++removed;
        release(v.bias);
        for (const ParamSlot w : v.weights) release(w);
        edges_ -= v.sources.size();
        continue;
      }
      // Drop edges from dead sources (each edge is released once, as an in-edge of its target).
      std::size_t kept = 0;
      for (std::size_t i = 0; i < v.sources.size(); ++i) {
        if (dead(position(v.sources[i]))) {
          release(v.weights[i]);
          --edges_;
        } else {
          v.sources[kept] = v.sources[i];
          v.weights[kept] = v.weights[i];
          ++kept;
        }
      }
      v.sources.resize(kept);
      v.weights.resize(kept);
      std::erase_if(v.targets, [&](NodeId t) { return dead(position(t)); });
    }
    if (removed == 0) return 0;
    std::vector<Node> survivors;
    survivors.reserve(n - removed);
    for (std::size_t p = 0; p < n; ++p) {
      if (!dead(p)) survivors.push_back(std::move(nodes_[p]));
    }
    nodes_ = std::move(survivors);
    normals_ -= removed;
    rebuild_positions();
    changed();
    return removed;
  }

  /// Empty when every invariant holds, else a description of the first violation: order
  /// [inputs | normals | leaves], edges low → high, edge maps consistent both ways, no duplicate
  /// edges, every id and slot valid and used once, counts right.
  [[nodiscard]] std::string check_invariants() const {
    std::size_t inputs = 0, normals = 0, leaves = 0, edges = 0;
    std::vector<char> slot_used(params_.size(), 0);
    auto use_slot = [&](ParamSlot slot, const std::string& what) -> std::string {
      if (slot >= params_.size()) return what + " has an out-of-range parameter slot";
      if (ids_[slot] == 0) return what + " uses a freed parameter slot";
      if (slot_used[slot] != 0) return what + " shares a parameter slot";
      slot_used[slot] = 1;
      return {};
    };
    for (std::size_t p = 0; p < nodes_.size(); ++p) {
      const Node& v = nodes_[p];
      const std::string name = "node " + std::to_string(v.id) + " at " + std::to_string(p);
      if (!contains(v.id) || position(v.id) != p) return name + ": position map is wrong";
      const std::size_t rank = v.kind == NodeKind::input ? 0 : v.kind == NodeKind::normal ? 1 : 2;
      if ((rank == 0 && (normals + leaves) > 0) || (rank == 1 && leaves > 0)) {
        return name + ": kinds out of order";
      }
      (rank == 0 ? inputs : rank == 1 ? normals : leaves)++;
      const bool wants_bias = v.kind == NodeKind::normal ||
                              (v.kind == NodeKind::leaf && options_.leaf_bias);
      if ((v.bias != no_param) != wants_bias) return name + ": bias present/absent wrongly";
      if (v.bias != no_param) {
        if (auto e = use_slot(v.bias, name + " bias"); !e.empty()) return e;
      }
      if (v.sources.size() != v.weights.size()) return name + ": sources and weights differ";
      if (v.kind == NodeKind::input && !v.sources.empty()) return name + ": an input has sources";
      if (v.kind == NodeKind::leaf && !v.targets.empty()) return name + ": a leaf has targets";
      for (std::size_t i = 0; i < v.sources.size(); ++i) {
        const NodeId s = v.sources[i];
        if (!contains(s)) return name + ": source " + std::to_string(s) + " does not exist";
        if (position(s) >= p) return name + ": edge from a later node (cycle risk)";
        if (std::count(v.sources.begin(), v.sources.end(), s) != 1) return name + ": duplicate edge";
        const auto& back = nodes_[position(s)].targets;
        if (std::count(back.begin(), back.end(), v.id) != 1) {
          return name + ": edge map of source " + std::to_string(s) + " disagrees";
        }
        if (auto e = use_slot(v.weights[i], name + " edge weight"); !e.empty()) return e;
        ++edges;
      }
      for (const NodeId t : v.targets) {
        if (!contains(t)) return name + ": target " + std::to_string(t) + " does not exist";
        const auto& back = nodes_[position(t)].sources;
        if (std::count(back.begin(), back.end(), v.id) != 1) {
          return name + ": edge map of target " + std::to_string(t) + " disagrees";
        }
      }
    }
    if (inputs != inputs_ || normals != normals_ || leaves != leaves_) return "node counts are wrong";
    if (edges != edges_) return "edge count is wrong";
    for (std::size_t slot = 0; slot < ids_.size(); ++slot) {
      if (ids_[slot] != 0 && slot_used[slot] == 0) return "a live parameter slot is unused";
    }
    std::vector<ParamId> live;
    for (const ParamId id : ids_) {
      if (id != 0) live.push_back(id);
    }
    std::sort(live.begin(), live.end());
    if (std::adjacent_find(live.begin(), live.end()) != live.end()) return "a parameter id is reused";
    return {};
  }

 private:
  static constexpr int max_tries = 1000;  // the seed's give-up limit for finding a new edge

  Node make_node(NodeKind kind) {
    Node n;
    n.id = next_node_id_++;
    n.kind = kind;
    return n;
  }
  void count_kind(NodeKind kind, int delta) {
    std::size_t& counter = kind == NodeKind::input ? inputs_ : kind == NodeKind::normal ? normals_ : leaves_;
    counter = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(counter) + delta);
  }
  void rebuild_positions() {
    // Hashed, not a table indexed by id: ids are arbitrary (a file may name a node 4,000,000,000),
    // so only the node count may decide the size.
    position_.clear();
    position_.reserve(nodes_.size());
    for (std::size_t p = 0; p < nodes_.size(); ++p) {
      if (!position_.emplace(nodes_[p].id, static_cast<std::uint32_t>(p)).second) {
        throw std::invalid_argument("chaosnet::Topology: node id " + std::to_string(nodes_[p].id) +
                                    " appears twice");
      }
    }
  }
  void changed() { ++version_; }

  ParamSlot allocate(T value) { return allocate_with_id(value, next_param_id_++); }
  ParamSlot allocate_with_id(T value, ParamId id) {
    compact_ = false;
    if (!free_.empty()) {
      const ParamSlot slot = free_.back();
      free_.pop_back();
      params_[slot] = value;
      ids_[slot] = id;
      return slot;
    }
    params_.push_back(value);
    ids_.push_back(id);
    return static_cast<ParamSlot>(params_.size() - 1);
  }
  void release(ParamSlot slot) {
    if (slot == no_param) return;
    params_[slot] = T(0);
    ids_[slot] = 0;
    free_.push_back(slot);
    compact_ = false;
  }

  [[nodiscard]] ParamSlot weight_slot(NodeId from, NodeId to) const {
    const Node& target = node(to);
    const auto it = std::find(target.sources.begin(), target.sources.end(), from);
    if (it == target.sources.end()) {
      throw std::out_of_range("chaosnet::Topology: no edge " + std::to_string(from) + " -> " +
                              std::to_string(to));
    }
    return target.weights[static_cast<std::size_t>(it - target.sources.begin())];
  }
  [[nodiscard]] ParamSlot bias_slot(NodeId id) const {
    const Node& n = node(id);
    if (n.bias == no_param) {
      throw std::out_of_range("chaosnet::Topology: node " + std::to_string(id) + " (" +
                              std::string(to_string(n.kind)) + ") has no bias");
    }
    return n.bias;
  }

  void check_new_edge(std::size_t s, std::size_t t) const {
    const Node& from = nodes_[s];
    const Node& to = nodes_[t];
    const std::string edge = std::to_string(from.id) + " -> " + std::to_string(to.id);
    if (from.kind == NodeKind::leaf) {
      throw std::invalid_argument("chaosnet::Topology: edge " + edge + " starts at a leaf");
    }
    if (to.kind == NodeKind::input) {
      throw std::invalid_argument("chaosnet::Topology: edge " + edge + " ends at an input");
    }
    if (s >= t) {
      throw std::invalid_argument("chaosnet::Topology: edge " + edge +
                                  " goes backwards in the topological order (would allow a cycle)");
    }
  }

  /// Adds the edge between positions s < t with a given weight.
  void connect(std::size_t s, std::size_t t, T weight) {
    Node& target = nodes_[t];
    target.sources.push_back(nodes_[s].id);
    target.weights.push_back(allocate(weight));
    nodes_[s].targets.push_back(target.id);
    ++edges_;
  }
  /// Adds the edge between positions s < t; its weight is drawn by initialize_new_edges() at the
  /// end of the current mutation, when the target's final fan-in is known.
  void connect_pending(std::size_t s, std::size_t t) {
    connect(s, t, T(0));
    pending_.push_back(nodes_[t].weights.back());
    pending_targets_.push_back(static_cast<std::uint32_t>(t));
  }
  void disconnect(std::size_t s, std::size_t t) {
    Node& target = nodes_[t];
    Node& source = nodes_[s];
    const auto it = std::find(target.sources.begin(), target.sources.end(), source.id);
    const auto i = it - target.sources.begin();
    release(target.weights[static_cast<std::size_t>(i)]);
    target.sources.erase(it);
    target.weights.erase(target.weights.begin() + i);
    std::erase(source.targets, target.id);
    --edges_;
  }

  /// Weights of the edges added by the current mutation, drawn now that every target's final
  /// fan-in is known (fan_in_scaled needs it).
  void initialize_new_edges(Rng& rng) {
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const Node& target = nodes_[pending_targets_[i]];
      params_[pending_[i]] = static_cast<T>(options_.init.weight(rng, target.sources.size()));
    }
    pending_.clear();
    pending_targets_.clear();
  }

  /// A random edge from position s to a later normal or leaf it is not yet connected to.
  bool connect_random_target(std::size_t s, Rng& rng) {
    if (nodes_[s].kind == NodeKind::leaf) return false;
    const std::size_t low = std::max(s + 1, inputs_);
    if (low >= nodes_.size()) return false;
    for (int attempt = 0; attempt < max_tries; ++attempt) {
      const std::size_t t = low + util::uniform_index(rng, nodes_.size() - low);
      if (!has_edge(nodes_[s].id, nodes_[t].id)) {
        connect_pending(s, t);
        return true;
      }
    }
    return false;
  }
  /// A random edge into position t from an earlier input or normal not yet connected to it.
  bool connect_random_source(std::size_t t, Rng& rng) {
    const std::size_t high = std::min(t, inputs_ + normals_);
    if (high == 0) return false;
    for (int attempt = 0; attempt < max_tries; ++attempt) {
      const std::size_t s = util::uniform_index(rng, high);
      if (!has_edge(nodes_[s].id, nodes_[t].id)) {
        connect_pending(s, t);
        return true;
      }
    }
    return false;
  }

  Options options_;
  std::vector<Node> nodes_;
  std::unordered_map<NodeId, std::uint32_t> position_;
  std::size_t inputs_ = 0, normals_ = 0, leaves_ = 0, edges_ = 0;
  NodeId next_node_id_ = 0;

  /// Aligned to the SIMD packet size so that vectorised updates (the optimizer) always split the
  /// vector into the same packets and scalar tail: Eigen's fast packet sqrt and the exact scalar
  /// one differ in the last bit, and results must not depend on where malloc put the vector.
  using ParameterVector = std::vector<T, Eigen::aligned_allocator<T>>;
  ParameterVector params_;
  std::vector<ParamId> ids_;  ///< by slot; 0 marks a free slot
  std::vector<ParamSlot> free_;
  ParamId next_param_id_ = 1;
  bool compact_ = true;

  std::vector<ParamSlot> pending_;
  std::vector<std::uint32_t> pending_targets_;
  std::uint64_t version_ = 0;
};

}  // namespace chaosnet
