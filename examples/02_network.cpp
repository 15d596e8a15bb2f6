// A chaos network end to end on a toy problem: build a DAG of scalar nodes, grow it, train it
// with Adam, prune it, evaluate it and save it. (The `chaosnet` CLI does the same on MNIST.)
#include <chaosnet/chaosnet.hpp>

#include <cstdio>
#include <vector>

int main() {
  using namespace chaosnet;
  Rng rng(42);  // every random choice takes the generator explicitly: runs are reproducible

  // Toy data: 4x4 images, class 1 when the left half is brighter than the right.
  auto make = [&](std::size_t count) {
    std::vector<float> pixels;
    std::vector<int> labels;
    for (std::size_t i = 0; i < count; ++i) {
      const int label = static_cast<int>(i % 2);
      for (int p = 0; p < 16; ++p) {
        const bool left = p % 4 < 2;
        pixels.push_back(static_cast<float>((left == (label == 1) ? 0.6 : 0.3) + 0.3 * util::uniform_unit(rng)));
      }
      labels.push_back(label);
    }
    return Dataset(std::move(pixels), std::move(labels), 4, 4, /*classes=*/2);
  };
  const Dataset train_set = make(512), validation = make(128);

  // 16 inputs, 2 leaves (class logits); inputs start with a few random input->leaf edges.
  TopologyOptions options;
  options.leaf_bias = true;
  options.new_node_edges_in = 4;  // each hidden node: 4 random incoming, 4 outgoing edges
  options.new_node_edges_out = 4;
  Network<float, 16> net(16, 2, rng, options);  // batches of 16 samples
  add_nodes(net, NodeKind::normal, 12, rng);    // 12 hidden mish nodes, wired at random
  std::printf("grown:  %zu nodes, %zu edges, %zu parameters\n", net.node_count(), net.edge_count(),
              net.parameter_count());

  Optimizer<float> adam({OptimizerKind::adam, 0.02});
  const TrainResult result = train(net, adam, train_set, validation, {.epochs = 10}, rng,
                                   [](std::size_t, std::size_t) {}, [](const EpochStats&) {});
  std::printf("trained: validation accuracy %.1f%%\n", 100 * result.best_validation_accuracy);

  remove_edges(net, net.edge_count() / 4, EdgeRemoval::smallest_magnitude, rng);  // prune
  const std::size_t dead = remove_dead_nodes(net);
  train(net, adam, train_set, validation, {.epochs = 3}, rng, [](std::size_t, std::size_t) {},
        [](const EpochStats&) {});
  std::printf("pruned: %zu edges (%zu dead nodes removed), validation accuracy %.1f%%\n",
              net.edge_count(), dead, 100 * evaluate_accuracy(net, validation));

  save_model("toy.model.json", net, ModelInfo{"toy", {{"note", "examples/02_network.cpp"}}});
  std::printf("saved toy.model.json\n");
}
