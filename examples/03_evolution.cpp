// Evolution from the library, as `chaosnet evolve` runs it: a population on MNIST (or any IDX
// dataset with MNIST's file names), a budget, a checkpoint after every generation, and the final
// Pareto front measured once on the test set.
//
//   03_evolution [DATA_DIR [RUN_DIR [VALIDATION]]]   (defaults: data/mnist runs/library 10000)
#include <chaosnet/chaosnet.hpp>

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) try {
  using namespace chaosnet;
  const std::string data = argc > 1 ? argv[1] : "data/mnist";
  const std::string dir = argc > 2 ? argv[2] : "runs/library";
  const std::size_t validation = argc > 3 ? std::stoul(argv[3]) : 10000;

  // The last `validation` training images are held out for selection; the test set waits.
  const MnistSplits mnist = load_mnist_splits(data, validation);
  Population<float, 32> population(find_evolution_preset("default").options,
                                   mnist.train.features(),
                                   static_cast<std::size_t>(mnist.train.classes()));
  // The record travels in every checkpoint, so a resumed run reads the same split and budget.
  RunRecord record;
  record.data = data;
  record.preset = "default";
  record.validation = validation;
  record.generations = 2;  // or record.minutes = 5.0
  EvolutionRun<float, 32> run(std::move(population), record, dir);
  WorkerPool pool(2);
  run.run(mnist.train, mnist.validation, pool, [](const GenerationReport& g) {
    std::printf("generation %zu: best validation %.2f%%\n", g.stats.generation,
                100 * g.stats.best_accuracy);
  });
  // The test set, once: a second measure_front() would throw.
  for (const auto& m : run.measure_front(mnist.validation, mnist.test)) {
    std::printf("%zu edges: %.2f%% validation, %.2f%% test\n", m.network.edge_count(),
                100 * m.validation, 100 * m.test);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "03_evolution: %s\n", e.what());
  return 1;
}
