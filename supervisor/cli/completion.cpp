#include "completion.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

namespace xpledge {

namespace {

// ---- the CLI tree as completion sees it -----------------------------------------------------

enum class ValueKind { none, words, files, choices };

struct OptSpec {
  std::vector<std::string> names;  // "-p", "--policy"
  bool takes_value = false;
  bool repeatable = false;
  ValueKind kind = ValueKind::none;
  std::vector<std::string> choices;
  std::string help;
};

enum class PosKind { words, files, choices, command };

struct PosSpec {
  std::string name;
  PosKind kind = PosKind::words;
  std::vector<std::string> choices;
  bool many = false;
  std::string help;
};

struct Node {
  std::vector<std::string> path;  // subcommand names from the root; empty for the root
  std::string program;
  std::string help;
  std::vector<OptSpec> options;
  std::vector<PosSpec> positionals;
  std::vector<std::pair<std::string, std::string>> subcommands;  // name, help

  std::string key() const {  // "", "run", "import oci"
    std::string k;
    for (const auto& p : path) k += (k.empty() ? "" : " ") + p;
    return k;
  }
  bool command_tail() const {
    return !positionals.empty() && positionals.back().kind == PosKind::command;
  }
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "TEXT:{text,json}" -> {text, json}
std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> out;
  const std::size_t open = type_name.find('{');
  const std::size_t close = type_name.find('}', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return out;
  std::string item;
  for (std::size_t i = open + 1; i < close; ++i) {
    if (type_name[i] == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else if (!std::isspace(static_cast<unsigned char>(type_name[i]))) {
      item += type_name[i];
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

bool names_files(const CLI::Option& opt, const std::string& name) {
  const std::string type = opt.get_type_name();
  for (const char* t : {"FILE", "PATH", "DIR"})
    if (type.find(std::string(":") + t) != std::string::npos) return true;
  const std::string n = lower(name);
  for (const char* w : {"file", "path", "policy", "output", "merge", "base", "dir"})
    if (n.find(w) != std::string::npos) return true;
  return false;
}

bool hidden(const CLI::Option& opt) { return opt.get_group().empty(); }

void collect_options(const CLI::App& app, Node& node) {
  for (const CLI::Option* opt : app.get_options()) {
    if (hidden(*opt)) continue;
    if (!opt->nonpositional()) {
      PosSpec p;
      p.name = opt->get_name();
      p.help = opt->get_description();
      p.many = opt->get_items_expected_max() > 1;
      p.choices = choices_of(opt->get_type_name());
      if (!p.choices.empty()) p.kind = PosKind::choices;
      else if (p.many && app.get_positionals_at_end()) p.kind = PosKind::command;
      else if (names_files(*opt, p.name)) p.kind = PosKind::files;
      node.positionals.push_back(std::move(p));
      continue;
    }
    OptSpec o;
    for (const auto& s : opt->get_snames()) o.names.push_back("-" + s);
    for (const auto& l : opt->get_lnames()) o.names.push_back("--" + l);
    o.takes_value = opt->get_expected_max() > 0;
    const auto policy = opt->get_multi_option_policy();
    o.repeatable = policy == CLI::MultiOptionPolicy::TakeAll ||
                   policy == CLI::MultiOptionPolicy::Join || opt->get_expected_max() > 1;
    o.help = opt->get_description();
    if (o.takes_value) {
      o.choices = choices_of(opt->get_type_name());
      o.kind = !o.choices.empty()                               ? ValueKind::choices
               : names_files(*opt, opt->get_name(false, true)) ? ValueKind::files
                                                                : ValueKind::words;
    }
    node.options.push_back(std::move(o));
  }
  // Option groups are subcommands without a name: their options belong to this command.
  for (const CLI::App* g : app.get_subcommands([](const CLI::App* a) { return a->get_name().empty(); }))
    collect_options(*g, node);
}

void walk(const CLI::App& app, std::vector<std::string> path, const std::string& program,
          std::vector<Node>& out) {
  Node node;
  node.path = path;
  node.program = program;
  node.help = app.get_description();
  collect_options(app, node);
  const auto subs = app.get_subcommands(
      [](const CLI::App* a) { return !a->get_name().empty() && !a->get_group().empty(); });
  for (const CLI::App* s : subs) node.subcommands.emplace_back(s->get_name(), s->get_description());
  out.push_back(std::move(node));
  for (const CLI::App* s : subs) {
    auto p = path;
    p.push_back(s->get_name());
    walk(*s, p, program, out);
  }
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string ident(std::string s) {
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

// ---- bash ---------------------------------------------------------------------------------

// A word inside double quotes in a case pattern or compgen -W list.
std::string dq(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\' || c == '$' || c == '`') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A case arm: the patterns, then the action lines; nothing when there is no pattern.
std::string case_arm(const std::vector<std::string>& patterns, const std::string& action) {
  if (patterns.empty()) return {};
  return "            " + join(patterns, "|") + ")\n" + action;
}

// "NODE|<inside>"<outside> for each node whose positionals end with a command to run.
std::vector<std::string> command_tail_patterns(const std::vector<Node>& nodes,
                                               const std::string& inside,
                                               const std::string& outside) {
  std::vector<std::string> out;
  for (const Node& n : nodes)
    if (n.command_tail()) out.push_back(dq(n.key() + "|" + inside) + outside);
  return out;
}

// The command after `run -- ` and friends: bash-completion's _command_offset if loaded.
std::string bash_prelude(const std::string& prog, const std::string& fn) {
  std::string s;
  s += "# bash completion for " + prog + "                                 -*- shell-script -*-\n";
  s += "# Generated by `" + prog + " completion bash` from " + prog +
       "'s command-line definition; do not edit.\n";
  s += "# Install as /usr/share/bash-completion/completions/" + prog + ", or source it.\n\n";
  s += fn + "_command() {\n";
  s +=
      "    if declare -F _command_offset >/dev/null 2>&1; then\n"
      "        _command_offset \"$1\"\n"
      "    elif [ \"$1\" -eq \"$COMP_CWORD\" ]; then\n"
      "        COMPREPLY=($(compgen -c -- \"$cur\"))\n"
      "    else\n"
      "        compopt -o filenames 2>/dev/null\n"
      "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "    fi\n"
      "}\n\n";
  return s;
}

// Walk the words before the cursor: subcommands choose the node, an option that takes a value
// skips it, and a command to run takes over the rest.
std::string bash_walk(const std::vector<Node>& nodes, const std::string& fn) {
  std::string s;
  s +=
      "    # Walk the words before the cursor: subcommands choose the node, an option that\n"
      "    # takes a value skips it, and a command to run takes over the rest.\n"
      "    while [ \"$i\" -lt \"$COMP_CWORD\" ]; do\n"
      "        w=${COMP_WORDS[i]}\n"
      "        case \"$node|$w\" in\n";
  std::vector<std::string> value_pats;
  for (const Node& n : nodes)
    for (const OptSpec& o : n.options)
      if (o.takes_value)
        for (const auto& name : o.names) value_pats.push_back(dq(n.key() + "|" + name));
  s += case_arm(value_pats, "                i=$((i + 2)); continue ;;\n");
  for (const Node& n : nodes)
    for (const auto& [sub, help] : n.subcommands) {
      const std::string child = n.key().empty() ? sub : n.key() + " " + sub;
      s += "            " + dq(n.key() + "|" + sub) + ") node=" + dq(child) + " ;;\n";
    }
  s += case_arm(command_tail_patterns(nodes, "--", ""),
                "                [ $((i + 1)) -le \"$COMP_CWORD\" ] && " + fn +
                    "_command $((i + 1)); return ;;\n");
  s += case_arm(command_tail_patterns(nodes, "", "[!-]*"),
                "                " + fn + "_command \"$i\"; return ;;\n");
  s +=
      "        esac\n"
      "        i=$((i + 1))\n"
      "    done\n";
  return s;
}

// The value of an option right before the cursor.
std::string bash_option_values(const std::vector<Node>& nodes) {
  std::string s = "    case \"$node|$prev\" in\n";
  for (const Node& n : nodes)
    for (const OptSpec& o : n.options) {
      if (!o.takes_value) continue;
      std::vector<std::string> pats;
      for (const auto& name : o.names) pats.push_back(dq(n.key() + "|" + name));
      s += "        " + join(pats, "|") + ")\n            ";
      if (o.kind == ValueKind::choices)
        s += "COMPREPLY=($(compgen -W " + dq(join(o.choices, " ")) + " -- \"$cur\")); return ;;\n";
      else if (o.kind == ValueKind::files)
        s += "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
      else
        s += "return ;;\n";
    }
  return s + "    esac\n";
}

// Options after `-`, else the node's subcommands and positionals.
std::string bash_words(const std::vector<Node>& nodes, const std::string& fn) {
  std::string s = "    case $cur in\n        -*)\n            case $node in\n";
  for (const Node& n : nodes) {
    std::vector<std::string> words;
    for (const OptSpec& o : n.options) words.insert(words.end(), o.names.begin(), o.names.end());
    if (n.command_tail()) words.push_back("--");
    s += "                " + dq(n.key()) + ") COMPREPLY=($(compgen -W " + dq(join(words, " ")) +
         " -- \"$cur\")) ;;\n";
  }
  s += "            esac\n            return ;;\n    esac\n    case $node in\n";
  for (const Node& n : nodes) {
    std::vector<std::string> words;
    for (const auto& [sub, help] : n.subcommands) words.push_back(sub);
    bool files = false, command = false;
    for (const PosSpec& p : n.positionals) {
      if (p.kind == PosKind::choices) words.insert(words.end(), p.choices.begin(), p.choices.end());
      if (p.kind == PosKind::files) files = true;
      if (p.kind == PosKind::command) command = true;
    }
    s += "        " + dq(n.key()) + ")\n";
    if (command && words.empty()) {
      s += "            " + fn + "_command \"$COMP_CWORD\" ;;\n";
      continue;
    }
    s += "            COMPREPLY=($(compgen -W " + dq(join(words, " ")) + " -- \"$cur\"))\n";
    if (files)
      s += "            compopt -o filenames 2>/dev/null\n"
           "            COMPREPLY+=($(compgen -f -- \"$cur\"))\n";
    if (command) s += "            COMPREPLY+=($(compgen -c -- \"$cur\"))\n";
    s += "            ;;\n";
  }
  return s + "    esac\n";
}

std::string bash_script(const std::vector<Node>& nodes) {
  const std::string prog = nodes.front().program;
  const std::string fn = "_" + ident(prog);
  std::string s = bash_prelude(prog, fn);
  s += fn + "() {\n";
  s += "    local cur=${COMP_WORDS[COMP_CWORD]} prev=\"\" node=\"\" i=1 w\n";
  s += "    [ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n";
  s += bash_walk(nodes, fn) + bash_option_values(nodes) + bash_words(nodes, fn);
  s += "}\n";
  s += "complete -F " + fn + " " + prog + "\n";
  return s;
}

// ---- zsh ----------------------------------------------------------------------------------

// Text inside a single-quoted _arguments spec's [description].
std::string zsh_desc(const std::string& d) {
  std::string out;
  for (const char c : d) {
    if (c == '\'') out += "'\\''";
    else if (c == '[' || c == ']' || c == ':' || c == '\\') out += std::string("\\") + c;
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string zsh_value_action(ValueKind kind, const std::vector<std::string>& choices) {
  switch (kind) {
    case ValueKind::choices: return "(" + join(choices, " ") + ")";
    case ValueKind::files: return "_files";
    case ValueKind::words:
    case ValueKind::none: break;
  }
  return " ";
}

std::string zsh_function(const Node& n) {
  const std::string base = "_" + ident(n.program);
  return n.path.empty() ? base : base + "__" + ident(join(n.path, "__"));
}

// One option as an _arguments spec: exclusions, repeatability, forms, help, value action.
std::string zsh_option_spec(const OptSpec& o) {
  const bool exclusive = std::any_of(o.names.begin(), o.names.end(), [](const std::string& x) {
    return x == "--help" || x == "--version" || x == "-h";
  });
  std::string excl;
  if (exclusive) excl = "(- *)";
  else if (o.names.size() > 1 && !o.repeatable) excl = "(" + join(o.names, " ") + ")";
  std::vector<std::string> forms;
  for (const auto& name : o.names)
    forms.push_back(name + (o.takes_value ? (name.starts_with("--") ? "=" : "+") : ""));
  const std::string star = o.repeatable ? "*" : "";
  std::string spec;
  if (forms.size() == 1)
    spec = "'" + excl + star + forms.front() + "[" + zsh_desc(o.help) + "]";
  else
    spec = "'" + excl + star + "'{" + join(forms, ",") + "}'[" + zsh_desc(o.help) + "]";
  if (o.takes_value) spec += ":value:" + zsh_value_action(o.kind, o.choices);
  return "    " + spec + "' \\\n";
}

// The end of a node with subcommands: describe them, or hand the rest to the chosen one.
std::string zsh_subcommands(const Node& n) {
  const std::string prog = n.program;
  std::string s;
  s +=
      "    '1: :->command' \\\n"
      "    '*:: :->args' && ret=0\n"
      "  case $state in\n"
      "    command)\n"
      "      local -a commands=(\n";
  for (const auto& [sub, help] : n.subcommands) {
    std::string h;
    for (const char c : help) h += c == '\'' ? std::string("'\\''") : std::string(1, c);
    s += "        '" + sub + ":" + h + "'\n";
  }
  s += "      )\n";
  s += "      _describe -t commands '" + prog + (n.path.empty() ? "" : " " + n.key()) +
       " command' commands && ret=0 ;;\n";
  s += "    args)\n";
  s += "      curcontext=\"${curcontext%:*:*}:" + ident(prog) + "-$line[1]:\"\n";
  s += "      case $line[1] in\n";
  for (const auto& [sub, help] : n.subcommands) {
    Node child;
    child.program = n.program;
    child.path = n.path;
    child.path.push_back(sub);
    s += "        " + sub + ") " + zsh_function(child) + " && ret=0 ;;\n";
  }
  s +=
      "      esac ;;\n"
      "  esac\n"
      "  return ret\n";
  return s;
}

// The end of a leaf node: its positionals, a command to run taking over the rest.
std::string zsh_positionals(const Node& n) {
  std::string s;
  std::size_t index = 1;
  for (const PosSpec& p : n.positionals) {
    const std::string desc = zsh_desc(p.name);
    if (p.kind == PosKind::command) {
      s += "    '(-)" + std::to_string(index) + ":command:_command_names -e' \\\n";
      s += "    '*::arguments:_normal' \\\n";
      break;
    }
    const std::string action = p.kind == PosKind::files     ? "_files"
                               : p.kind == PosKind::choices ? "(" + join(p.choices, " ") + ")"
                                                            : " ";
    s += "    '" + (p.many ? std::string("*") : std::to_string(index)) + ":" + desc + ":" +
         action + "' \\\n";
    ++index;
  }
  s += "    && return 0\n";
  s += "  return 1\n";
  return s;
}

std::string zsh_script(const std::vector<Node>& nodes) {
  const std::string prog = nodes.front().program;
  std::string s;
  s += "#compdef " + prog + "\n";
  s += "# zsh completion for " + prog + ", generated by `" + prog +
       " completion zsh` from its command-line\n";
  s += "# definition; do not edit. Install as _" + prog +
       " in a directory of $fpath (Debian: /usr/share/zsh/vendor-completions).\n\n";
  // Children first so that every function exists before the root calls it (zsh resolves at
  // call time anyway; this order just reads top-down from leaves).
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    const Node& n = *it;
    s += zsh_function(n) + "() {\n";
    const bool has_subs = !n.subcommands.empty();
    if (has_subs) s += "  local curcontext=\"$curcontext\" state line ret=1\n  typeset -A opt_args\n";
    s += "  _arguments -s -S" + std::string(has_subs ? " -C" : "") + " \\\n";
    for (const OptSpec& o : n.options) s += zsh_option_spec(o);
    s += has_subs ? zsh_subcommands(n) : zsh_positionals(n);
    s += "}\n\n";
  }
  s += zsh_function(nodes.front()) + " \"$@\"\n";
  return s;
}

// ---- fish ---------------------------------------------------------------------------------

// A single-quoted fish string: only ' and \ need a backslash.
std::string fish_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// fish has no per-subcommand functions: every `complete` line carries a condition, "the
// subcommands typed so far are PATH" (__PROG_at PATH), computed by __PROG_path from the command
// line (words that name a subcommand of the path so far, options skipped, up to the first other
// word or --).
std::string fish_script(const std::vector<Node>& nodes) {
  const std::string prog = nodes.front().program;
  const std::string fn = "__" + ident(prog);
  std::string s;
  s += "# fish completion for " + prog + ", generated by `" + prog +
       " completion fish` from its command-line\n";
  s += "# definition; do not edit. Install as " + prog +
       ".fish in a vendor_completions.d directory (Debian:\n"
       "# /usr/share/fish/vendor_completions.d).\n\n";
  s += "function " + fn + "_subcommands --argument-names path\n";
  s += "    switch $path\n";
  for (const Node& n : nodes) {
    if (n.subcommands.empty()) continue;
    std::vector<std::string> names;
    for (const auto& [sub, help] : n.subcommands) names.push_back(sub);
    s += "        case " + fish_quote(n.key()) + "\n";
    s += "            printf '%s\\n' " + join(names, " ") + "\n";
  }
  s += "    end\n";
  s += "end\n\n";
  s += "function " + fn + "_path\n";
  s +=
      "    set -l path ''\n"
      "    for w in (commandline -opc)[2..-1]\n"
      "        test \"$w\" = -- && break\n"
      "        string match -q -- '-*' $w && continue\n";
  s += "        contains -- $w (" + fn + "_subcommands $path) || break\n";
  s +=
      "        set path (string trim -- \"$path $w\")\n"
      "    end\n"
      "    echo $path\n"
      "end\n\n";
  s += "function " + fn + "_at --argument-names want\n";
  s += "    set -l path (" + fn + "_path)\n";
  s += "    test \"$path\" = \"$want\"\n";
  s += "end\n\n";
  s += "complete -c " + prog + " -f\n";
  for (const Node& n : nodes) {
    const std::string cond = "-n " + fish_quote(fn + "_at " + fish_quote(n.key()));
    s += "\n# " + prog + (n.path.empty() ? "" : " " + n.key()) + "\n";
    for (const auto& [sub, help] : n.subcommands)
      s += "complete -c " + prog + " " + cond + " -a " + fish_quote(sub) + " -d " +
           fish_quote(help) + "\n";
    for (const OptSpec& o : n.options) {
      std::string line = "complete -c " + prog + " " + cond;
      for (const auto& name : o.names)
        line += name.starts_with("--") ? " -l " + name.substr(2) : " -s " + name.substr(1);
      if (o.takes_value) {
        if (o.kind == ValueKind::files) line += " -r -F";
        else if (o.kind == ValueKind::choices) line += " -x -a " + fish_quote(join(o.choices, " "));
        else line += " -x";
      }
      s += line + " -d " + fish_quote(o.help) + "\n";
    }
    if (!n.subcommands.empty()) continue;
    for (const PosSpec& p : n.positionals) {
      std::string line = "complete -c " + prog + " " + cond;
      if (p.kind == PosKind::command) {
        // The command to run and its own arguments, completed as fish completes them alone.
        s += line + " -x -a '(__fish_complete_subcommand)'\n";
        break;
      }
      if (p.kind == PosKind::files) line += " -F";
      else if (p.kind == PosKind::choices) line += " -x -a " + fish_quote(join(p.choices, " "));
      else continue;
      s += line + " -d " + fish_quote(p.help) + "\n";
    }
  }
  return s;
}

}  // namespace

std::string completion_script(const CLI::App& app, std::string_view shell) {
  std::vector<Node> nodes;
  const std::string program = app.get_name().empty() ? std::string("xpledge") : app.get_name();
  walk(app, {}, program, nodes);
  if (shell == "bash") return bash_script(nodes);
  if (shell == "zsh") return zsh_script(nodes);
  if (shell == "fish") return fish_script(nodes);
  throw std::invalid_argument("unknown shell '" + std::string(shell) + "' (bash, zsh or fish)");
}

}  // namespace xpledge
