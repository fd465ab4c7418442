#include "engine/profile/trace.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/file.h"

namespace mambascope {
using nlohmann::json;

namespace {

constexpr const char* kSchema = "mambascope.trace";


struct EventReader {
  const std::string& file;
  std::string where;  // "traceEvents[3]"
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(what, file, where + (field.empty() ? "" : "." + field),
                "write the trace as Chrome trace JSON (complete events, ph \"X\", ts and dur in microseconds), "
                "e.g. with `mambascope profile --trace out.json`");
  }
  double number(const json& j, const char* k, bool required) const {
    if (!j.contains(k) || j[k].is_null()) {
      if (required) fail(k, "missing");
      return 0;
    }
    if (!j[k].is_number()) fail(k, "must be a number");
    return j[k].get<double>();
  }
  std::array<int, 3> dims(const json& args, const char* k) const {
    std::array<int, 3> d{1, 1, 1};
    if (!args.contains(k)) return d;
    const json& a = args[k];
    if (!a.is_array() || a.size() != 3) fail(std::string("args.") + k, "must be an array of 3 integers");
    for (size_t i = 0; i < 3; ++i) {
      if (!a[i].is_number_integer() || a[i].get<int64_t>() < 0) fail(std::string("args.") + k, "must be an array of 3 integers");
      d[i] = a[i].get<int>();
    }
    return d;
  }
  int64_t integer(const json& args, const char* k, int64_t fallback) const {
    if (!args.contains(k) || args[k].is_null()) return fallback;
    if (!args[k].is_number_integer()) fail(std::string("args.") + k, "must be an integer");
    return args[k].get<int64_t>();
  }
};

}  // namespace

std::optional<double> KernelRecord::achieved_GBps() const {
  const int64_t d = duration_ns();
  if (!bytes || d <= 0) return std::nullopt;
  return static_cast<double>(*bytes) / static_cast<double>(d);  // bytes per ns == GB/s
}

std::string trace_to_chrome_json(const Trace& t) {
  json events = json::array();
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 0}, {"args", {{"name", t.gpu.empty() ? "GPU" : t.gpu}}}});
  // One lane (tid) per CUDA stream; the layer and op are in each event's args (the GUI lays lanes out by them).
  std::map<int, bool> streams;
  for (const KernelRecord& k : t.kernels) streams[k.stream] = true;
  for (const auto& [stream, _] : streams)
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", stream},
                      {"args", {{"name", "stream " + std::to_string(stream)}}}});
  for (const KernelRecord& k : t.kernels) {
    const std::string scope = (k.layer < 0 ? std::string() : "layer " + std::to_string(k.layer) + (k.op.empty() ? "" : " / ")) + k.op;
    json args = {{"op", k.op}, {"layer", k.layer}, {"scope", scope}, {"kind", k.kind}, {"stream", k.stream},
                 {"start_ns", k.start_ns}, {"end_ns", k.end_ns}, {"grid", k.grid}, {"block", k.block},
                 {"registers", k.registers}, {"shared_bytes", k.shared_bytes}};
    if (k.bytes) args["bytes"] = *k.bytes;
    events.push_back({{"name", k.name}, {"cat", k.kind}, {"ph", "X"}, {"pid", 0}, {"tid", k.stream},
                      {"ts", static_cast<double>(k.start_ns) / 1e3}, {"dur", static_cast<double>(k.duration_ns()) / 1e3},
                      {"args", std::move(args)}});
  }
  json j = {{"traceEvents", std::move(events)},
            {"displayTimeUnit", "ns"},
            {"otherData", {{"schema", kSchema}, {"version", 2}, {"title", t.title}, {"gpu", t.gpu}}}};
  return j.dump(1) + "\n";
}

