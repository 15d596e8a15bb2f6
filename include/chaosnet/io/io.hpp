#pragma once

// The io module: model files (JSON), Graphviz DOT export, atomic file writes and their errors, and
// the tools those files are built from: checked JSON reading and writing, and checksummed files
// kept in a rotation (as evolution checkpoints are).

#include <chaosnet/io/atomic_file.hpp>
#include <chaosnet/io/chaos_model_file.hpp>
#include <chaosnet/io/checksummed_file.hpp>
#include <chaosnet/io/dot.hpp>
#include <chaosnet/io/io_error.hpp>
#include <chaosnet/io/json_reader.hpp>
#include <chaosnet/io/json_writer.hpp>
#include <chaosnet/io/model_file.hpp>
