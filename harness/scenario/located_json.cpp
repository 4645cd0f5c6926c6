#include "harness/scenario/located_json.hpp"

#include <algorithm>
#include <stdexcept>

#include "harness/scenario/parser.hpp"
#include "harness/scenario/quote.hpp"
#include "harness/scenario/utf8.hpp"

namespace nsleak::scenario {
namespace {

// --- Lexical helpers over text nlohmann has already accepted up to the current event. ---

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Skips whitespace and comments, exactly as nlohmann's lexer with ignore_comments does: `//`
// runs to '\n' or '\r', `/*` to the next `*/` (an unterminated one runs to the end). nlohmann
// also ends a `//` comment at a NUL byte, but those are rejected before parsing.
std::size_t skip_space_and_comments(std::string_view t, std::size_t i) {
  while (i < t.size()) {
    if (is_json_space(t[i])) {
      ++i;
    } else if (t.substr(i).starts_with("//")) {
      i = std::min(t.find_first_of("\n\r", i + 2), t.size());
    } else if (t.substr(i).starts_with("/*")) {
      const std::size_t close = t.find("*/", i + 2);
      i = close == std::string_view::npos ? t.size() : close + 2;
    } else {
      break;
    }
  }
  return i;
}

// Skips to the first character of the next token that produces a SAX event: the ',' and ':'
// separators produce none, so they are skipped with the space around them.
std::size_t skip_to_event_token(std::string_view t, std::size_t i) {
  for (i = skip_space_and_comments(t, i); i < t.size() && (t[i] == ',' || t[i] == ':');)
    i = skip_space_and_comments(t, i + 1);
  return i;
}

std::size_t number_end(std::string_view t, std::size_t start) {
  const std::size_t end = t.find_first_not_of("+-0123456789.eE", start);
  return end == std::string_view::npos ? t.size() : end;
}

// One past the closing quote of the (valid) string starting at t[start].
std::size_t string_end(std::string_view t, std::size_t start) {
  std::size_t i = start + 1;
  while (i < t.size() && t[i] != '"') i += t[i] == '\\' ? 2 : 1;
  return std::min(i + 1, t.size());
}

// One past the end of the scalar token (string, number or literal) starting at t[start].
std::size_t scalar_end(std::string_view t, std::size_t start) {
  switch (t[start]) {
    case '"': return string_end(t, start);
    case 't': return start + 4;  // true
    case 'n': return start + 4;  // null
    case 'f': return start + 5;  // false
    default: return number_end(t, start);
  }
}

// RFC 6901 escaping of one reference token.
std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    switch (c) {
      case '~': out += "~0"; break;
      case '/': out += "~1"; break;
      default: out += c;
    }
  }
  return out;
}

// nlohmann's message, e.g. "[json.exception.parse_error.101] parse error at line 1, column 4:
// syntax error while parsing value - invalid literal; last read: 'x'; expected end of input",
// keeps only its reason: our prefix already says where, and the raw token it repeats can hold
// any byte.
std::string syntax_message(std::string message, const std::string& last_token) {
  auto drop_through = [&message](std::string_view marker) {
    const std::size_t at = message.find(marker);
    if (at != std::string::npos) message.erase(0, at + marker.size());
  };
  if (message.starts_with("[json.exception.")) drop_through("] ");
  if (message.starts_with("parse error")) drop_through(": ");
  if (message.starts_with("syntax error while parsing ")) drop_through(" - ");
  const std::string last_read = "; last read: '" + last_token + "'";
  if (const std::size_t at = message.find(last_read); at != std::string::npos)
    message.erase(at, last_read.size());
  return "invalid JSON: " + escape_text(message);
}

}  // namespace

// Builds the DOM from SAX events. nlohmann calls each event right after lexing its token and
// before lexing the next, so the token's first character is found by skipping forward from
// the end of the previous token over what produces no event.
class LocatedJson::Builder final : public nlohmann::json_sax<Json> {
 public:
  explicit Builder(LocatedJson& doc) : doc_(doc), cursor_(skip_bom(doc.text_)) {}

