#include "app/gui/status_bar.h"

#include <algorithm>

#include <imgui.h>

#include "app/gui/plot_math.h"
#include "app/gui/ui_common.h"
#include "engine/core/cuda.h"

namespace mambascope::gui {

DeviceStatus query_device_status() {
  try {
    const CudaRuntimeInfo info = cuda_runtime_info();
    if (!info.built_with_cuda) return {"CPU backend \xC2\xB7 built without CUDA", false};
    if (info.device_count == 0) return {"CPU backend \xC2\xB7 " + info.status, false};
    const std::vector<CudaDeviceInfo> devs = cuda_devices();
    if (devs.empty()) return {"CPU backend \xC2\xB7 no CUDA device", false};
    const CudaDeviceInfo& d = devs.front();
    const double used = static_cast<double>(d.total_bytes - d.free_bytes);
    std::string text = d.name + " \xC2\xB7 " + plot::format_exact(used, plot::Unit::Bytes) + " of " +
                       plot::format_exact(static_cast<double>(d.total_bytes), plot::Unit::Bytes) + " in use";
    if (devs.size() > 1) text += " (device 0 of " + std::to_string(devs.size()) + ")";
    return {text, true};
  } catch (const std::exception& e) {
    return {std::string("CPU backend \xC2\xB7 ") + e.what(), false};
  }
}

bool status_busy(const StatusState& s) { return s.query != nullptr || !s.have_device_status; }

void draw_status_bar(StatusState& s, GuiContext& ctx) {
  const double now = ImGui::GetTime();
  if (!s.query && now >= s.next_query && (s.device.gpu || !s.have_device_status))
    s.query = std::make_unique<Job<DeviceStatus>>("device query", [](JobProgress&) { return query_device_status(); });
  if (s.query && s.query->done()) {
    if (auto d = s.query->take_value()) s.device = *d;
    s.have_device_status = true;
    s.query.reset();
    s.next_query = now + 2.0;  // memory in use changes while jobs run
  }
  if (!s.have_device_status) ctx.animating = true;

  ImGui::Separator();
  ImGui::TextColored(s.device.gpu ? ImVec4(0.55f, 0.85f, 0.55f, 1.f) : ImVec4(0.75f, 0.75f, 0.78f, 1.f), "%s",
                     s.have_device_status ? s.device.text.c_str() : "querying the device...");
  if (!ctx.job_line.empty()) {
    ImGui::SameLine(0, ImGui::GetFontSize() * 2);
    if (ctx.job_fraction >= 0) {
      ImGui::ProgressBar(static_cast<float>(ctx.job_fraction), {ImGui::GetFontSize() * 8, ImGui::GetTextLineHeight()});
      ImGui::SameLine();
    }
    ImGui::TextUnformatted(ctx.job_line.c_str());
  }
  if (!ctx.notices.empty()) {
    const Notice& n = ctx.notices.back();
    const std::string first_line = n.text.substr(0, n.text.find('\n'));
    const float w = ImGui::CalcTextSize(first_line.c_str()).x;
    ImGui::SameLine(std::max(ImGui::GetCursorPosX() + ImGui::GetFontSize() * 2, ImGui::GetWindowContentRegionMax().x - w));
    ImGui::TextColored(n.error ? colors::kError : ImVec4(0.7f, 0.72f, 0.76f, 1.f), "%s", first_line.c_str());
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      for (auto it = ctx.notices.rbegin(); it != ctx.notices.rend() && it - ctx.notices.rbegin() < 12; ++it)
        ImGui::TextColored(it->error ? colors::kError : ImVec4(0.8f, 0.8f, 0.82f, 1.f), "%s", it->text.c_str());
      ImGui::EndTooltip();
    }
  }
}

}  // namespace mambascope::gui
