// coldstart: which images should an expert annotate first, and which next? (docs/cli.md)
#include "coldstart/cli/commands.hpp"
#include "processes.hpp"

// The executable alone ends its process fast (end_process); cli::main is also a library entry
// point that other programs call and then carry on (examples/custom_strategy).
int main(int argc, char** argv) {
  return coldstart::cli::end_process(coldstart::cli::main(argc, argv));
}
