#pragma once

// Drawing a PNG with gnuplot, for every command that has a --plot.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace chaosnet::cli {

/// `path` inside gnuplot's single quotes (where a quote is written twice).
inline std::string gnuplot_quoted(const std::filesystem::path& path) {
  std::string text = path.string();
  for (std::size_t at = text.find('\''); at != std::string::npos; at = text.find('\'', at + 2)) {
    text.insert(at, 1, '\'');
  }
  return "'" + text + "'";
}

/// Run a gnuplot script that writes `png`, creating its directory; false (with a note that says
/// where the data is instead) when gnuplot is missing or fails.
inline bool run_gnuplot(const std::string& script, const std::filesystem::path& png, const char* data_elsewhere) {
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    std::printf("plot: gnuplot is not installed (data/setup.sh installs it); %s has the data\n", data_elsewhere);
    return false;
  }
  if (png.has_parent_path()) std::filesystem::create_directories(png.parent_path());
  FILE* gnuplot = ::popen("gnuplot", "w");
  if (gnuplot == nullptr) return false;
  std::fwrite(script.data(), 1, script.size(), gnuplot);
  if (::pclose(gnuplot) != 0) {
    std::printf("plot: gnuplot failed (see its messages above)\n");
    return false;
  }
  return true;
}

}  // namespace chaosnet::cli
