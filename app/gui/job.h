#pragma once
// Background work for the GUI: a Job runs a function on its own thread, reports progress and a message,
// can be asked to stop, and hands back its value or the error it threw. The UI polls it once a frame and
// never waits on it (file loads, sweeps, model runs).
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace mambascope::gui {

// What the work sees: where to report progress and whether it was asked to stop.
class JobProgress {
 public:
  void report(double fraction, const std::string& message);
  bool cancelled() const { return cancel_.load(); }

  double fraction() const { return fraction_.load(); }
  std::string message() const;
  void request_cancel() { cancel_ = true; }

 private:
  std::atomic<double> fraction_{0};
  std::atomic<bool> cancel_{false};
  mutable std::mutex mutex_;
  std::string message_;
};

// The text an exception from a job carries to the UI (Error: its message with the fix; others: what()).
std::string describe_exception(std::exception_ptr e);

template <class T>
class Job {
 public:
  Job(std::string title, std::function<T(JobProgress&)> work) : title_(std::move(title)), state_(std::make_shared<State>()) {
    thread_ = std::thread([s = state_, work = std::move(work)] {
      try {
        T v = work(s->progress);
        std::lock_guard<std::mutex> lock(s->mutex);
        s->value = std::move(v);
      } catch (...) {
        std::lock_guard<std::mutex> lock(s->mutex);
        s->error = describe_exception(std::current_exception());
      }
      s->done = true;
    });
  }
  // Asks the work to stop and waits for it: work must check `cancelled()` in its long loops.
  ~Job() {
    state_->progress.request_cancel();
    if (thread_.joinable()) thread_.join();
  }
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  const std::string& title() const { return title_; }
  bool done() const { return state_->done.load(); }
  double fraction() const { return state_->progress.fraction(); }
  std::string message() const { return state_->progress.message(); }
  void cancel() { state_->progress.request_cancel(); }
  bool cancel_requested() const { return state_->progress.cancelled(); }

  // Once done(): the value (moved out; empty when the work threw) and the error text (empty when it did not).
  std::optional<T> take_value() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    std::optional<T> v = std::move(state_->value);
    state_->value.reset();
    return v;
  }
  std::string error() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->error;
  }

 private:
  struct State {
    JobProgress progress;
    std::atomic<bool> done{false};
    std::mutex mutex;
    std::optional<T> value;
    std::string error;
  };
  std::string title_;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace mambascope::gui
