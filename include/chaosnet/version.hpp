#pragma once

// CMake parses this line; keep the format "MAJOR.MINOR.PATCH".
#define CHAOSNET_VERSION "0.1.0"
#define CHAOSNET_VERSION_MAJOR 0
#define CHAOSNET_VERSION_MINOR 1
#define CHAOSNET_VERSION_PATCH 0
