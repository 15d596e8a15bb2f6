// The sparse_dag kernel on its own: a DagProgram written by hand against hand-chosen slots of
// bare tape columns, with no recorder in between, so a wrong slot, edge range or pull shows up
// here rather than only as a finite-difference mismatch of the whole op.

#include <chaosnet/autodiff/kernels/sparse_dag.hpp>
#include <chaosnet/autodiff/tape_columns.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

using chaosnet::detail::DagProgram;
using chaosnet::detail::no_slot;
using chaosnet::detail::OpRecord;
using chaosnet::detail::OutEdge;
using chaosnet::detail::ProgramInput;
using chaosnet::detail::ProgramUnit;
using chaosnet::detail::pull_out_edges;
using chaosnet::detail::SparseDag;
using chaosnet::detail::TapeColumns;
using chaosnet::detail::weighted_sum_of;

namespace {

constexpr int N = 2;
using Columns = TapeColumns<double, N>;
using Batch = Columns::Batch;

double mish(double x) { return x * std::tanh(std::log1p(std::exp(x))); }
double mish_slope(double x) {
  const double h = 1e-6;
  return (mish(x + h) - mish(x - h)) / (2 * h);
}

/// Scalars: 0 = w(in0->u), 1 = w(in1->u), 2 = bias of u, 3 = w(u->out), 4 = w(in1->out).
/// Batches: 0 = in0, 1 = in1 (a variable), 2 = pre of u, 3 = value of u, 4 = out (identity).
/// u = mish(b + w0·in0 + w1·in1); out = w3·u + w4·in1.
Columns two_unit_columns(bool training) {
  Columns c;
  c.scalar_values = {0.5, -1.25, 0.1, 2.0, 0.75};
  c.scalar_grads.assign(5, 0.0);
  c.batch_values = {Batch(1.0, -2.0), Batch(0.5, 3.0), Batch::Zero(), Batch::Zero(), Batch::Zero()};
  c.batch_grads.assign(5, Batch::Zero());
  DagProgram& dag = c.new_dag_program();
  dag.training = training;
  dag.outputs = 1;
  dag.in_sources = {0, 1, 3, 1};  // u's sources, then out's (weight order)
  // Out-edges grouped by source (in0, in1, then u), each ordered by target.
  dag.out_edges = {OutEdge{2, 0}, OutEdge{2, 1}, OutEdge{4, 4}, OutEdge{4, 3}};
  dag.inputs = {ProgramInput{0, true, {0, 1}}, ProgramInput{1, false, {1, 2}}};
  dag.units = {ProgramUnit{true, 2, 0, {0, 2}, {3, 1}, 2, 3},
               ProgramUnit{false, no_slot, 3, {2, 2}, {4, 0}, 4, 4}};
  return c;
}

OpRecord record() {
  OpRecord r;
  r.a = 0;
  return r;
}

}  // namespace

TEST_CASE("sparse_dag kernel: forward computes each unit from the slots its program names",
          "[autodiff][kernels][sparse_dag]") {
  Columns c = two_unit_columns(true);
  SparseDag::forward(c, record());
  for (int k = 0; k < N; ++k) {
    INFO("sample " << k);
    const double pre = 0.1 + 0.5 * c.batch_values[0][k] - 1.25 * c.batch_values[1][k];
    CHECK(c.batch_values[3][k] == Approx(mish(pre)).epsilon(1e-12));
    CHECK(c.batch_values[2][k] == Approx(mish_slope(pre)).epsilon(1e-7));  // training: mish'
    CHECK(c.batch_values[4][k] == Approx(2.0 * mish(pre) + 0.75 * c.batch_values[1][k]).epsilon(1e-12));
  }
}

TEST_CASE("sparse_dag kernel: an inference program leaves the pre slot alone and has no backward",
          "[autodiff][kernels][sparse_dag]") {
  Columns c = two_unit_columns(false);
  SparseDag::forward(c, record());
  CHECK((c.batch_values[2] == 0.0).all());
  CHECK(c.batch_values[3][0] != 0.0);
  CHECK_THROWS_AS(SparseDag::backward(c, record()), std::logic_error);
}

