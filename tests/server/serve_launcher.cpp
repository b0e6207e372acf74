// `internvl serve` without the CLI: the e2e tests start this when the `internvl` program is not
// part of the build.
#include "server/serve_command.h"

int main(int argc, char** argv) { return internvl::server::serve_main(argc, argv); }
