#pragma once

// The io module: model files (JSON), Graphviz DOT export, atomic file writes and their errors.

#include <chaosnet/io/atomic_file.hpp>
#include <chaosnet/io/dot.hpp>
#include <chaosnet/io/io_error.hpp>
#include <chaosnet/io/model_file.hpp>
