#pragma once

// The neuron layout of seed 003's Dynamic Neural Manifold: n neurons in index order, inputs
// [0, I), computational neurons ("comps") [I, n − O) and outputs [n − O, n). A comp reads every
// neuron before it, an output every input and comp, nothing reads an output: a strictly lower-
// triangular adjacency whose cells are the "closeness" values the model learns. Each cell has a
// position, the argument of the closeness function of its target row.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace chaosnet {

struct ManifoldLayout {
  std::size_t inputs = 784;
  std::size_t comps = 206;
  std::size_t outputs = 10;
  /// The period P of the closeness function's periodic term: the image width (28) for MNIST.
  double period = 28;

  [[nodiscard]] std::size_t neurons() const { return inputs + comps + outputs; }
  /// Rows of the closeness matrix: every comp and output, target t is neuron inputs + t.
  [[nodiscard]] std::size_t targets() const { return comps + outputs; }
  /// Columns: every neuron an output or a comp may read (inputs and comps).
  [[nodiscard]] std::size_t sources() const { return inputs + comps; }
  /// How many sources target row t reads: every source before its neuron.
  [[nodiscard]] std::size_t row_length(std::size_t t) const { return t < comps ? inputs + t : sources(); }
  /// Cells that may be nonzero: Σ_comp j + O·(n − O) = ½(n² − I² − O² − comps) (seed 003:
  /// 192,519 for 784/206/10, 284 for the toy 5/16/4).
  [[nodiscard]] std::size_t usable_cells() const {
    std::size_t cells = outputs * sources();
    for (std::size_t t = 0; t < comps; ++t) cells += inputs + t;
    return cells;
  }
  /// The displacement D_j of target row t: linspace(I, O, n − I)[t], as the seed's numpy call.
  [[nodiscard]] double displacement(std::size_t t) const {
    const std::size_t rows = targets();
    if (rows == 1) return static_cast<double>(inputs);
    return static_cast<double>(inputs) +
           static_cast<double>(t) * (static_cast<double>(outputs) - static_cast<double>(inputs)) /
               static_cast<double>(rows - 1);
  }
  /// pos_{j,k} = (k − j) + D_j for target row t (neuron j = I + t) and source k.
  [[nodiscard]] double position(std::size_t t, std::size_t k) const {
    return static_cast<double>(k) - static_cast<double>(inputs + t) + displacement(t);
  }
};

/// Throws std::invalid_argument naming the field unless the layout can be built.
inline void check_manifold_layout(const ManifoldLayout& layout) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("chaosnet::ManifoldLayout: " + what); };
  if (layout.inputs == 0) fail("it needs at least one input");
  if (layout.outputs == 0) fail("it needs at least one output");
  if (!(layout.period > 0)) fail("the period must be > 0, got " + std::to_string(layout.period));
}

}  // namespace chaosnet
