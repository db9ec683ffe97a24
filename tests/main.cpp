// SPDX-License-Identifier: GPL-2.0-only
//
// The tests' main, for Catch2 v2 (whose implementation CATCH_CONFIG_RUNNER
// compiles into this file) and v3 (the Catch2::Catch2 library, without its main).
#define CATCH_CONFIG_RUNNER
#include "catch.h"

int main(int argc, char *argv[]) {
  return Catch::Session().run(argc, argv);
}
