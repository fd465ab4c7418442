#include "app/gui/plot_math.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mambascope::plot {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kKi = 1024.0;

struct DisplayUnit {
  double divisor = 1;
  const char* suffix = "";
  bool space = false;  // "16 GiB" but "16k"
};

// The unit a label is shown in, chosen from the magnitude it has to show.
DisplayUnit display_unit(Unit u, double m) {
  m = std::fabs(m);
  switch (u) {
    case Unit::Plain:
      if (m >= 1e9) return {1e9, "G"};
      if (m >= 1e6) return {1e6, "M"};
      if (m >= 1e3) return {1e3, "k"};
      return {};
    case Unit::Tokens:
      if (m >= kKi * kKi) return {kKi * kKi, "M"};
      if (m >= kKi) return {kKi, "k"};
      return {};
    case Unit::Milliseconds:
      if (m >= 1e3) return {1e3, "s", true};
      if (m >= 1) return {1, "ms", true};
      if (m >= 1e-3) return {1e-3, "\xC2\xB5s", true};  // µs
      return {1e-6, "ns", true};
    case Unit::Bytes:
      if (m >= kKi * kKi * kKi * kKi) return {kKi * kKi * kKi * kKi, "TiB", true};
      if (m >= kKi * kKi * kKi) return {kKi * kKi * kKi, "GiB", true};
      if (m >= kKi * kKi) return {kKi * kKi, "MiB", true};
      if (m >= kKi) return {kKi, "KiB", true};
      return {1, "B", true};
    case Unit::Ratio: return {1, "\xC3\x97"};  // ×
    case Unit::Percent: return {1, "%"};
  }
  return {};
}

// The fewest decimals (0..12) that write `v` without losing what a tick at that value means.
int decimals_for_value(double v) {
  const double a = std::fabs(v);
  for (int d = 0; d < 12; ++d) {
    const double p = std::pow(10.0, d);
    if (std::fabs(std::round(a * p) / p - a) <= 1e-9 * a) return d;
  }
  return 12;
}

std::string compose(double scaled, int decimals, const DisplayUnit& du) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, scaled);
  std::string s = buf;
  if (s.find_first_not_of("-0.") == std::string::npos) s.assign(1, '0');  // "-0.00" and "0.0" read as 0
  if (*du.suffix) {
    if (du.space) s += ' ';
    s += du.suffix;
  }
  return s;
}

// The smallest 1, 2 or 5 x 10^k that is at least `raw`: at most target + 1 ticks.
double nice_step(double raw) {
  const double e = std::floor(std::log10(raw));
  const double p = std::pow(10.0, e);
  const double f = raw / p;
  const double n = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
  return n * p;
}

// The next smaller step on the 1-2-5 ladder.
double smaller_step(double step) {
  const double e = std::floor(std::log10(step) + 1e-9);
  const double p = std::pow(10.0, e);
  const double m = std::round(step / p);
  return m >= 5 ? 2 * p : m >= 2 ? p : 0.5 * p;
}

std::vector<Tick> linear_ticks(Range r, Unit u, int target) {
  const double magnitude = std::max(std::fabs(r.lo), std::fabs(r.hi));
  // Steps are nice in the unit the labels are written in: 10 GiB, 16k tokens (as 20k), 250 µs.
  double div = 1;
  if (u == Unit::Bytes || u == Unit::Tokens) div = display_unit(u, magnitude).divisor;
  double unit_step = nice_step(r.span() / div / target);
  double step = unit_step * div;
  std::vector<Tick> ticks;
  if (!(step > 0) || !std::isfinite(step)) return ticks;
  double i0 = std::ceil(r.lo / step - 1e-9), i1 = std::floor(r.hi / step + 1e-9);
  for (int k = 0; k < 4 && i1 - i0 < 1; ++k) {  // a coarse step can miss the range: at least 2 ticks
    unit_step = smaller_step(unit_step);
    step = unit_step * div;
    i0 = std::ceil(r.lo / step - 1e-9);
    i1 = std::floor(r.hi / step + 1e-9);
  }
  if (i1 - i0 > 1000) return ticks;
  for (double i = i0; i <= i1; i += 1) {
    double v = i * step;
    if (std::fabs(v) < step * 1e-9) v = 0;
    ticks.push_back({v, format_tick(v, u, step, magnitude), true});
  }
  return ticks;
}

bool in_range(double v, double lo, double hi) { return v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9); }

int count_majors(const std::vector<Tick>& t) {
  return static_cast<int>(std::count_if(t.begin(), t.end(), [](const Tick& k) { return k.major; }));
}

