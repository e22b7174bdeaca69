// coldstart: which images should an expert annotate first, and which next? (docs/cli.md)
#include "coldstart/cli/commands.hpp"

int main(int argc, char** argv) { return coldstart::cli::main(argc, argv); }
