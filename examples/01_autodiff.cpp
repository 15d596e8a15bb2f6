// A first look at chaosnet's autodiff: record a small graph on a tape, run backward, print the
// gradients, then replay the same recording on a new batch without recording again.
#include <chaosnet/chaosnet.hpp>

#include <array>
#include <iostream>

int main() {
  using namespace chaosnet;
  constexpr int batch = 4;                 // every Tensor1D holds one value per sample
  Tape<double, batch> tape;

  Tensor0D<double, batch> w = tape.variable(0.5);   // a weight, shared by all samples
  Tensor0D<double, batch> b = tape.variable(-0.1);  // a bias
  Tensor1D<double, batch> x = tape.input(Eigen::Array4d(1.0, 2.0, 3.0, 4.0));

  // Two class logits per sample: mish(w·x + b) and the raw input.
  const std::array<Tensor1D<double, batch>, 2> logits{mish(w * x + b), x};
  const std::array<int, batch> labels{0, 1, 0, 1};
  Targets<double, batch> targets = tape.targets(labels);
  Tensor0D<double, batch> loss = mean(nll(log_softmax(logits), targets));

  tape.zero_grad();
  tape.backward(loss);
  std::cout << "loss     = " << loss.value() << "\n"
            << "dloss/dw = " << w.grad() << "   (summed over the batch)\n"
            << "dloss/db = " << b.grad() << "\n";

  // Replay: new inputs, same recording. forward() recomputes every value in order.
  tape.set(x, Eigen::Array4d(-1.0, 0.0, 1.0, 2.0));
  tape.forward();
  tape.zero_grad();
  tape.backward(loss);
  std::cout << "replayed: loss = " << loss.value() << ", dloss/dw = " << w.grad() << "\n";
}