// Decades for quantities without a binary convention (ms, tokens/s, ratios).
std::vector<Tick> log_decimal_ticks(double lo, double hi, Unit u, int target) {
  // Under about a decade and a half, decades and 1-2-5 leave one or two labels: linear ticks read better.
  if (std::log10(hi / lo) < 1.2) return {};
  const int d0 = static_cast<int>(std::floor(std::log10(lo))), d1 = static_cast<int>(std::ceil(std::log10(hi)));
  auto collect = [&](std::initializer_list<int> mantissas, int stride) {
    std::vector<double> out;
    for (int d = d0; d <= d1; ++d) {
      if (((d % stride) + stride) % stride != 0) continue;
      for (int m : mantissas) {
        const double v = m * std::pow(10.0, d);
        if (in_range(v, lo, hi)) out.push_back(v);
      }
    }
    return out;
  };
  int stride = 1;
  std::vector<double> majors = collect({1}, 1);
  while (static_cast<int>(majors.size()) > target) majors = collect({1}, ++stride);
  if (majors.size() < 3) {
    std::vector<double> finer = collect({1, 2, 5}, 1);
    if (finer.size() > majors.size() && static_cast<int>(finer.size()) <= std::max(target, 3)) majors = finer;
  }
  if (majors.size() < 2) {
    std::vector<double> finest = collect({1, 2, 3, 4, 5, 6, 7, 8, 9}, 1);
    if (static_cast<int>(finest.size()) <= std::max(target, 3)) majors = finest;
  }
  std::vector<Tick> ticks;
  if (majors.size() < 2) return ticks;
  for (double v : majors) ticks.push_back({v, format_tick(v, u, 0, 0), true});
  if (d1 - d0 <= 3 * target) {
    for (double v : collect({1, 2, 3, 4, 5, 6, 7, 8, 9}, 1))
      if (std::none_of(majors.begin(), majors.end(), [&](double m) { return std::fabs(m - v) <= 1e-9 * v; }))
        ticks.push_back({v, "", false});
  }
  std::sort(ticks.begin(), ticks.end(), [](const Tick& a, const Tick& b) { return a.value < b.value; });
  return ticks;
}

// Powers of two for tokens and bytes: 1k 2k 4k ... or, when crowded, every 2nd/5th/10th power (1k 4k 16k).
std::vector<Tick> log_binary_ticks(double lo, double hi, Unit u, int target) {
  const int e0 = static_cast<int>(std::ceil(std::log2(lo) - 1e-9)), e1 = static_cast<int>(std::floor(std::log2(hi) + 1e-9));
  std::vector<Tick> ticks;
  if (e1 - e0 + 1 < 2) return ticks;
  auto is_major = [](int e, int stride) { return ((e % stride) + stride) % stride == 0; };
  int stride = 1;
  for (int s : {1, 2, 5, 10, 20, 50}) {
    stride = s;
    int n = 0;
    for (int e = e0; e <= e1; ++e) n += is_major(e, s);
    if (n <= target) break;
  }
  const bool minors = (e1 - e0 + 1) <= 8 * target;
  for (int e = e0; e <= e1; ++e) {
    const double v = std::ldexp(1.0, e);
    if (is_major(e, stride)) ticks.push_back({v, format_tick(v, u, 0, 0), true});
    else if (minors) ticks.push_back({v, "", false});
  }
  if (count_majors(ticks) < 2) ticks.clear();
  return ticks;
}

}  // namespace

double to_scale(double v, Scale s) {
  if (s == Scale::Linear) return v;
  return v > 0 ? std::log10(v) : kNaN;
}

double from_scale(double t, Scale s) { return s == Scale::Linear ? t : std::pow(10.0, t); }

double AxisMap::to_px(double v) const {
  const double t = to_scale(v, scale), t0 = to_scale(range.lo, scale), t1 = to_scale(range.hi, scale);
  if (!std::isfinite(t) || !(t1 != t0)) return kNaN;
  return px_lo + (t - t0) / (t1 - t0) * (px_hi - px_lo);
}

double AxisMap::to_value(double px) const {
  const double t0 = to_scale(range.lo, scale), t1 = to_scale(range.hi, scale);
  if (px_hi == px_lo) return range.lo;
  return from_scale(t0 + (px - px_lo) / (px_hi - px_lo) * (t1 - t0), scale);
}

std::string format_tick(double v, Unit u, double step, double magnitude) {
  if (v == 0) return "0";
  const DisplayUnit du = display_unit(u, magnitude > 0 ? magnitude : v);
  const double scaled = v / du.divisor;
  int decimals;
  if (step > 0) {
    const double s = step / du.divisor;
    decimals = std::clamp(static_cast<int>(-std::floor(std::log10(s) + 1e-9)), 0, 12);
  } else {
    decimals = decimals_for_value(scaled);
  }
  return compose(scaled, decimals, du);
}

std::string format_exact(double v, Unit u) {
  if (!std::isfinite(v)) return "n/a";
  char buf[96];
  if (u == Unit::Tokens && v == std::round(v)) {
    const long long n = static_cast<long long>(v);
    if (n >= 1024 && n % 1024 == 0) std::snprintf(buf, sizeof buf, "%lldk (%lld)", n / 1024, n);
    else std::snprintf(buf, sizeof buf, "%lld", n);
    return buf;
  }
  if (u == Unit::Percent) {
    std::snprintf(buf, sizeof buf, "%.1f%%", v);
    return buf;
  }
  const DisplayUnit du = display_unit(u, v);
  const double scaled = v / du.divisor;
  const int e = scaled == 0 ? 0 : static_cast<int>(std::floor(std::log10(std::fabs(scaled))));
  return compose(scaled, std::clamp(3 - e, 0, 9), du);
}

