// Training one network to an edge budget from the library, as `chaosnet train --edges` does: a
// sparse layered start of 10x the budget, pruned by magnitude to the budget over the first half
// of training and rewired by candidate gradients, with a cosine learning rate and 1-pixel shifts;
// the best validation epoch within the budget is kept and the test set measured once.
//
//   04_budget [DATA_DIR [EDGES [EPOCHS [VALIDATION]]]]   (defaults: data/mnist 3000 200 10000)
#include <chaosnet/chaosnet.hpp>

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) try {
  using namespace chaosnet;
  const std::string data = argc > 1 ? argv[1] : "data/mnist";
  const std::size_t edges = argc > 2 ? std::stoul(argv[2]) : 3000;
  const std::size_t epochs = argc > 3 ? std::stoul(argv[3]) : 200;
  const std::size_t validation = argc > 4 ? std::stoul(argv[4]) : 10000;
  const MnistSplits mnist = load_mnist_splits(data, validation);

  Rng rng(1);
  LayeredStart start;                  // inputs -> one layer of E/20 mish nodes -> leaves
  start.hidden = {edges / 20};
  start.edges = 10 * edges;
  Network<float, 32> net(layered_start<float>(mnist.train.features(),
                                              static_cast<std::size_t>(mnist.train.classes()), start, rng));
  BudgetOptions budget;
  budget.budget = edges;
  BudgetSchedule<float> schedule(budget, 7);
  TrainOptions options;
  options.epochs = epochs;
  options.max_shift = 1;
  options.learning_rate = {LearningRateDecay::cosine, 0.02, 0.01};  // 2% warm-up, cosine to 1%
  Optimizer<float> adam({OptimizerKind::adam, 5e-3});
  const TrainResult result = train(
      net, adam, mnist.train, mnist.validation, options, rng, [](std::size_t, std::size_t) {},
      [](const EpochStats& e) {
        std::printf("epoch %zu: %zu edges, validation %.2f%%\n", e.epoch, e.edges, 100 * e.validation_accuracy);
      },
      schedule);
  std::printf("kept epoch %zu: %zu edges (budget %zu), %zu rewirings; validation %.2f%%, test %.2f%%\n",
              result.best_epoch, net.edge_count(), edges, schedule.counts().rewirings,
              100 * result.best_validation_accuracy, 100 * evaluate_accuracy(net, mnist.test));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "04_budget: %s\n", e.what());
  return 1;
}
