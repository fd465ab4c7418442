#include "engine/profile/profile.h"

#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/file.h"

namespace mambascope {
using nlohmann::json;

namespace {

template <class T>
void put_opt(json& j, const char* k, const std::optional<T>& v) {
  if (v) j[k] = *v;
}

struct Reader {
  const std::string& file;
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(what, file, field, "the file is not a mambascope profile of schema " + std::to_string(kProfileSchemaVersion) +
                                       "; regenerate it with `mambascope bench` (see docs/profile-format.md)");
  }
  const json& obj(const json& j, const std::string& field) const {
    if (!j.is_object()) fail(field, "must be an object");
    return j;
  }
  // Calls f(object, "prefix.key[i]") for every element of the array j[key], each checked to be an object; an
  // absent key is an error only when `required`.
  template <class F>
  void each(const json& j, const char* key, const std::string& prefix, bool required, F&& f) const {
    const std::string field = prefix.empty() ? std::string(key) : prefix + "." + key;
    if (required && (!j.contains(key) || !j[key].is_array())) fail(field, "missing or not an array");
    if (!j.contains(key)) return;
    if (!j[key].is_array()) fail(field, "must be an array");
    for (size_t i = 0; i < j[key].size(); ++i) {
      const std::string fi = field + "[" + std::to_string(i) + "]";
      f(obj(j[key][i], fi), fi);
    }
  }
  std::string str(const json& j, const char* k, const std::string& field, bool required = false) const {
    if (!j.contains(k) || j[k].is_null()) {
      if (required) fail(field + "." + k, "missing");
      return {};
    }
    if (!j[k].is_string()) fail(field + "." + k, "must be a string");
    return j[k].get<std::string>();
  }
  double num(const json& j, const char* k, const std::string& field, bool required = false) const {
    if (!j.contains(k) || j[k].is_null()) {
      if (required) fail(field + "." + k, "missing");
      return 0;
    }
    if (!j[k].is_number()) fail(field + "." + k, "must be a number");
    return j[k].get<double>();
  }
  int64_t integer(const json& j, const char* k, const std::string& field, bool required = false) const {
    if (!j.contains(k) || j[k].is_null()) {
      if (required) fail(field + "." + k, "missing");
      return 0;
    }
    if (!j[k].is_number_integer()) fail(field + "." + k, "must be an integer");
    return j[k].get<int64_t>();
  }
  uint64_t bytes(const json& j, const char* k, const std::string& field) const {
    const int64_t v = integer(j, k, field);
    if (v < 0) fail(field + "." + k, "must not be negative");
    return static_cast<uint64_t>(v);
  }
  std::optional<double> opt_num(const json& j, const char* k, const std::string& field) const {
    if (!j.contains(k) || j[k].is_null()) return std::nullopt;
    return num(j, k, field);
  }
  std::optional<uint64_t> opt_bytes(const json& j, const char* k, const std::string& field) const {
    if (!j.contains(k) || j[k].is_null()) return std::nullopt;
    return bytes(j, k, field);
  }
};

}  // namespace

