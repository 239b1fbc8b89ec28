#include "yaml_emit.hpp"

#include <algorithm>
#include <cctype>

#include "numbers.hpp"

namespace xpledge {

namespace {

std::string joined(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

std::string flow_rule(const DocItem& r) {
  std::string out = "{ syscall: " + r.name;
  if (!r.args.empty()) {
    out += ", args: [";
    for (std::size_t i = 0; i < r.args.size(); ++i) {
      const DocArg& a = r.args[i];
      out += (i ? ", " : "") + std::string("{ index: ") + std::to_string(a.index) +
             ", op: " + a.op + ", value: " + number_label(a.value) + " }";
    }
    out += "]";
  }
  if (!r.errno_name.empty()) out += ", errno: " + r.errno_name;
  return out + " }";
}

std::string item_text(const DocItem& r) {
  if (!r.paths.empty()) {
    std::string out = "  - syscall: " + r.name + "\n";
    if (!r.access.empty()) out += "    access: " + r.access + "\n";
    out += "    path:\n";
    for (const auto& p : r.paths) out += "      - " + yaml_scalar(p) + "\n";
    return out;
  }
  if (!r.args.empty() || !r.errno_name.empty()) return "  - " + flow_rule(r) + "\n";
  return "  - " + r.name + (r.note.empty() ? "" : "  # " + r.note) + "\n";
}

std::string comment_lines(const std::vector<std::string>& lines, std::string_view indent) {
  std::string out;
  for (const auto& l : lines) out += std::string(indent) + l + "\n";
  return out;
}

}  // namespace

std::string emit_yaml(const PolicyDoc& doc) {
  std::string out = comment_lines(doc.header, "");
  out += "version: 1\n";
  out += "default: " + doc.default_action + "\n";
  out += "errno: " + doc.errno_name + "\n";
  if (!doc.abis.empty()) out += "abis: [" + joined(doc.abis, ", ") + "]\n";
  out += comment_lines(doc.include_comments, "");
  if (!doc.include.empty()) out += "include: [" + joined(doc.include, ", ") + "]\n";
  for (const DocList& list : doc.lists) {
    if (list.entries.empty()) continue;
    out += list.key + ":\n";
    for (const DocEntry& e : list.entries) {
      out += comment_lines(e.comments, "  ");
      if (e.item) out += item_text(*e.item);
    }
  }
  return out + comment_lines(doc.trailer, "");
}

std::vector<std::string> wrap_comment(std::string_view first, std::string_view next,
                                      const std::vector<std::string>& words, std::size_t width) {
  std::vector<std::string> out;
  std::string line(first);
  bool fresh = true;  // no word on this line yet
  for (const auto& w : words) {
    if (!fresh && line.size() + 1 + w.size() > width) {
      out.push_back(line);
      line = next;
    }
    line += " " + w;
    fresh = false;
  }
  out.push_back(line);
  return out;
}

std::vector<std::string> comment_words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t j = std::min(text.find(' ', i), text.size());
    out.emplace_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string yaml_scalar(std::string_view s) {
  const bool plain = !s.empty() && s.front() == '/' &&
                     std::all_of(s.begin(), s.end(), [](char ch) {
                       const auto c = static_cast<unsigned char>(ch);
                       return std::isalnum(c) || std::string_view("/._+-*?[]@%~=\\").find(ch) !=
                                                     std::string_view::npos;
                     });
  if (plain) return std::string(s);
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace xpledge
