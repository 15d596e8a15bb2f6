// Handles and ranges of handles: an empty handle names no tape, a range's elements are the
// consecutive values one op wrote (by index and by iteration alike), and an index past the end
// is an error that names the range rather than a read of someone else's slot.

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <stdexcept>
#include <vector>

using chaosnet::Tape;

TEST_CASE("Tensor: a default-constructed handle has no tape and refuses to be read", "[autodiff]") {
  const chaosnet::Tensor1D<double, 2> empty;
  CHECK(empty.tape() == nullptr);
  CHECK_THROWS_WITH((void)empty.value(), Catch::Contains("empty"));
  const chaosnet::Tensor0D<double, 2> empty_scalar;
  CHECK_THROWS_WITH((void)empty_scalar.grad(), Catch::Contains("empty"));
}

TEST_CASE("Tensor1DRange: indexing and iteration visit the same values in order", "[autodiff]") {
  Tape<double, 2> tape;
  const auto x = tape.variable(Eigen::Array2d(1.0, -1.0));
  const auto copies = split_on_add(x * x, 3);
  REQUIRE(copies.size() == 3);
  std::size_t i = 0;
  for (const auto copy : copies) {
    CHECK((copy.value() == copies[i].value()).all());
    CHECK((copy.value() == 1.0).all());
    ++i;
  }
  CHECK(i == 3);
  CHECK_THROWS_WITH((void)copies[3], Catch::Contains("Tensor1DRange: index 3 out of a range of 3"));
}

TEST_CASE("Tensor0DRange: element i is the i-th of the values given to Tape::variables",
          "[autodiff]") {
  Tape<double, 2> tape;
  const std::vector<double> values{0.5, -2.0, 4.0};
  const auto params = tape.variables(values);
  REQUIRE(params.size() == 3);
  for (std::size_t i = 0; i < values.size(); ++i) CHECK(params[i].value() == values[i]);
  CHECK(params.front().value() == 0.5);
  CHECK_THROWS_AS((void)params[3], std::out_of_range);
  CHECK_THROWS_WITH((void)params[7], Catch::Contains("Tensor0DRange: index 7 out of a range of 3"));
}
