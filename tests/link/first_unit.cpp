// With second_unit.cpp: both include every chaosnet header, so a namespace-scope function that
// is not `inline` is defined twice and this program fails to link.
#include <chaosnet/chaosnet.hpp>

double first_unit_value() {
  chaosnet::Tape<double, 1> tape;
  const auto x = tape.variable(Eigen::Array<double, 1, 1>::Constant(2.0));
  return chaosnet::sum(chaosnet::mish(x)).value();
}
