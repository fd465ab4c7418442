// `mambascope bench --models a,b --lengths 1k,...,101k [--decode N] [--repeats N] [--out FILE]`: the speed and
// memory curves, a markdown table and a profile JSON (docs/profile-format.md).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>

#include "app/cli/commands.h"
#include "engine/bench/bench.h"
#include "engine/bench/lengths.h"
#include "engine/core/error.h"
#include "engine/model/model_config.h"

namespace mambascope::cli {

void add_bench_command(CLI::App& app) {
  struct Opt {
    std::string models = "transformer,mmmamba-linear,mmmamba-hybrid,ml-mamba", lengths = "1k,4k,16k,32k,64k,101k", out, protocol = "ours";
    BenchOptions b;
    bool no_graphs = false;
  };
  auto o = std::make_shared<Opt>();
  CLI::App* cmd = app.add_subcommand("bench", "Speed and memory curves: models x lengths on the GPU -> table + profile JSON");
  cmd->add_option("--models", o->models, "Comma-separated presets (all four by default)");
  cmd->add_option("--lengths", o->lengths, "Prompt lengths, e.g. 1k,4k,16k,101k (101k = 103,424, the paper's 103K)");
  cmd->add_option("--decode", o->b.decode, "Decode steps per length");
  cmd->add_option("--repeats", o->b.repeats, "Prefill repeats (median)");
  cmd->add_option("--prefill-chunk", o->b.prefill_chunk, "Tokens per prefill forward");
  cmd->add_option("--out", o->out, "Write the profile JSON here");
  cmd->add_flag("--no-graphs", o->no_graphs, "Decode without CUDA graphs");
  cmd->add_option("--protocol", o->protocol,
                  "ours: CUDA-graph decode timed with events; paper: the mmMamba paper's next-token latency (eager steps, "
                  "host clock; docs/paper-protocol.md)");
  cmd->callback([o] {
    BenchOptions b = o->b;
    b.cuda_graphs = !o->no_graphs;
    b.protocol = parse_protocol(o->protocol);
    b.lengths = parse_lengths(o->lengths, "--lengths");
    size_t start = 0;
    while (start <= o->models.size()) {
      const size_t c = o->models.find(',', start);
      const std::string m = o->models.substr(start, c == std::string::npos ? std::string::npos : c - start);
      if (!m.empty()) {
        preset_config(m);  // refuses unknown names before anything runs
        b.models.push_back(m);
      }
      if (c == std::string::npos) break;
      start = c + 1;
    }
    const bool tty = isatty(STDERR_FILENO);
    const auto t0 = std::chrono::steady_clock::now();
    const Profile p = run_bench(b, [&](const std::string& what, int done, int total) {
      const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const std::string eta = done > 0 ? fmt::format(", ETA {:.0f} s", el / done * (total - done)) : "";
      fmt::print(stderr, "{}[{}/{}] {}{}{}", tty ? "\r\033[K" : "", done, total, what, eta, tty ? "" : "\n");
    });
    if (tty) fmt::print(stderr, "\n");
    fmt::print("{}", bench_table(p));
    if (!o->out.empty()) {
      write_profile(o->out, p);
      fmt::print("\nwrote {}\n", o->out);
    }
  });
}

}  // namespace mambascope::cli
