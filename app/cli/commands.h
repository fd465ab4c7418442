#pragma once
// Each subcommand of the `mambascope` CLI registers itself on the app; main() runs the chosen one and
// turns a mambascope::Error into a message and a non-zero exit.
#include <CLI/CLI.hpp>
#include <string>

#include "engine/core/tensor.h"

namespace mambascope::cli {
void add_info_command(CLI::App& app);
void add_bench_op_command(CLI::App& app);
void add_init_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_profile_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_chat_command(CLI::App& app);

// --device: "" (CUDA when a device is present, else the CPU), "cpu" or "cuda" (Error naming `command` when
// there is no usable device); anything else is an Error naming the flag.
Device pick_device(const std::string& device, const char* command);
}