std::vector<Tick> make_ticks(Range r, Scale s, Unit u, int target) {
  target = std::max(target, 2);
  if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || !(r.hi > r.lo)) return {};
  if (s == Scale::Log10) {
    if (!(r.hi > 0)) return {};
    const double lo = r.lo > 0 ? r.lo : r.hi * 1e-12;
    std::vector<Tick> t = (u == Unit::Tokens || u == Unit::Bytes) ? log_binary_ticks(lo, r.hi, u, target)
                                                                  : log_decimal_ticks(lo, r.hi, u, target);
    if (count_majors(t) >= 2) return t;
    return linear_ticks({lo, r.hi}, u, target);
  }
  return linear_ticks(r, u, target);
}

Hit nearest_point(const std::vector<std::vector<Vec2>>& px_points, const std::vector<bool>& visible, Vec2 cursor,
                  double max_px) {
  Hit best;
  for (size_t s = 0; s < px_points.size(); ++s) {
    if (s < visible.size() && !visible[s]) continue;
    for (size_t i = 0; i < px_points[s].size(); ++i) {
      const Vec2 p = px_points[s][i];
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      const double d = std::hypot(p.x - cursor.x, p.y - cursor.y);
      if (d <= max_px && d < best.dist) best = {static_cast<int>(s), static_cast<int>(i), d};
    }
  }
  return best;
}

Range range_between(const AxisMap& a, double px_a, double px_b) {
  const double va = a.to_value(px_a), vb = a.to_value(px_b);
  return sanitize_range({std::min(va, vb), std::max(va, vb)}, a.scale);
}

ZoomAxes zoom_axes_for_drag(Vec2 p0, Vec2 p1, double min_px) {
  const double dx = std::fabs(p1.x - p0.x), dy = std::fabs(p1.y - p0.y);
  if (dx < min_px && dy < min_px) return ZoomAxes::None;
  if (dy < min_px) return ZoomAxes::X;
  if (dx < min_px) return ZoomAxes::Y;
  return ZoomAxes::XY;
}

Range zoom_about(const AxisMap& a, double px, double factor) {
  const double t = to_scale(a.to_value(px), a.scale);
  const double t0 = to_scale(a.range.lo, a.scale), t1 = to_scale(a.range.hi, a.scale);
  return sanitize_range({from_scale(t - (t - t0) * factor, a.scale), from_scale(t + (t1 - t) * factor, a.scale)}, a.scale);
}

Range pan_by(const AxisMap& a, double dpx) {
  const double t0 = to_scale(a.range.lo, a.scale), t1 = to_scale(a.range.hi, a.scale);
  if (a.px_hi == a.px_lo) return a.range;
  const double dt = (t1 - t0) * dpx / (a.px_hi - a.px_lo);
  return sanitize_range({from_scale(t0 - dt, a.scale), from_scale(t1 - dt, a.scale)}, a.scale);
}

Range fit_range(const std::vector<double>& values, Scale s, double pad) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    const double t = to_scale(v, s);
    if (!std::isfinite(t)) continue;
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  if (!(hi >= lo)) return s == Scale::Linear ? Range{0, 1} : Range{1, 10};
  if (hi == lo) {
    if (s == Scale::Log10) return {from_scale(lo - 0.5, s), from_scale(hi + 0.5, s)};
    const double half = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    return {lo - half, hi + half};
  }
  const double p = (hi - lo) * pad;
  return {from_scale(lo - p, s), from_scale(hi + p, s)};
}

Range sanitize_range(Range r, Scale s) {
  if (!std::isfinite(r.lo) || !std::isfinite(r.hi)) return s == Scale::Linear ? Range{0, 1} : Range{1, 10};
  if (r.lo > r.hi) std::swap(r.lo, r.hi);
  if (s == Scale::Log10) {
    if (!(r.hi > 0)) return {1, 10};
    if (!(r.lo > 0)) r.lo = r.hi * 1e-6;
    double t0 = std::log10(r.lo), t1 = std::log10(r.hi);
    if (t1 - t0 < 1e-9) {
      const double c = 0.5 * (t0 + t1);
      t0 = c - 5e-10;
      t1 = c + 5e-10;
    }
    return {std::pow(10.0, t0), std::pow(10.0, t1)};
  }
  const double min_span = 1e-12 * std::max({1.0, std::fabs(r.lo), std::fabs(r.hi)});
  if (r.hi - r.lo < min_span) {
    const double c = 0.5 * (r.lo + r.hi);
    r = {c - min_span / 2, c + min_span / 2};
  }
  return r;
}

std::vector<bool> non_overlapping(const std::vector<double>& centers, const std::vector<double>& widths, double gap) {
  std::vector<bool> keep(centers.size(), false);
  double last_end = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < centers.size(); ++i) {
    const double w = i < widths.size() ? widths[i] : 0;
    const double start = centers[i] - w / 2;
    if (start >= last_end + gap) {
      keep[i] = true;
      last_end = centers[i] + w / 2;
    }
  }
  return keep;
}

}  // namespace mambascope::plot
