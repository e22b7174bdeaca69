// Progress of long loops on stderr: a redrawn bar on a terminal, plain lines otherwise.
#include <unistd.h>

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli.hpp"

namespace coldstart::cli {

// --- progress ------------------------------------------------------------------------------------

Progress::Mode Progress::parse_mode(const std::string& s) {
  if (s == "auto") return Mode::kAuto;
  if (s == "bar") return Mode::kBar;
  if (s == "lines") return Mode::kLines;
  if (s == "none") return Mode::kNone;
  throw UsageError("--progress must be auto, bar, lines or none (got '" + s + "')");
}

Progress::Progress(std::string what, Index total, Mode mode, double interval_s)
    : what_(std::move(what)), total_(total), mode_(mode), interval_s_(interval_s) {
  if (mode_ == Mode::kAuto) mode_ = ::isatty(STDERR_FILENO) ? Mode::kBar : Mode::kLines;
  start_ = last_ = std::chrono::steady_clock::now();
}

namespace {
std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<long long>(seconds + 0.5);
  std::ostringstream o;
  if (s >= 3600)
    o << s / 3600 << ":" << std::setw(2) << std::setfill('0') << (s / 60) % 60;
  else
    o << s / 60;
  o << ":" << std::setw(2) << std::setfill('0') << s % 60;
  return o.str();
}
}  // namespace

void Progress::draw(Index done, bool final) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
  std::ostringstream line;
  line << std::fixed << std::setprecision(1);
  if (mode_ == Mode::kBar) {
    constexpr int kWidth = 30;
    const int filled =
        total_ > 0 ? static_cast<int>(kWidth * static_cast<double>(done) / total_) : kWidth;
    line << "\r" << what_ << " [" << std::string(filled, '#') << std::string(kWidth - filled, '.')
         << "] " << done << "/" << total_ << " " << rate << " img/s ETA "
         << clock_text(final ? 0.0 : eta) << "   ";
    if (final) line << "\n";
  } else {
    line << what_ << ": " << done << "/" << total_ << " (" << rate << " img/s, elapsed "
         << clock_text(elapsed) << ", ETA " << clock_text(final ? 0.0 : eta) << ")\n";
  }
  std::cerr << line.str() << std::flush;
  last_ = now;
  last_done_ = done;
}

void Progress::update(Index done) {
  if (mode_ == Mode::kNone || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (mode_ == Mode::kBar) {
    if (since >= 0.1 || last_done_ < 0) draw(done, false);
    return;
  }
  const int decile = total_ > 0 ? static_cast<int>(10 * done / total_) : 10;
  if (decile > last_decile_ || since >= interval_s_) {
    last_decile_ = decile;
    draw(done, false);
  }
}

void Progress::finish() {
  if (mode_ == Mode::kNone || finished_) return;
  finished_ = true;
  if (mode_ == Mode::kLines && last_done_ == total_) return;  // the last line said it already
  draw(total_, true);
}

}  // namespace coldstart::cli