TEST_CASE("sparse_dag kernel: backward pulls δ over out-edges into weight, bias and input gradients",
          "[autodiff][kernels][sparse_dag]") {
  Columns c = two_unit_columns(true);
  SparseDag::forward(c, record());
  c.batch_grads[4] = Batch(1.0, -0.5);  // ∂L/∂out per sample
  SparseDag::backward(c, record());
  const Batch& in0 = c.batch_values[0];
  const Batch& in1 = c.batch_values[1];
  const Batch g = c.batch_grads[4];
  const Batch u = c.batch_values[3];
  Batch slope;
  for (int k = 0; k < N; ++k) slope[k] = mish_slope(0.1 + 0.5 * in0[k] - 1.25 * in1[k]);
  const Batch delta_u = g * 2.0 * slope;
  CHECK(c.scalar_grads[3] == Approx((g * u).sum()).epsilon(1e-12));
  CHECK(c.scalar_grads[4] == Approx((g * in1).sum()).epsilon(1e-12));
  CHECK(c.scalar_grads[2] == Approx(delta_u.sum()).epsilon(1e-6));
  CHECK(c.scalar_grads[0] == Approx((delta_u * in0).sum()).epsilon(1e-6));
  CHECK(c.scalar_grads[1] == Approx((delta_u * in1).sum()).epsilon(1e-6));
  // in0 is constant: no gradient; in1 gets both of its paths.
  CHECK((c.batch_grads[0] == 0.0).all());
  for (int k = 0; k < N; ++k) {
    CHECK(c.batch_grads[1][k] == Approx(0.75 * g[k] - 1.25 * delta_u[k]).epsilon(1e-6));
  }
  // δ of each unit is left as its pre slot's gradient.
  for (int k = 0; k < N; ++k) CHECK(c.batch_grads[2][k] == Approx(delta_u[k]).epsilon(1e-6));
  CHECK((c.batch_grads[4] == g).all());
}

TEST_CASE("sparse_dag kernel: the four-accumulator sum equals the plain sum for every remainder",
          "[autodiff][kernels][sparse_dag]") {
  std::vector<Batch> x;
  std::vector<double> weight;
  std::vector<chaosnet::detail::Slot> source;
  for (int i = 0; i < 11; ++i) {
    x.push_back(Batch(0.25 * i - 1.0, 1.0 / (i + 1)));
    weight.push_back(0.5 - 0.125 * i);
    source.push_back(static_cast<chaosnet::detail::Slot>((7 * i) % 11));
  }
  for (std::uint32_t count = 0; count <= 11; ++count) {
    INFO(count << " edges");
    Batch expected = Batch::Constant(0.3);
    for (std::uint32_t i = 0; i < count; ++i) expected += weight[i] * x[source[i]];
    Batch out;
    weighted_sum_of(0.3, weight.data(), x.data(), source.data(), count, out);
    CHECK(((out - expected).abs() < 1e-12).all());
  }
}

TEST_CASE("sparse_dag kernel: pulling out-edges without need_gx leaves gx untouched",
          "[autodiff][kernels][sparse_dag]") {
  const std::vector<Batch> delta = {Batch(1.0, 2.0), Batch(-1.0, 0.5)};
  const std::vector<OutEdge> edges = {OutEdge{0, 0}, OutEdge{1, 1}};
  const std::vector<double> weight = {3.0, -2.0};
  std::vector<double> weight_grad(2, 0.0);
  const Batch x(2.0, -1.0);
  Batch gx = Batch::Constant(7.0);
  pull_out_edges(x, edges.data(), 2, weight.data(), weight_grad.data(), delta.data(), gx, false);
  CHECK((gx == 7.0).all());
  CHECK(weight_grad[0] == Approx(1.0 * 2.0 + 2.0 * -1.0));
  CHECK(weight_grad[1] == Approx(-1.0 * 2.0 + 0.5 * -1.0));
  pull_out_edges(x, edges.data(), 2, weight.data(), weight_grad.data(), delta.data(), gx, true);
  CHECK(gx[0] == Approx(7.0 + 3.0 * 1.0 - 2.0 * -1.0));
  CHECK(gx[1] == Approx(7.0 + 3.0 * 2.0 - 2.0 * 0.5));
}