std::string profile_to_json(const Profile& p) {
  json j;
  j["schema"] = "mambascope.profile";
  j["schema_version"] = p.schema_version;
  j["kind"] = p.kind;
  j["created"] = p.created;
  j["machine"] = {{"gpu", p.machine.gpu}, {"sms", p.machine.sms}, {"memory_bytes", p.machine.memory_bytes},
                  {"sm_clock_mhz", p.machine.sm_clock_mhz}, {"mem_clock_mhz", p.machine.mem_clock_mhz},
                  {"driver", p.machine.driver}, {"cuda_runtime", p.machine.cuda_runtime}};
  j["build"] = {{"version", p.build.version}, {"git_sha", p.build.git_sha}, {"build_type", p.build.build_type},
                {"cuda_arch", p.build.cuda_arch}};
  j["ceilings"] = {{"copy_GBps", p.ceilings.copy_GBps}, {"gemm_bf16_TFLOPs", p.ceilings.gemm_bf16_TFLOPs}};
  j["protocol_description"] = p.protocol_description;
  j["models"] = json::array();
  for (const ProfileModel& m : p.models)
    j["models"].push_back({{"name", m.name}, {"family", m.family}, {"layer_pattern", m.layer_pattern}, {"params", m.params},
                           {"weight_bytes", m.weight_bytes}});
  j["rows"] = json::array();
  for (const ProfileRow& r : p.rows) {
    json o = {{"model", r.model}, {"length", r.length}, {"engine", r.engine}, {"protocol", r.protocol}};
    put_opt(o, "prefill_ms", r.prefill_ms);
    put_opt(o, "prefill_rel_spread", r.prefill_rel_spread);
    put_opt(o, "decode_ms_per_token", r.decode_ms_per_token);
    put_opt(o, "decode_rel_spread", r.decode_rel_spread);
    put_opt(o, "total_ms", r.total_ms);
    put_opt(o, "peak_bytes", r.peak_bytes);
    if (r.peak_by_category.total() > 0)
      o["peak_by_category"] = {{"weights", r.peak_by_category.weights}, {"state", r.peak_by_category.state},
                               {"kv", r.peak_by_category.kv}, {"activations", r.peak_by_category.activations},
                               {"workspace", r.peak_by_category.workspace}, {"other", r.peak_by_category.other}};
    put_opt(o, "planned_bytes", r.planned_bytes);
    put_opt(o, "device_used_bytes", r.device_used_bytes);
    put_opt(o, "oom_predicted", r.oom_predicted);
    put_opt(o, "pct_ceiling_prefill", r.pct_ceiling_prefill);
    put_opt(o, "pct_ceiling_decode", r.pct_ceiling_decode);
    if (!r.source.empty()) o["source"] = r.source;
    if (!r.note.empty()) o["note"] = r.note;
    j["rows"].push_back(std::move(o));
  }
  j["kernels"] = json::array();
  for (const KernelTime& k : p.kernels)
    j["kernels"].push_back({{"name", k.name}, {"op", k.op}, {"calls", k.calls}, {"total_ms", k.total_ms}});
  if (!p.kernel_summaries.empty()) {
    auto shares = [](const std::vector<KernelShare>& v) {
      json a = json::array();
      for (const KernelShare& k : v) {
        json o = {{"key", k.key}, {"calls", k.calls}, {"total_ms", k.total_ms}, {"share", k.share}};
        if (!k.op.empty()) o["op"] = k.op;
        a.push_back(std::move(o));
      }
      return a;
    };
    j["kernel_summaries"] = json::array();
    for (const KernelSummary& k : p.kernel_summaries)
      j["kernel_summaries"].push_back({{"phase", k.phase}, {"model", k.model}, {"length", k.length}, {"steps", k.steps},
                                       {"cuda_graphs", k.cuda_graphs}, {"trace", k.trace}, {"span_ms", k.span_ms},
                                       {"busy_ms", k.busy_ms}, {"records", k.records}, {"scoped_share", k.scoped_share},
                                       {"by_op", shares(k.by_op)}, {"by_layer", shares(k.by_layer)}, {"top", shares(k.top)}});
  }
  return j.dump(2) + "\n";
}

