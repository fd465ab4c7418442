// `mambascope compare A.json [B.json]`: one profile's table, or B against A row by row (same model and
// length): prefill and decode speed-up and peak memory change, what got worse by more than 5% flagged. When
// A holds transformer rows (a peer such as hf-transformers) and B other models, B's models are also set
// against A's transformer at the same length: the papers' "x faster, y% less memory" across engines (with a
// caution when A and B ran on different GPUs).
#include <fmt/format.h>

#include <map>

#include "app/cli/commands.h"
#include "engine/bench/bench.h"
#include "engine/core/memory.h"
#include "engine/profile/kernel_summary.h"
#include "engine/profile/profile.h"

namespace mambascope::cli {

void add_compare_command(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("compare", "Print a profile's table, or compare two profiles row by row");
  cmd->add_option("profiles", *files, "One or two profile JSON files")->required()->expected(1, 2);
  cmd->callback([files] {
    const Profile a = read_profile((*files)[0]);
    if (files->size() == 1) {
      fmt::print("{}\n{}", a.protocol_description, bench_table(a));
      for (const KernelSummary& k : a.kernel_summaries) fmt::print("\n{}", kernel_summary_text(k));
      return;
    }
    const Profile b = read_profile((*files)[1]);
    std::map<std::pair<std::string, int64_t>, const ProfileRow*> base;
    for (const ProfileRow& r : a.rows) base[{r.model, r.length}] = &r;
    fmt::print("{} ({}) -> {} ({})\n\n", (*files)[0], a.machine.gpu, (*files)[1], b.machine.gpu);
    fmt::print("| model | tokens | prefill A ms | prefill B ms | speed-up | decode A ms | decode B ms | speed-up | peak A | peak B | |\n");
    fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    int matched = 0, regressions = 0;
    for (const ProfileRow& r : b.rows) {
      auto it = base.find({r.model, r.length});
      if (it == base.end()) continue;
      const ProfileRow& o = *it->second;
      const bool pre = r.prefill_ms && o.prefill_ms, dec = r.decode_ms_per_token && o.decode_ms_per_token;
      if (!pre && !dec) continue;
      ++matched;
      const double ps = pre ? *o.prefill_ms / *r.prefill_ms : 0;
      const double ds = o.decode_ms_per_token && r.decode_ms_per_token ? *o.decode_ms_per_token / *r.decode_ms_per_token : 0;
      std::string flags;  // what got worse by more than 5%
      if (ps > 0 && ps < 0.95) flags += "slower prefill ";
      if (ds > 0 && ds < 0.95) flags += "slower decode ";
      if (o.peak_bytes && r.peak_bytes && *r.peak_bytes > *o.peak_bytes * 1.05) flags += "more memory";
      const bool worse = !flags.empty();
      regressions += worse;
      auto ms = [](const std::optional<double>& v) { return v ? fmt::format("{:.2f}", *v) : std::string(); };
      fmt::print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r.model, r.length, ms(o.prefill_ms), ms(r.prefill_ms),
                 ps > 0 ? fmt::format("{:.2f}x", ps) : "", o.decode_ms_per_token ? fmt::format("{:.3f}", *o.decode_ms_per_token) : "",
                 r.decode_ms_per_token ? fmt::format("{:.3f}", *r.decode_ms_per_token) : "", ds > 0 ? fmt::format("{:.2f}x", ds) : "",
                 o.peak_bytes ? format_bytes(*o.peak_bytes) : "", r.peak_bytes ? format_bytes(*r.peak_bytes) : "",
                 flags);
    }
    fmt::print("\n{} rows compared, {} worse in B by more than 5%\n", matched, regressions);
    std::map<int64_t, const ProfileRow*> peer;  // A's transformer per length
    for (const ProfileRow& r : a.rows)
      if (r.model == "transformer" && r.decode_ms_per_token) peer[r.length] = &r;
    bool header = false;
    for (const ProfileRow& r : b.rows) {
      auto it = peer.find(r.length);
      if (r.model == "transformer" || it == peer.end() || !r.decode_ms_per_token) continue;
      const ProfileRow& t = *it->second;
      if (!header) {
        fmt::print("\nB's models against A's transformer at the same length:\n\n");
        if (a.machine.gpu != b.machine.gpu)  // e.g. the paper's RTX 4090 against an H100 run: not a like-for-like ratio
          fmt::print("(two GPUs: A ran on {}, B on {}; these ratios mix the GPUs' speeds with the models' -- a same-GPU "
                     "speed-up needs A's transformer measured on B's GPU)\n\n",
                     a.machine.gpu.empty() ? "an unnamed GPU" : a.machine.gpu, b.machine.gpu.empty() ? "an unnamed GPU" : b.machine.gpu);
        fmt::print("| model (B) | engine, protocol | tokens | decode ms | transformer (A) engine, protocol | decode ms | speed-up | "
                   "peak | transformer peak | memory saved |\n|---|---|---:|---:|---|---:|---:|---:|---:|---:|\n");
        header = true;
      }
      const bool mem = r.peak_bytes && t.peak_bytes;
      fmt::print("| {} | {}, {} | {} | {:.3f} | {}, {} | {:.3f} | {:.2f}x | {} | {} | {} |\n", r.model, r.engine, r.protocol, r.length,
                 *r.decode_ms_per_token, t.engine, t.protocol, *t.decode_ms_per_token, *t.decode_ms_per_token / *r.decode_ms_per_token,
                 r.peak_bytes ? format_bytes(*r.peak_bytes) : "", t.peak_bytes ? format_bytes(*t.peak_bytes) : "",
                 mem ? fmt::format("{:.1f}%", 100.0 * (1.0 - static_cast<double>(*r.peak_bytes) / static_cast<double>(*t.peak_bytes))) : "");
    }
  });
}

}  // namespace mambascope::cli
