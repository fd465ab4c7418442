// mambascope: the command-line front end. Subcommands live in app/cli/cmd_*.cpp.
#include <cstdio>
#include <mambascope/build_info.h>

#include "app/cli/commands.h"
#include "engine/core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"mambascope: inference, benchmarks and inspection for state-space multimodal LLMs"};
  app.set_version_flag("--version", std::string("mambascope ") + mambascope::build::kVersion + " (" +
                                        mambascope::build::kGitSha + ")");
  app.require_subcommand(1);
  mambascope::cli::add_info_command(app);
  mambascope::cli::add_bench_op_command(app);
  mambascope::cli::add_init_command(app);
  mambascope::cli::add_run_command(app);
  mambascope::cli::add_bench_command(app);
  mambascope::cli::add_compare_command(app);
  mambascope::cli::add_tokenize_command(app);
  mambascope::cli::add_profile_command(app);
  mambascope::cli::add_eval_command(app);
  mambascope::cli::add_chat_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const mambascope::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
