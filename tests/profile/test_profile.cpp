#include <catch2/catch.hpp>

#include "engine/profile/profile.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("profiles round-trip through JSON", "[profile]") {
  Profile p;
  p.created = "2026-11-23T10:00:00Z";
  p.machine.gpu = "NVIDIA H100 80GB HBM3";
  p.machine.sms = 132;
  p.ceilings = {2820.4, 787.0};
  p.models.push_back({"mmmamba-linear", "mmmamba", std::string(24, 'M'), 2'700'000'000, 5'400'000'000});
  ProfileRow r;
  r.model = "mmmamba-linear";
  r.length = 103424;
  r.prefill_ms = 123.5;
  r.decode_ms_per_token = 9.25;
  r.peak_bytes = 6'000'000'000;
  r.peak_by_category.weights = 5'400'000'000;
  r.peak_by_category.state = 100'000'000;
  r.planned_bytes = 6'100'000'000;
  p.rows.push_back(r);
  ProfileRow oom;
  oom.model = "transformer";
  oom.length = 1 << 20;
  oom.oom_predicted = 123'456'789'012;
  p.rows.push_back(oom);
  p.kernels.push_back({"ssd_chunk_scan_kernel", "ssd_scan", 64, 12.5});

  test::TempDir dir("prof");
  write_profile(dir.file("p.json"), p);
  const Profile q = read_profile(dir.file("p.json"));
  CHECK(q.machine.gpu == p.machine.gpu);
  CHECK(q.ceilings.copy_GBps == 2820.4);
  REQUIRE(q.rows.size() == 2);
  CHECK(q.rows[0].prefill_ms == 123.5);
  CHECK(q.rows[0].peak_by_category.weights == 5'400'000'000);
  CHECK_FALSE(q.rows[0].total_ms.has_value());
  CHECK(q.rows[1].oom_predicted == 123'456'789'012);
  CHECK_FALSE(q.rows[1].prefill_ms.has_value());
  CHECK(q.models[0].layer_pattern.size() == 24);
  CHECK(q.kernels[0].calls == 64);
  CHECK(profile_to_json(q) == profile_to_json(p));
}

TEST_CASE("malformed profiles are refused naming the field", "[profile]") {
  const std::string head = R"({"schema": "mambascope.profile", "schema_version": 1, "kind": "bench", )";
  REQUIRE_ERROR_MENTIONS(parse_profile("{", "p.json"), "p.json", "not valid JSON");
  REQUIRE_ERROR_MENTIONS(parse_profile(R"({"schema": "x"})", "p.json"), "schema", "mambascope.profile");
  REQUIRE_ERROR_MENTIONS(parse_profile(R"({"schema": "mambascope.profile", "schema_version": 7, "kind": "bench", "rows": []})", "p.json"),
                         "schema_version", "not supported");
  REQUIRE_ERROR_MENTIONS(parse_profile(head + R"("rows": [{"model": "m", "length": "1k", "engine": "mambascope", "protocol": "p"}]})", "p.json"),
                         "rows[0].length", "must be an integer");
  REQUIRE_ERROR_MENTIONS(parse_profile(head + R"("rows": [{"model": "m", "length": 1024, "engine": "paper", "protocol": "paper"}]})", "p.json"),
                         "rows[0].source", "must name its source");
  REQUIRE_ERROR_MENTIONS(parse_profile(head + R"("rows": {}})", "p.json"), "rows", "not an array");
}
