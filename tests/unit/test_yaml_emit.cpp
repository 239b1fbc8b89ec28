// The one policy YAML writer (lang/yaml_emit): every item form, and what it writes loads.
#include <doctest/doctest.h>

#include <string>

#include "policy_load.hpp"
#include "yaml_emit.hpp"

using namespace xpledge;

TEST_CASE("emit_yaml: bare names, flow maps, block maps, comments, in that order") {
  PolicyDoc doc;
  doc.header = {"# head", "#"};
  doc.default_action = "deny";
  doc.errno_name = "EPERM";
  doc.abis = {"x86_64", "i386"};
  doc.include_comments = {"# the default's denies"};
  doc.include = {"builtin:default"};
  DocList promises{"promises", {}};
  promises.entries.push_back({{"# stdio covers: read"}, DocItem{"stdio", {}, {}, {}, {}, {}}});
  DocList allow{"allow", {}};
  allow.entries.push_back({{"# by name"}, std::nullopt});
  allow.entries.push_back({{}, DocItem{"getppid", {}, {}, {}, {}, "in stdio"}});
  allow.entries.push_back({{}, DocItem{"openat", "read", {"/etc/*", "/a b"}, {}, {}, {}}});
  DocList deny{"deny", {}};
  deny.entries.push_back(
      {{}, DocItem{"socket", {}, {}, {{0, "eq", 17}, {1, "mask_all", 0x80000}}, "EUCLEAN", {}}});
  DocList kill{"kill", {}};  // empty: not written
  doc.lists = {promises, allow, deny, kill};
  doc.trailer = {"# tail"};
  const std::string yaml = emit_yaml(doc);
  CHECK(yaml ==
        "# head\n#\nversion: 1\ndefault: deny\nerrno: EPERM\nabis: [x86_64, i386]\n"
        "# the default's denies\ninclude: [builtin:default]\n"
        "promises:\n  # stdio covers: read\n  - stdio\n"
        "allow:\n  # by name\n  - getppid  # in stdio\n"
        "  - syscall: openat\n    access: read\n    path:\n      - /etc/*\n      - \"/a b\"\n"
        "deny:\n  - { syscall: socket, args: [{ index: 0, op: eq, value: 17 }, "
        "{ index: 1, op: mask_all, value: 0x80000 }], errno: EUCLEAN }\n"
        "# tail\n");
  const Policy p = load_policy_string(yaml, "emitted.yaml");
  CHECK(p.default_errno() == EPERM);
}

TEST_CASE("wrap_comment: a line holds at least one word; `next` starts the others") {
  CHECK(wrap_comment("# a:", "#  ", {}) == std::vector<std::string>{"# a:"});
  CHECK(wrap_comment("# a:", "#  ", {"x", "y"}, 7) == std::vector<std::string>{"# a: x", "#   y"});
  CHECK(wrap_comment("#", "#", {"longer-than-width"}, 4) ==
        std::vector<std::string>{"# longer-than-width"});
  CHECK(comment_words("a  b ") == std::vector<std::string>{"a", "", "b"});
}

TEST_CASE("yaml_scalar: plain only when unambiguous") {
  CHECK(yaml_scalar("/usr/lib/**") == "/usr/lib/**");
  CHECK(yaml_scalar("/a:b") == "\"/a:b\"");
  CHECK(yaml_scalar("/q\"\\") == "\"/q\\\"\\\\\"");
  CHECK(yaml_scalar("rel") == "\"rel\"");
}
