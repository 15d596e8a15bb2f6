// The tape's storage: clear() empties every column for the next recording but keeps the DAG
// programs (and their arrays' capacity) for reuse, and new_dag_program() hands out a cleared
// program at the next index, reusing a kept one before growing the list.

#include <chaosnet/autodiff/tape_columns.hpp>

#include <catch2/catch.hpp>

using chaosnet::detail::DagProgram;
using chaosnet::detail::SlotKind;
using chaosnet::detail::TapeColumns;

TEST_CASE("TapeColumns: programs are kept across clear() and handed out cleared",
          "[autodiff][tape]") {
  TapeColumns<float, 4> c;
  DagProgram& first = c.new_dag_program();
  first.in_sources.assign(100, 7);
  first.outputs = 3;
  first.training = true;
  c.new_dag_program().outputs = 5;
  c.scalar_values.push_back(1.0f);
  c.scalar_kinds.push_back(SlotKind::variable);
  c.batch_values.emplace_back(TapeColumns<float, 4>::Batch::Zero());
  c.targets.push_back(2);
  REQUIRE(c.dag_program_count == 2);

  c.clear();
  CHECK(c.dag_program_count == 0);
  CHECK(c.scalar_values.empty());
  CHECK(c.scalar_kinds.empty());
  CHECK(c.batch_values.empty());
  CHECK(c.targets.empty());
  CHECK(c.dag_programs.size() == 2);  // kept for the next recording

  DagProgram& reused = c.new_dag_program();
  CHECK(&reused == &c.dag_programs[0]);
  CHECK(reused.in_sources.empty());
  CHECK(reused.in_sources.capacity() >= 100);  // the point of keeping it
  CHECK(reused.outputs == 0);
  CHECK_FALSE(reused.training);
  c.new_dag_program();
  c.new_dag_program();
  CHECK(c.dag_program_count == 3);
  CHECK(c.dag_programs.size() == 3);  // grown only past the kept ones
}