Profile parse_profile(const std::string& text, const std::string& file) {
  const Reader r{file};
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    r.fail("(top level)", std::string("not valid JSON: ") + e.what());
  }
  r.obj(j, "(top level)");
  if (r.str(j, "schema", "") != "mambascope.profile") r.fail("schema", "must be \"mambascope.profile\"");
  Profile p;
  p.schema_version = static_cast<int>(r.integer(j, "schema_version", "", true));
  if (p.schema_version != kProfileSchemaVersion)
    r.fail("schema_version", "version " + std::to_string(p.schema_version) + " is not supported (this build reads " +
                                 std::to_string(kProfileSchemaVersion) + ")");
  p.kind = r.str(j, "kind", "", true);
  if (p.kind != "bench" && p.kind != "peer" && p.kind != "paper" && p.kind != "profile")
    r.fail("kind", "must be bench, peer, paper or profile");
  p.created = r.str(j, "created", "");
  if (j.contains("machine")) {
    const json& m = r.obj(j["machine"], "machine");
    p.machine.gpu = r.str(m, "gpu", "machine");
    p.machine.sms = static_cast<int>(r.integer(m, "sms", "machine"));
    p.machine.memory_bytes = r.bytes(m, "memory_bytes", "machine");
    p.machine.sm_clock_mhz = static_cast<int>(r.integer(m, "sm_clock_mhz", "machine"));
    p.machine.mem_clock_mhz = static_cast<int>(r.integer(m, "mem_clock_mhz", "machine"));
    p.machine.driver = static_cast<int>(r.integer(m, "driver", "machine"));
    p.machine.cuda_runtime = static_cast<int>(r.integer(m, "cuda_runtime", "machine"));
  }
  if (j.contains("build")) {
    const json& b = r.obj(j["build"], "build");
    p.build = {r.str(b, "version", "build"), r.str(b, "git_sha", "build"), r.str(b, "build_type", "build"),
               r.str(b, "cuda_arch", "build")};
  }
  if (j.contains("ceilings")) {
    const json& c = r.obj(j["ceilings"], "ceilings");
    p.ceilings = {r.num(c, "copy_GBps", "ceilings"), r.num(c, "gemm_bf16_TFLOPs", "ceilings")};
  }
  p.protocol_description = r.str(j, "protocol_description", "");
  r.each(j, "models", "", false, [&](const json& m, const std::string& f) {
    p.models.push_back({r.str(m, "name", f, true), r.str(m, "family", f), r.str(m, "layer_pattern", f),
                        r.integer(m, "params", f), r.bytes(m, "weight_bytes", f)});
  });
  r.each(j, "rows", "", true, [&](const json& o, const std::string& f) {
    ProfileRow row;
    row.model = r.str(o, "model", f, true);
    row.length = r.integer(o, "length", f, true);
    if (row.length <= 0) r.fail(f + ".length", "must be positive");
    row.engine = r.str(o, "engine", f, true);
    row.protocol = r.str(o, "protocol", f, true);
    row.prefill_ms = r.opt_num(o, "prefill_ms", f);
    row.prefill_rel_spread = r.opt_num(o, "prefill_rel_spread", f);
    row.decode_ms_per_token = r.opt_num(o, "decode_ms_per_token", f);
    row.decode_rel_spread = r.opt_num(o, "decode_rel_spread", f);
    row.total_ms = r.opt_num(o, "total_ms", f);
    row.peak_bytes = r.opt_bytes(o, "peak_bytes", f);
    if (o.contains("peak_by_category")) {
      const std::string fc = f + ".peak_by_category";
      const json& c = r.obj(o["peak_by_category"], fc);
      row.peak_by_category = {r.bytes(c, "weights", fc), r.bytes(c, "state", fc), r.bytes(c, "kv", fc),
                              r.bytes(c, "activations", fc), r.bytes(c, "workspace", fc), r.bytes(c, "other", fc)};
    }
    row.planned_bytes = r.opt_bytes(o, "planned_bytes", f);
    row.device_used_bytes = r.opt_bytes(o, "device_used_bytes", f);
    row.oom_predicted = r.opt_bytes(o, "oom_predicted", f);
    row.pct_ceiling_prefill = r.opt_num(o, "pct_ceiling_prefill", f);
    row.pct_ceiling_decode = r.opt_num(o, "pct_ceiling_decode", f);
    row.source = r.str(o, "source", f);
    row.note = r.str(o, "note", f);
    if (row.engine == "paper" && row.source.empty()) r.fail(f + ".source", "a paper's value must name its source");
    p.rows.push_back(std::move(row));
  });
  r.each(j, "kernels", "", false, [&](const json& k, const std::string& f) {
    p.kernels.push_back({r.str(k, "name", f, true), r.str(k, "op", f), r.integer(k, "calls", f), r.num(k, "total_ms", f)});
  });
  r.each(j, "kernel_summaries", "", false, [&](const json& o, const std::string& f) {  // optional: older profiles lack it
    KernelSummary k;
    k.phase = r.str(o, "phase", f, true);
    k.model = r.str(o, "model", f);
    k.length = r.integer(o, "length", f);
    k.steps = static_cast<int>(r.integer(o, "steps", f));
    if (k.steps <= 0) r.fail(f + ".steps", "must be positive");
    if (o.contains("cuda_graphs")) {
      if (!o["cuda_graphs"].is_boolean()) r.fail(f + ".cuda_graphs", "must be true or false");
      k.cuda_graphs = o["cuda_graphs"].get<bool>();
    }
    k.trace = r.str(o, "trace", f);
    k.span_ms = r.num(o, "span_ms", f);
    k.busy_ms = r.num(o, "busy_ms", f);
    k.records = r.integer(o, "records", f);
    k.scoped_share = r.num(o, "scoped_share", f);
    for (auto [key, dst] : {std::pair{"by_op", &k.by_op}, std::pair{"by_layer", &k.by_layer}, std::pair{"top", &k.top}})
      r.each(o, key, f, false, [&, dst = dst](const json& x, const std::string& fe) {
        dst->push_back({r.str(x, "key", fe, true), r.str(x, "op", fe), r.integer(x, "calls", fe), r.num(x, "total_ms", fe),
                        r.num(x, "share", fe)});
      });
    p.kernel_summaries.push_back(std::move(k));
  });
  return p;
}

Profile read_profile(const std::string& path) { return parse_profile(read_text_file(path), path); }

void write_profile(const std::string& path, const Profile& p) { write_file_atomic(path, profile_to_json(p)); }

}  // namespace mambascope