  bool null() override { return scalar(nullptr); }
  bool boolean(bool v) override { return scalar(v); }
  bool number_integer(number_integer_t v) override { return scalar(v); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(v); }
  bool number_float(number_float_t v, const string_t&) override { return scalar(v); }
  bool string(string_t& v) override { return scalar(std::move(v)); }
  bool binary(binary_t&) override { return false; }  // JSON text has no binary values

  bool start_object(std::size_t) override { return open(Json::object(), '{'); }
  bool start_array(std::size_t) override { return open(Json::array(), '['); }
  bool end_object() override { return close('}'); }
  bool end_array() override { return close(']'); }

  bool key(string_t& k) override {
    const std::size_t start = token_start('"');
    cursor_ = string_end(doc_.text_, start);
    Frame& top = stack_.back();
    const std::string pointer = top.pointer + "/" + pointer_token(k);
    const auto [first, inserted] = doc_.key_offsets_.emplace(pointer, start);
    if (!inserted) {
      const Location earlier = doc_.positions_.at(first->second);
      throw ParseError(doc_.positions_.at(start), "duplicate key " + quote(k) + " (first at line " +
                                                      std::to_string(earlier.line) + ", column " +
                                                      std::to_string(earlier.col) + ")");
    }
    top.pending_key = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex) override {
    // `position` counts the bytes nlohmann read, the offending one (or the end) included.
    const std::size_t offset = position == 0 ? 0 : position - 1;
    throw ParseError(doc_.positions_.at(offset), syntax_message(ex.what(), last_token));
  }

 private:
  struct Frame {
    Json* container;
    std::string pointer;
    std::string pending_key;  // objects: the key whose value comes next
  };

  // Offset of the current event's token, checked against the character it must start with
  // ('0' stands for any number). A mismatch means this class and nlohmann's lexer disagree.
  std::size_t token_start(char expected) {
    const std::size_t start = skip_to_event_token(doc_.text_, cursor_);
    const char c = start < doc_.text_.size() ? doc_.text_[start] : '\0';
    const bool number = c == '-' || (c >= '0' && c <= '9');
    if (expected == '0' ? !number : c != expected)
      throw std::logic_error("located_json: lost track of the token position at byte " +
                             std::to_string(start));
    return start;
  }

  static char first_char_of(const Json& v) {
    switch (v.type()) {
      case Json::value_t::null: return 'n';
      case Json::value_t::boolean: return v.get<bool>() ? 't' : 'f';
      case Json::value_t::string: return '"';
      default: return '0';
    }
  }

  bool scalar(Json v) {
    const std::size_t start = token_start(first_char_of(v));
    cursor_ = scalar_end(doc_.text_, start);
    place(std::move(v), start);
    return true;
  }

  bool open(Json container, char bracket) {
    const std::size_t start = token_start(bracket);
    cursor_ = start + 1;
    if (stack_.size() >= kMaxJsonNesting)
      throw ParseError(doc_.positions_.at(start),
                       "nesting deeper than " + std::to_string(kMaxJsonNesting) + " levels");
    auto [slot, pointer] = place(std::move(container), start);
    stack_.push_back(Frame{&slot, std::move(pointer), {}});
    return true;
  }

  bool close(char bracket) {
    cursor_ = token_start(bracket) + 1;
    stack_.pop_back();
    return true;
  }

