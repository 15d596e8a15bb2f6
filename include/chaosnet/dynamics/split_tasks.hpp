#pragma once

// Sequential tasks on one shared spiking core (seed 002's "minimal forgetting" claim, on a task
// we have): split MNIST learns digits 0–4, then 5–9. Each task has its own readout; the core
// (W_in and W_rec, everything before the readout in ChaosModelLayout) is carried from the
// first task into the second and trained further there. Forgetting is the drop of task 1's
// test accuracy, read through task 1's own readout, once task 2 has reshaped the core.

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/dynamics/chaos_model.hpp>
#include <chaosnet/dynamics/chaos_training.hpp>
#include <chaosnet/util/random.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

/// The samples of `data` whose label is in [first_class, first_class + classes), relabelled to
/// label − first_class. Throws std::invalid_argument for a range outside the dataset's classes.
inline Dataset class_subset(const Dataset& data, int first_class, int classes) {
  if (first_class < 0 || classes < 1 || first_class + classes > data.classes()) {
    throw std::invalid_argument("chaosnet::class_subset: classes [" + std::to_string(first_class) + ", " +
                                std::to_string(first_class + classes) + ") are not all in [0, " +
                                std::to_string(data.classes()) + ")");
  }
  std::vector<float> pixels;
  std::vector<int> labels;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const int label = data.label(i);
    if (label < first_class || label >= first_class + classes) continue;
    const auto image = data.image(i);
    pixels.insert(pixels.end(), image.begin(), image.end());
    labels.push_back(label - first_class);
  }
  return Dataset(std::move(pixels), std::move(labels), data.rows(), data.cols(), classes);
}

/// One task of a sequence: its own training, validation and test samples (labels from 0).
struct TaskData {
  Dataset train, validation, test;
};

/// Split the three splits of a dataset into consecutive class ranges of `classes_per_task`
/// (MNIST with 5: digits 0–4 and 5–9).
inline std::vector<TaskData> split_by_classes(const Dataset& train, const Dataset& validation, const Dataset& test,
                                              int classes_per_task) {
  if (classes_per_task < 1 || train.classes() % classes_per_task != 0) {
    throw std::invalid_argument("chaosnet::split_by_classes: " + std::to_string(train.classes()) +
                                " classes do not split into tasks of " + std::to_string(classes_per_task));
  }
  std::vector<TaskData> tasks;
  for (int first = 0; first < train.classes(); first += classes_per_task) {
    tasks.push_back({class_subset(train, first, classes_per_task), class_subset(validation, first, classes_per_task),
                     class_subset(test, first, classes_per_task)});
  }
  return tasks;
}

struct SequentialTasksResult {
  /// test_accuracy[i][j]: task j's test accuracy (its own readout) after training task i, j ≤ i.
  std::vector<std::vector<double>> test_accuracy;
  std::vector<ChaosModel<float>> models;  ///< each task's readout on the final core
};

/// Train `tasks` one after another on one core. `config.classes` is ignored: each task's readout
/// has as many classes as its data. Each task starts from the previous task's core (selected on
/// that task's validation split) and a freshly initialised readout; after each task every task
/// so far is tested with its own readout on the current core, with masks from `test_mask_seed`.
/// `on_task(i)` runs before task i trains; the callbacks of train_chaos_model pass through.
template <int N>
SequentialTasksResult train_sequential_tasks(ChaosModelConfig config, const std::vector<TaskData>& tasks,
                                             const ChaosTrainOptions& options, std::uint64_t test_mask_seed,
                                             const std::function<void(std::size_t)>& on_task = {},
                                             const std::function<void(std::size_t, std::size_t)>& on_step = {},
                                             const std::function<void(std::size_t, const ChaosEpoch&)>& on_epoch = {}) {
  if (tasks.empty()) throw std::invalid_argument("chaosnet::train_sequential_tasks: no task");
  SequentialTasksResult result;
  Rng rng(options.seed);
  std::vector<float> core;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    config.classes = static_cast<std::size_t>(tasks[i].train.classes());
    ChaosModel<float> model = make_chaos_model<float>(config, rng);
    const std::size_t core_size = ChaosModelLayout(config).readout_weights;
    if (i > 0) std::copy(core.begin(), core.end(), model.parameters.begin());
    if (on_task) on_task(i);
    ChaosTrainOptions task_options = options;
    task_options.seed = i == 0 ? options.seed : util::counter_hash(options.seed, 0x7a5c, i);
    train_chaos_model<float, N>(model, tasks[i].train, tasks[i].validation, task_options, on_step, on_epoch);
    core.assign(model.parameters.begin(), model.parameters.begin() + static_cast<std::ptrdiff_t>(core_size));
    result.models.push_back(std::move(model));
    std::vector<double> accuracy;
    for (std::size_t j = 0; j <= i; ++j) {
      ChaosModel<float>& earlier = result.models[j];
      std::copy(core.begin(), core.end(), earlier.parameters.begin());
      ChaosModelTape<float, N> tape(earlier);
      accuracy.push_back(evaluate_chaos_accuracy(tape, tasks[j].test, test_mask_seed));
    }
    result.test_accuracy.push_back(std::move(accuracy));
  }
  return result;
}

}  // namespace chaosnet
