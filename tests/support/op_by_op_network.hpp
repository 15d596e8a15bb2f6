#pragma once

// A network's loss and gradients rebuilt from scratch with one mul and one add per edge: the
// reference the recorded sparse_dag tape is checked against. With a DagNoise it applies node
// failure and noise as data (the masks drawn from the same stream, keyed by node id), so the
// kernel's failure path is checked against plain ops too.

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <span>
#include <utility>
#include <vector>

namespace chaosnet_test {

template <int N>
std::pair<double, std::vector<double>> op_by_op(const chaosnet::Network<double, N>& net,
                                                const RandomBatch<N>& batch,
                                                const chaosnet::DagNoise& noise = {}) {
  using Batch = Eigen::Array<double, N, 1>;
  chaosnet::Tape<double, N> tape;
  const auto params = net.parameter_values();
  std::vector<chaosnet::Tensor0D<double, N>> leaves;
  for (const double v : params) leaves.push_back(tape.variable(v));
  std::vector<chaosnet::Tensor1D<double, N>> values(net.node_count());
  const auto nodes = net.nodes();
  for (std::size_t p = 0; p < net.input_count(); ++p) {
    Batch x;
    for (int k = 0; k < N; ++k) x[k] = batch.rows[static_cast<std::size_t>(k)][p];
    values[p] = tape.input(x);
  }
  for (std::size_t p = net.input_count(); p < nodes.size(); ++p) {
    const auto& v = nodes[p];
    chaosnet::Tensor1D<double, N> z = tape.input(Batch::Zero());
    for (std::size_t i = 0; i < v.sources.size(); ++i) {
      z = z + leaves[v.weights[i]] * values[net.position(v.sources[i])];
    }
    if (v.bias != chaosnet::no_param) z = z + leaves[v.bias];
    if (v.kind != chaosnet::NodeKind::normal) {
      values[p] = z;
      continue;
    }
    Batch epsilon = Batch::Zero(), keep;
    if (noise.noise_std > 0) chaosnet::util::add_gaussian_noise(epsilon, noise.noise_std, noise.seed, noise.draw, v.id);
    chaosnet::util::fill_keep_mask(keep, noise.fail_prob, noise.seed, noise.draw, v.id, noise.survivor_scale());
    values[p] = mish(z + tape.input(epsilon)) * tape.input(keep);
  }
  const auto logits = std::span(values).last(net.output_count());
  const auto loss = mean(nll(log_softmax(logits), tape.targets(batch.labels)));
  tape.backward(loss);
  std::vector<double> grads;
  for (const auto& leaf : leaves) grads.push_back(leaf.grad());
  return {loss.value(), grads};
}

}  // namespace chaosnet_test