  // Puts `v` where the document's next value goes and records where it starts. Only the
  // innermost open container grows, so the Json* held for its ancestors stay valid.
  std::pair<Json&, std::string> place(Json v, std::size_t start) {
    if (stack_.empty()) {
      doc_.root_ = std::move(v);
      doc_.value_offsets_.emplace("", start);
      return {doc_.root_, ""};
    }
    Frame& top = stack_.back();
    Json& parent = *top.container;
    if (parent.is_array()) {
      std::string pointer = top.pointer + "/" + std::to_string(parent.size());
      doc_.value_offsets_.emplace(pointer, start);
      parent.push_back(std::move(v));
      return {parent.back(), std::move(pointer)};
    }
    std::string pointer = top.pointer + "/" + pointer_token(top.pending_key);
    doc_.value_offsets_.emplace(pointer, start);
    // ordered_map's own insert searches its members linearly for the key (quadratic for an
    // object of thousands of functions); key() has already rejected duplicates, so append.
    auto& members = static_cast<Json::object_t::Container&>(parent.get_ref<Json::object_t&>());
    members.emplace_back(std::move(top.pending_key), std::move(v));
    return {members.back().second, std::move(pointer)};
  }

  LocatedJson& doc_;
  std::size_t cursor_;  // end of the last token an event was seen for
  std::vector<Frame> stack_;
};

LocatedJson::LocatedJson(std::string_view text, const std::string& file)
    : text_(text), positions_(text, file) {
  reject_bad_bytes();
  reject_empty();
  Builder builder(*this);
  Json::sax_parse(text_.data(), text_.data() + text_.size(), &builder, Json::input_format_t::json,
                  /*strict=*/true, /*ignore_comments=*/true);
}

// Checked up front: nlohmann checks UTF-8 only inside strings, and its messages would carry
// the raw bytes. It also takes a NUL byte for the end of the input (or of a // comment), which
// would let whatever follows one pass unread.
void LocatedJson::reject_bad_bytes() const {
  const std::size_t nul = text_.find('\0');
  if (const auto bad = first_invalid_utf8(text_.substr(0, nul)))
    throw ParseError(positions_.at(*bad), "invalid UTF-8 byte sequence starting with " +
                                              escape_text(text_.substr(*bad, 1)));
  if (nul != std::string_view::npos)
    throw ParseError(positions_.at(nul), "unexpected NUL byte (\\x00)");
}

void LocatedJson::reject_empty() const {
  const std::size_t start = skip_bom(text_);
  if (text_.find_first_not_of(" \t\r\n", start) == std::string_view::npos)
    throw ParseError(positions_.at(text_.size()), "empty file: expected a JSON object");
}

Location JsonNode::loc() const { return doc_->positions_.at(doc_->value_offsets_.at(pointer_)); }

Location JsonNode::key_loc() const {
  const auto it = doc_->key_offsets_.find(pointer_);
  return it == doc_->key_offsets_.end() ? loc() : doc_->positions_.at(it->second);
}

JsonNode JsonNode::child(const Json& value, const std::string& token) const {
  return JsonNode(*doc_, value, pointer_ + "/" + token);
}

bool JsonNode::has(const std::string& key) const {
  return value_->is_object() && value_->contains(key);
}

JsonNode JsonNode::member(const std::string& key) const {
  return child(value_->at(key), pointer_token(key));
}

std::vector<std::pair<std::string, JsonNode>> JsonNode::members() const {
  std::vector<std::pair<std::string, JsonNode>> out;
  for (const auto& [key, value] : value_->items())
    out.emplace_back(key, child(value, pointer_token(key)));
  return out;
}

std::vector<JsonNode> JsonNode::elements() const {
  std::vector<JsonNode> out;
  for (std::size_t i = 0; i < value_->size(); ++i)
    out.push_back(child((*value_)[i], std::to_string(i)));
  return out;
}

std::string JsonNode::describe() const {
  switch (value_->type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return value_->get<bool>() ? "boolean true" : "boolean false";
    case Json::value_t::string: return "string " + quote(value_->get<std::string>());
    case Json::value_t::array: return "array";
    case Json::value_t::object: return "object";
    default: {
      // As written: 1e3 stays "1e3" and a literal too big for 64 bits stays whole.
      const std::size_t start = doc_->value_offsets_.at(pointer_);
      return "number " +
             std::string(doc_->text_.substr(start, number_end(doc_->text_, start) - start));
    }
  }
}

}  // namespace nsleak::scenario
