// sparse_dag: gradients against finite differences, the program a spec compiles to (slots,
// edge ranges, out-edges grouped by source and ordered by target), inference recordings and
// rejected specs.

#include <autodiff/op_check.hpp>
#include <autodiff/three_unit_dag.hpp>

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

using chaosnet::Activation;
using chaosnet::DagMode;
using chaosnet::DagSpec;
using chaosnet::dag_none;
using chaosnet::detail::DagProgram;
using chaosnet::detail::no_slot;
using chaosnet_test::three_units;

namespace {

struct ExpectedUnit {
  bool mish;
  std::uint32_t bias, first_weight, in_begin, in_count, out_begin, out_count, pre, value;
};

void check_units(const DagProgram& program, const std::vector<ExpectedUnit>& expected) {
  REQUIRE(program.units.size() == expected.size());
  for (std::size_t u = 0; u < expected.size(); ++u) {
    INFO("unit " << u);
    const auto& unit = program.units[u];
    const ExpectedUnit& e = expected[u];
    CHECK(unit.mish == e.mish);
    CHECK(unit.bias == e.bias);
    CHECK(unit.first_weight == e.first_weight);
    CHECK(unit.in.begin == e.in_begin);
    CHECK(unit.in.count == e.in_count);
    CHECK(unit.out.begin == e.out_begin);
    CHECK(unit.out.count == e.out_count);
    CHECK(unit.pre == e.pre);
    CHECK(unit.value == e.value);
  }
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("sparse_dag: gradients match finite differences", "[autodiff][sparse_dag]",
                       ((int N), N), 1, 4, 32) {
  chaosnet_test::check_three_units_gradients<N>(three_units());
}

TEST_CASE("sparse_dag: a spec compiles to slots and edge ranges it names", "[autodiff][sparse_dag]") {
  // Inputs in batch slots 40 (a constant) and 41, parameters from scalar slot 100, outputs from
  // batch slot 50.
  DagProgram program;
  program.inputs = {{.value = 40, .constant = true, .out = {}}, {.value = 41, .constant = false, .out = {}}};
  const std::uint32_t slots = chaosnet::detail::compile_dag(three_units(), 100, 50, DagMode::training, program);

  // Inner mish units take [pre, value]; the identity output's pre is its value slot.
  CHECK(slots == 5);
  CHECK(program.outputs == 1);
  CHECK(program.training);
  check_units(program, {{true, 100, 101, 0, 2, 3, 2, 50, 51},
                        {true, no_slot, 103, 2, 2, 5, 1, 52, 53},
                        {false, 107, 105, 4, 2, 6, 0, 54, 54}});
  CHECK(program.in_sources == std::vector<std::uint32_t>{40, 41, 41, 51, 51, 53});
  CHECK(program.inputs[0].value == 40);
  CHECK(program.inputs[0].constant);
  CHECK(program.inputs[0].out.begin == 0);
  CHECK(program.inputs[0].out.count == 1);
  CHECK(program.inputs[1].value == 41);
  CHECK_FALSE(program.inputs[1].constant);
  CHECK(program.inputs[1].out.begin == 1);
  CHECK(program.inputs[1].out.count == 2);

  // Grouped by source (in0, in1, unit 2, unit 3) and, within a source, ordered by target:
  // (target pre slot, weight slot).
  const std::vector<std::array<std::uint32_t, 2>> expected{
      {50, 101}, {50, 102}, {52, 103}, {52, 104}, {54, 105}, {54, 106}};
  REQUIRE(program.out_edges.size() == expected.size());
  for (std::size_t e = 0; e < expected.size(); ++e) {
    INFO("out-edge " << e);
    CHECK(program.out_edges[e].target_pre == expected[e][0]);
    CHECK(program.out_edges[e].weight == expected[e][1]);
  }
}

TEST_CASE("sparse_dag: mish outputs keep a pre slot before the consecutive output values",
          "[autodiff][sparse_dag]") {
  // One input; an inner identity unit, then two outputs: mish(unit 1) and identity(in0 + unit 1).
  DagSpec spec;
  spec.inputs = 1;
  spec.outputs = 2;
  spec.sources = {0, 1, 0, 1};
  spec.units = {{Activation::identity, dag_none, 0, 0, 1},
                {Activation::mish, dag_none, 1, 1, 1},
                {Activation::identity, dag_none, 2, 2, 2}};
  DagProgram program;
  program.inputs = {{.value = 3, .constant = false, .out = {}}};
  const std::uint32_t slots = chaosnet::detail::compile_dag(spec, 0, 10, DagMode::inference, program);

  CHECK(slots == 4);
  CHECK(program.outputs == 2);
  CHECK_FALSE(program.training);
  check_units(program, {{false, no_slot, 0, 0, 1, 2, 2, 10, 10},
                        {true, no_slot, 1, 1, 1, 4, 0, 11, 12},
                        {false, no_slot, 2, 2, 2, 4, 0, 13, 13}});
  CHECK(program.in_sources == std::vector<std::uint32_t>{3, 10, 3, 10});
  CHECK(program.inputs[0].out.begin == 0);
  CHECK(program.inputs[0].out.count == 2);
}

TEST_CASE("sparse_dag: an inference recording computes the same outputs and has no backward",
          "[autodiff][sparse_dag]") {
  chaosnet::Tape<double, 4> training_tape;
  chaosnet::Tape<double, 4> inference_tape;
  const std::array<double, 8> values{0.1, -0.4, 0.7, 0.3, -0.9, 0.5, 1.2, -0.2};
  const Eigen::Array4d x(-1.0, 0.0, 0.5, 2.0);
  auto record = [&](chaosnet::Tape<double, 4>& tape, DagMode mode) {
    const std::array inputs{tape.input(Eigen::Array4d::Constant(0.5)), tape.variable(x)};
    return chaosnet::sparse_dag<double, 4>(three_units(), inputs, tape.variables(values), mode)[0];
  };
  const auto trained = record(training_tape, DagMode::training);
  const auto inferred = record(inference_tape, DagMode::inference);
  CHECK(trained.value().isApprox(inferred.value(), 1e-14));  // mish without its slope
  CHECK_THROWS_WITH(inference_tape.backward(inferred), Catch::Contains("recorded for inference"));
}

TEST_CASE("sparse_dag: specs that do not fit are rejected before anything is recorded",
          "[autodiff][sparse_dag]") {
  chaosnet::Tape<double, 2> tape;
  const std::array inputs{tape.input(Eigen::Array2d(1.0, 2.0)), tape.input(Eigen::Array2d(3.0, 4.0))};
  const std::array<double, 8> values{};
  const auto parameters = tape.variables(values);
  const std::size_t ops = tape.op_count();

  DagSpec cycle = three_units();
  cycle.sources[3] = 3;  // the second unit (source 3) reads itself
  CHECK_THROWS_WITH((chaosnet::sparse_dag<double, 2>(cycle, inputs, parameters)),
                    Catch::Contains("unit 1: source 3") && Catch::Contains("cycle"));
  DagSpec short_of_weights = three_units();
  short_of_weights.units[2].first_weight = 7;
  CHECK_THROWS_WITH((chaosnet::sparse_dag<double, 2>(short_of_weights, inputs, parameters)),
                    Catch::Contains("unit 2: its weights run past the 8 parameters"));
  CHECK_THROWS_WITH((chaosnet::sparse_dag<double, 2>(three_units(), std::span(inputs).first(1), parameters)),
                    Catch::Contains("the spec has 2 inputs, 1 tensors were given"));
  CHECK(tape.op_count() == ops);
}