Trace parse_chrome_trace(const std::string& text, const std::string& file) {
  EventReader r{file, "(top level)"};
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    r.fail("", std::string("not valid JSON: ") + e.what());
  }
  Trace t;
  const json* events = nullptr;
  bool ours = false;
  if (j.is_array()) {
    events = &j;  // the bare-array form of the format
  } else if (j.is_object() && j.contains("traceEvents") && j["traceEvents"].is_array()) {
    events = &j["traceEvents"];
    if (j.contains("otherData") && j["otherData"].is_object()) {
      const json& o = j["otherData"];
      ours = o.contains("schema") && o["schema"] == kSchema;
      if (o.contains("title") && o["title"].is_string()) t.title = o["title"].get<std::string>();
      if (o.contains("gpu") && o["gpu"].is_string()) t.gpu = o["gpu"].get<std::string>();
    }
  } else {
    r.fail("traceEvents", "missing or not an array (not a Chrome trace)");
  }
  // A foreign trace mixes CPU and GPU events; its GPU kernels are the events of category "kernel".
  bool has_kernel_cat = false;
  for (const json& e : *events)
    if (e.is_object() && e.contains("ph") && e["ph"] == "X" && e.contains("cat") && e["cat"] == "kernel")
      has_kernel_cat = true;
  for (size_t i = 0; i < events->size(); ++i) {
    const json& e = (*events)[i];
    r.where = "traceEvents[" + std::to_string(i) + "]";
    if (!e.is_object()) r.fail("", "must be an object");
    if (!e.contains("ph") || !e["ph"].is_string()) r.fail("ph", "missing or not a string");
    if (e["ph"] != "X") continue;  // metadata, instants, counters: not kernels
    const std::string cat = e.contains("cat") && e["cat"].is_string() ? e["cat"].get<std::string>() : "";
    if (!ours && has_kernel_cat && cat != "kernel") continue;
    if (!e.contains("name") || !e["name"].is_string()) r.fail("name", "missing or not a string");
    static const json kEmpty = json::object();
    const json& args = e.contains("args") && e["args"].is_object() ? e["args"] : kEmpty;
    KernelRecord k;
    k.name = e["name"].get<std::string>();
    // Ours write the op in args (version 1 also in "cat"); version 2 and PyTorch put the kind in "cat".
    k.op = args.contains("op") && args["op"].is_string() ? args["op"].get<std::string>() : cat;
    k.layer = static_cast<int>(r.integer(args, "layer", -1));
    if (args.contains("kind") && args["kind"].is_string()) k.kind = args["kind"].get<std::string>();
    else if (cat.find("memcpy") != std::string::npos) k.kind = "memcpy";
    else if (cat.find("memset") != std::string::npos) k.kind = "memset";
    k.stream = static_cast<int>(r.integer(args, "stream", 0));
    const double ts = r.number(e, "ts", true), dur = r.number(e, "dur", true);
    if (dur < 0) r.fail("dur", "must not be negative");
    // Exact nanoseconds when we wrote the file; otherwise from the microsecond fields.
    k.start_ns = r.integer(args, "start_ns", std::llround(ts * 1e3));
    k.end_ns = r.integer(args, "end_ns", k.start_ns + std::llround(dur * 1e3));
    if (k.end_ns < k.start_ns) r.fail("args.end_ns", "must not be before start_ns");
    k.grid = r.dims(args, "grid");
    k.block = r.dims(args, "block");
    k.registers = static_cast<int>(r.integer(args, "registers", r.integer(args, "registers per thread", 0)));
    k.shared_bytes = r.integer(args, "shared_bytes", r.integer(args, "shared memory", 0));
    const int64_t bytes = r.integer(args, "bytes", -1);
    if (bytes >= 0) k.bytes = static_cast<uint64_t>(bytes);
    t.kernels.push_back(std::move(k));
  }
  return t;
}

Trace read_trace(const std::string& path) { return parse_chrome_trace(read_text_file(path), path); }

void write_trace(const std::string& path, const Trace& t) { write_file_atomic(path, trace_to_chrome_json(t)); }

}  // namespace mambascope
