#pragma once
// The plot widget's math, free of any UI so that tests can check it: axis scales (linear, log10), tick
// placement and labels in the units a performance engineer reads (1k/4k/16k tokens, µs/ms/s, MiB/GiB, ×),
// data<->pixel maps, nearest-point hit testing, and the ranges that zooming, panning and fitting produce.
// app/gui/plot_widget.cpp draws with it.
#include <limits>
#include <string>
#include <vector>

namespace mambascope::plot {

enum class Scale { Linear, Log10 };

// What an axis counts; decides tick placement on log axes (powers of two for tokens and bytes, decades
// otherwise) and how labels read.
enum class Unit {
  Plain,         // 0.5, 10, 1.5k, 2M (SI suffixes)
  Tokens,        // 512, 1k, 4k, 101k (k = 1024 tokens, the convention of `--len 101k`)
  Milliseconds,  // value in ms, shown as ns / µs / ms / s
  Bytes,         // value in bytes, shown as B / KiB / MiB / GiB / TiB
  Ratio,         // 1.5×
  Percent,       // 40%
};

struct Range {
  double lo = 0, hi = 1;
  double span() const { return hi - lo; }
  bool operator==(const Range&) const = default;
};

struct Vec2 {
  double x = 0, y = 0;
};

double to_scale(double v, Scale s);    // linear: v; log10: log10(v), NaN for v <= 0
double from_scale(double t, Scale s);  // the inverse

// One axis: maps the data range onto the pixel interval [px_lo, px_hi] (px_lo is where range.lo lands:
// the left edge for x, the bottom edge for y, so px_lo > px_hi there).
struct AxisMap {
  Range range;
  Scale scale = Scale::Linear;
  double px_lo = 0, px_hi = 1;
  double to_px(double v) const;        // NaN where the value cannot be drawn (<= 0 on a log axis)
  double to_value(double px) const;
};

struct Tick {
  double value = 0;
  std::string label;  // empty for minor ticks
  bool major = true;
};

// Ticks inside [r.lo, r.hi]: about `target` labelled (major) ticks, at least 2 where the range allows, plus
// unlabelled minor ticks on log axes. Linear: steps of 1, 2 or 5 x 10^k (in the label's unit: GiB steps
// for bytes, k-token steps for tokens). Log10: decades (1-2-5 within a decade when few decades show);
// tokens and bytes use powers of two (1k, 4k, 16k) instead. A log range too narrow for two such labels
// (or, for decades, narrower than 1.2 decades) gets linear ticks.
std::vector<Tick> make_ticks(Range r, Scale s, Unit u, int target);

// A tick label: precision from `step` (the distance between labelled ticks, 0: as for a log tick, from the
// value itself); the display unit from `magnitude` (the largest |value| on the axis; 0: from the value).
std::string format_tick(double v, Unit u, double step, double magnitude);
// An exact value for a tooltip: 4 significant digits and the unit (1.235 ms, 16k (16384), 12.50 GiB).
std::string format_exact(double v, Unit u);

// Hit testing: the visible point nearest to `cursor` within `max_px`, points given in pixels (NaN skipped).
struct Hit {
  int series = -1, index = -1;
  double dist = std::numeric_limits<double>::infinity();
  bool found() const { return series >= 0; }
};
Hit nearest_point(const std::vector<std::vector<Vec2>>& px_points, const std::vector<bool>& visible, Vec2 cursor,
                  double max_px);

// The data range between two pixel positions on an axis, ordered lo < hi.
Range range_between(const AxisMap& a, double px_a, double px_b);

// Which axes a drag rectangle from p0 to p1 zooms: a drag shorter than `min_px` both ways is a click (None);
// a flat drag (height < min_px) zooms x only, a thin one (width < min_px) y only.
enum class ZoomAxes { None, X, Y, XY };
ZoomAxes zoom_axes_for_drag(Vec2 p0, Vec2 p1, double min_px);

// Mouse-wheel zoom by `factor` (< 1 zooms in) keeping the value under pixel `px` where it is.
Range zoom_about(const AxisMap& a, double px, double factor);
// Panning by `dpx` pixels (the content follows the mouse).
Range pan_by(const AxisMap& a, double dpx);

// The range that shows all finite `values` (and, on log axes, only the positive ones) with `pad` of the
// span added on each side in scale space. No values: 0..1 (log: 1..10); one value: a span around it.
Range fit_range(const std::vector<double>& values, Scale s, double pad = 0.05);
// Keeps a range drawable: ordered, positive on log axes, and not narrower than float pixels can resolve.
Range sanitize_range(Range r, Scale s);

// Greedy label thinning: keeps a label when it starts at least `gap` after the last kept one ends.
// centers/widths in pixels along the axis, in axis order.
std::vector<bool> non_overlapping(const std::vector<double>& centers, const std::vector<double>& widths, double gap);

}  // namespace mambascope::plot
