#pragma once
// Shell completion scripts generated from the CLI11 definition itself (CLI11 2.1.2 has none),
// so that they never drift from the options: `xpledge completion bash|zsh|fish`.
//
// What a script completes, per (sub)command: its subcommands, its options (after `-`), the
// values of an option restricted by CLI::IsMember, file names for options and positionals that
// name files (a FILE/PATH/DIR validator, or "file", "path", "policy", "output", "merge", "base"
// in the name), and, for a subcommand whose positionals end with a command to run
// (positionals_at_end() and a vector positional, like `run -- CMD...`), the command and its
// own arguments (bash-completion's _command_offset, zsh's _normal, fish's
// __fish_complete_subcommand). Hidden subcommands and
// options (empty group) are left out.
#include <string>
#include <string_view>

namespace CLI { class App; }

namespace xpledge {

// shell: "bash", "zsh" or "fish"; throws std::invalid_argument for anything else.
std::string completion_script(const CLI::App& app, std::string_view shell);

}  // namespace xpledge
