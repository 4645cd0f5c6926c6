#include "harness/cli/styled_stdout.hpp"

#include <iostream>

namespace nsleak::cli {

// Collects a line, then hands it styled to the real buffer. sync() flushes the real buffer
// but keeps a partial line: a line is styled whole or not at all.
class StyledStdout::LineBuf : public std::streambuf {
 public:
  LineBuf(std::streambuf* out, const reports::TerminalStyle& style) : out_(out), style_(style) {}
  ~LineBuf() override { finish(); }

  void finish() {
    if (!line_.empty()) emit(false);
    out_->pubsync();
  }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    if (c == '\n') {
      emit(true);
    } else {
      line_ += static_cast<char>(c);
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) overflow(traits_type::to_int_type(s[i]));
    return n;
  }
  int sync() override { return out_->pubsync(); }

 private:
  void emit(bool newline) {
    std::string styled = reports::styled_line(line_, style_);
    if (newline) styled += '\n';
    out_->sputn(styled.data(), static_cast<std::streamsize>(styled.size()));
    line_.clear();
  }

  std::streambuf* out_;
  reports::TerminalStyle style_;
  std::string line_;
};

StyledStdout::StyledStdout(const reports::TerminalStyle& style) {
  if (!style.color && !style.ascii && style.width == 0) return;
  original_ = std::cout.rdbuf();
  buf_ = std::make_unique<LineBuf>(original_, style);
  std::cout.rdbuf(buf_.get());
}

StyledStdout::~StyledStdout() {
  if (!buf_) return;
  std::cout.flush();
  buf_->finish();
  std::cout.rdbuf(original_);
}

reports::ColorMode color_mode(const std::string& value) {
  if (value == "always") return reports::ColorMode::Always;
  if (value == "never") return reports::ColorMode::Never;
  return reports::ColorMode::Auto;
}

}  // namespace nsleak::cli
