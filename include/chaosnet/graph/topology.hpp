#pragma once

// The graph of a chaos network, independent of batch size: nodes in topological order
// [inputs | normals | leaves], every edge from a lower to a higher position (acyclic by
// construction, seed v0.2), edge maps both ways, stable node ids, and the parameters in a
// ParameterStore. Its edits (add or remove an edge, insert or remove nodes) keep every
// invariant; the random grow and prune operators built on them are in topology_mutations.hpp,
// and Network<T, N> (network.hpp) adds training on top. Some 450 lines: checked
// construction from a TopologyData needs the private state, so it stays in the class.

#include <chaosnet/util/random.hpp>
#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/parameter_store.hpp>
#include <chaosnet/graph/topology_data.hpp>
#include <chaosnet/graph/topology_invariants.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chaosnet {

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
      if (options_.leaf_bias) nodes_.back().bias = params_.allocate(0);
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
    // The weights are drawn once every leaf's final fan-in is known (fan_in_scaled needs it).
    std::vector<ParamSlot> slots;
    std::vector<std::size_t> leaves;
    for (std::size_t i = 0; i < inputs; ++i) {
      if (!util::bernoulli(rng, probability)) continue;
      const std::size_t leaf = inputs_ + normals_ + util::uniform_index(rng, leaves_);
      slots.push_back(connect(i, leaf, T(0)));
      leaves.push_back(leaf);
    }
    for (std::size_t k = 0; k < slots.size(); ++k) {
      params_[slots[k]] = static_cast<T>(options_.init.weight(rng, nodes_[leaves[k]].sources.size()));
    }
  }

  /// Rebuild a topology from its plain description (a model file or checkpoint); checks it.
  explicit Topology(const TopologyData<T>& data) : options_(data.options), params_(data.next_param_id) {
    for (const auto& n : data.nodes) {
      if (n.id == no_node) {
        throw std::invalid_argument("chaosnet::Topology: node id " + std::to_string(n.id) + " is reserved");
      }
      Node node;
      node.id = n.id;
      node.kind = n.kind;
      if (n.has_bias) node.bias = params_.allocate_with_id(n.bias, n.bias_id);
      nodes_.push_back(std::move(node));
      ++counter(n.kind);
    }
    next_node_id_ = data.next_node_id;
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
      target.weights.push_back(params_.allocate_with_id(e.weight, e.id));
      nodes_[position(e.from)].targets.push_back(e.to);
      ++edges_;
    }
    if (inputs_ == 0 || leaves_ == 0) {
      throw std::invalid_argument("chaosnet::Topology: needs at least one input and one leaf (got " +
                                  std::to_string(inputs_) + " inputs, " + std::to_string(leaves_) +
                                  " leaves)");
    }
    for (const ParamId id : params_.ids()) {
      if (id >= params_.next_id()) {
        throw std::invalid_argument("chaosnet::Topology: parameter id " + std::to_string(id) +
                                    " is not below next_param_id " + std::to_string(params_.next_id()));
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
    data.next_param_id = params_.next_id();
    const auto ids = params_.ids();
    for (const Node& n : nodes_) {
      const bool has_bias = n.bias != no_param;
      data.nodes.push_back({n.id, n.kind, has_bias, has_bias ? params_[n.bias] : T(0),
                            has_bias ? ids[n.bias] : ParamId{0}});
      for (std::size_t i = 0; i < n.sources.size(); ++i) {
        data.edges.push_back({n.sources[i], n.id, params_[n.weights[i]], ids[n.weights[i]]});
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
  [[nodiscard]] std::size_t parameter_count() const { return params_.size(); }
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
  /// Whether nodes of a kind carry a bias: Normal nodes always, leaves with options().leaf_bias.
  [[nodiscard]] bool takes_bias(NodeKind kind) const {
    return kind == NodeKind::normal || (kind == NodeKind::leaf && options_.leaf_bias);
  }
  [[nodiscard]] bool has_edge(NodeId from, NodeId to) const {
    const Node& source = node(from);
    return std::find(source.targets.begin(), source.targets.end(), to) != source.targets.end();
  }

  // --- parameters ------------------------------------------------------------------------------

  [[nodiscard]] T weight(NodeId from, NodeId to) const { return params_[weight_slot(from, to)]; }
  void set_weight(NodeId from, NodeId to, T value) { params_[weight_slot(from, to)] = value; }
  [[nodiscard]] T bias(NodeId id) const { return params_[bias_slot(id)]; }
  void set_bias(NodeId id, T value) { params_[bias_slot(id)] = value; }

  /// Every parameter value by slot. Slots freed by an edit hold 0 with id 0 until the next
  /// compact_parameters(); parameter_ids() tells which slot is which parameter.
  [[nodiscard]] std::span<T> parameter_values() { return params_.values(); }
  [[nodiscard]] std::span<const T> parameter_values() const { return params_.values(); }
  [[nodiscard]] std::span<const ParamId> parameter_ids() const { return params_.ids(); }
  /// Bumped by every structural change; a recorded tape or optimizer state keyed to slots is
  /// stale when the version it saw differs.
  [[nodiscard]] std::uint64_t version() const { return version_; }
  [[nodiscard]] const Options& options() const { return options_; }

  /// Renumber parameter slots in topological order (each node's bias, then its incoming
  /// weights), dropping free slots, so a node's weights are contiguous; and sort every node's
  /// incoming edges by source position, so inputs come first and sources are read in memory
  /// order. Ids do not change.
  void compact_parameters() {
    // Every edit that adds or removes an edge allocates or frees a parameter, so a compact
    // store also means that the sources are still sorted.
    if (params_.is_compact()) return;
    std::vector<std::pair<std::size_t, std::size_t>> by_position;
    for (Node& n : nodes_) {
      by_position.clear();
      for (std::size_t i = 0; i < n.sources.size(); ++i) by_position.emplace_back(position(n.sources[i]), i);
      std::sort(by_position.begin(), by_position.end());
      std::vector<NodeId> sources(n.sources.size());
      std::vector<ParamSlot> weights(n.weights.size());
      for (std::size_t i = 0; i < by_position.size(); ++i) {
        sources[i] = n.sources[by_position[i].second];
        weights[i] = n.weights[by_position[i].second];
      }
      n.sources = std::move(sources);
      n.weights = std::move(weights);
    }
    std::vector<ParamSlot> order;
    order.reserve(params_.size());
    for (const Node& n : nodes_) {
      if (n.bias != no_param) order.push_back(n.bias);
      order.insert(order.end(), n.weights.begin(), n.weights.end());
    }
    params_.compact(order);
    ParamSlot slot = 0;
    for (Node& n : nodes_) {
      if (n.bias != no_param) n.bias = slot++;
      for (ParamSlot& w : n.weights) w = slot++;
    }
    ++version_;
  }
  [[nodiscard]] bool parameters_compact() const { return params_.is_compact(); }

  // --- edits -----------------------------------------------------------------------------------

  /// Insert `count` nodes of a kind, without edges, at index `at` of that kind's block
  /// (0 ≤ at ≤ its count; at the end, inputs keep their feature indices). Normal nodes, and
  /// leaves when options().leaf_bias, get a bias of 0. Returns the new ids in position order.
  std::vector<NodeId> insert_nodes(NodeKind kind, std::size_t count, std::size_t at) {
    const std::size_t first = insertion_point(kind, at, "insert_nodes");
    std::vector<Node> fresh(count);
    std::vector<NodeId> ids;
    for (Node& n : fresh) {
      n = make_node(kind);
      if (takes_bias(kind)) n.bias = params_.allocate(T(0));
      ids.push_back(n.id);
      ++counter(kind);
    }
    nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(first + at),
                  std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()));
    rebuild_positions();
    changed();
    return ids;
  }

  /// Insert one node of a kind under a given id, as insert_nodes() does otherwise; fresh ids
  /// stay above it. Crossover (evolution/crossover.hpp) brings a node over from another member
  /// of the population under the id their lineage shares. Throws std::invalid_argument, changing
  /// nothing, if the id is in use or is no_node.
  void insert_node_with_id(NodeKind kind, NodeId id, std::size_t at) {
    const std::size_t first = insertion_point(kind, at, "insert_node_with_id");
    if (id == no_node || contains(id)) {
      throw std::invalid_argument("chaosnet::Topology::insert_node_with_id: node id " +
                                  std::to_string(id) + (id == no_node ? " is reserved" : " is in use"));
    }
    Node n;
    n.id = id;
    n.kind = kind;
    if (takes_bias(kind)) n.bias = params_.allocate(T(0));
    ++counter(kind);
    nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(first + at), std::move(n));
    reserve_node_ids(id + 1);
    rebuild_positions();
    changed();
  }

  /// The id the next new node gets.
  [[nodiscard]] NodeId next_node_id() const { return next_node_id_; }
  /// Give new nodes ids from `next` on (never lowers the counter): the ids below it are spoken
  /// for, e.g. by relatives in a population whose nodes a crossover may bring over.
  void reserve_node_ids(NodeId next) { next_node_id_ = std::max(next_node_id_, next); }

  /// Add the edge from → to with a given weight; returns the slot of that weight. Throws if it
  /// would break the order (the source must come before the target, sources are not leaves,
  /// targets are not inputs) or duplicate an existing edge.
  ParamSlot add_edge(NodeId from, NodeId to, T weight) {
    const std::size_t s = position(from);
    const std::size_t t = position(to);
    check_new_edge(s, t);
    if (has_edge(from, to)) {
      throw std::invalid_argument("chaosnet::Topology::add_edge: the edge " + std::to_string(from) +
                                  " -> " + std::to_string(to) + " already exists");
    }
    const ParamSlot slot = connect(s, t, weight);
    changed();
    return slot;
  }

  /// Remove the edge from → to; false if there is none. Nodes left without edges stay until
  /// they are removed (remove_nodes(), remove_dead_nodes()).
  bool remove_edge(NodeId from, NodeId to) {
    if (!contains(from) || !contains(to) || !has_edge(from, to)) return false;
    disconnect(position(from), position(to));
    changed();
    return true;
  }

  /// Remove Normal nodes with all their edges, freeing their parameters. Throws, changing
  /// nothing, for an id that names no node (std::out_of_range) or one that is not Normal
  /// (std::invalid_argument): inputs and leaves are the network's interface.
  void remove_nodes(std::span<const NodeId> ids) {
    const std::size_t n = nodes_.size();
    std::vector<char> doomed(n, 0);
    for (const NodeId id : ids) {
      const std::size_t p = position(id);
      if (nodes_[p].kind != NodeKind::normal) {
        throw std::invalid_argument("chaosnet::Topology::remove_nodes: node " + std::to_string(id) +
                                    " (" + std::string(to_string(nodes_[p].kind)) +
                                    ") is not a normal node");
      }
      doomed[p] = 1;
    }
    const auto removed = static_cast<std::size_t>(std::count(doomed.begin(), doomed.end(), 1));
    if (removed == 0) return;
    for (std::size_t p = 0; p < n; ++p) {
      Node& v = nodes_[p];
      if (doomed[p] != 0) {
        params_.release(v.bias);
        for (const ParamSlot w : v.weights) params_.release(w);
        edges_ -= v.sources.size();
        continue;
      }
      // Drop edges from doomed sources (each edge is released once, as an in-edge of its target).
      std::size_t kept = 0;
      for (std::size_t i = 0; i < v.sources.size(); ++i) {
        if (doomed[position(v.sources[i])] != 0) {
          params_.release(v.weights[i]);
          --edges_;
        } else {
          v.sources[kept] = v.sources[i];
          v.weights[kept] = v.weights[i];
          ++kept;
        }
      }
      v.sources.resize(kept);
      v.weights.resize(kept);
      std::erase_if(v.targets, [&](NodeId t) { return doomed[position(t)] != 0; });
    }
    std::vector<Node> survivors;
    survivors.reserve(n - removed);
    for (std::size_t p = 0; p < n; ++p) {
      if (doomed[p] == 0) survivors.push_back(std::move(nodes_[p]));
    }
    nodes_ = std::move(survivors);
    normals_ -= removed;
    rebuild_positions();
    changed();
  }

  /// Empty when every invariant holds, else a description of the first violation (the list is
  /// in topology_invariants.hpp). Every public edit keeps them; a test or a loaded description
  /// checks them.
  [[nodiscard]] std::string check_invariants() const { return detail::first_violation(*this); }

 private:
  Node make_node(NodeKind kind) {
    Node n;
    n.id = next_node_id_++;
    n.kind = kind;
    return n;
  }
  /// Where index `at` of a kind's block is in the node order; throws past the block's end.
  std::size_t insertion_point(NodeKind kind, std::size_t at, const char* caller) {
    if (at > counter(kind)) {
      throw std::out_of_range(std::string("chaosnet::Topology::") + caller + ": index " +
                              std::to_string(at) + " past the " + std::to_string(counter(kind)) +
                              " " + std::string(to_string(kind)) + " nodes");
    }
    return kind == NodeKind::input ? 0 : kind == NodeKind::normal ? inputs_ : inputs_ + normals_;
  }
  std::size_t& counter(NodeKind kind) {
    return kind == NodeKind::input ? inputs_ : kind == NodeKind::normal ? normals_ : leaves_;
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
    // Only spelled out on failure: mutations call this for every edge they add.
    auto fail = [&](const char* why) {
      throw std::invalid_argument("chaosnet::Topology: edge " + std::to_string(from.id) + " -> " +
                                  std::to_string(to.id) + why);
    };
    if (from.kind == NodeKind::leaf) fail(" starts at a leaf");
    if (to.kind == NodeKind::input) fail(" ends at an input");
    if (s >= t) fail(" goes backwards in the topological order (would allow a cycle)");
  }

  /// Adds the edge between positions s < t with a given weight; returns the weight's slot.
  ParamSlot connect(std::size_t s, std::size_t t, T weight) {
    Node& target = nodes_[t];
    target.sources.push_back(nodes_[s].id);
    target.weights.push_back(params_.allocate(weight));
    nodes_[s].targets.push_back(target.id);
    ++edges_;
    return target.weights.back();
  }
  void disconnect(std::size_t s, std::size_t t) {
    Node& target = nodes_[t];
    Node& source = nodes_[s];
    const auto it = std::find(target.sources.begin(), target.sources.end(), source.id);
    const auto i = it - target.sources.begin();
    params_.release(target.weights[static_cast<std::size_t>(i)]);
    target.sources.erase(it);
    target.weights.erase(target.weights.begin() + i);
    std::erase(source.targets, target.id);
    --edges_;
  }

  Options options_;
  std::vector<Node> nodes_;
  std::unordered_map<NodeId, std::uint32_t> position_;
  std::size_t inputs_ = 0, normals_ = 0, leaves_ = 0, edges_ = 0;
  NodeId next_node_id_ = 0;
  ParameterStore<T> params_;
  std::uint64_t version_ = 0;
};

}  // namespace chaosnet
