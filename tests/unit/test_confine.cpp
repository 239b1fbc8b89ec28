#include <doctest/doctest.h>

#include <linux/landlock.h>

#include "confine.hpp"

using namespace xpledge;

namespace {
ConfinePlan plan(int abi) {
  ConfinePlan p;
  p.landlock_abi = abi;
  p.scope_signals = abi >= 6;
  p.drop_ptrace_cap = abi == 0;
  return p;
}
}  // namespace

// Issue 16: a domain that handles a filesystem right refuses renames and links across
// directories unless it grants REFER.
TEST_CASE("confine: the Landlock ruleset refuses no re-parenting where the kernel allows") {
  for (bool nested : {false, true}) {
    // ABI 6+: the signal scope only, no filesystem right; the whole 24-byte attribute.
    for (int abi : {6, 7}) {
      const RulesetSpec s = ruleset_spec(plan(abi), nested);
      CHECK(s.handled_fs == 0);
      CHECK(s.handled_net == 0);
      CHECK(s.scoped == 2);  // LANDLOCK_SCOPE_SIGNAL
      CHECK(s.size == 24);
      CHECK_FALSE(s.grant_refer_at_root);
    }
  }
  // ABI 2..5: block devices and REFER handled, REFER granted on / (the sandbox's own domain);
  // a nesting cannot add the rule: block devices only.
  for (int abi : {2, 3, 4, 5}) {
    const RulesetSpec s = ruleset_spec(plan(abi), false);
    CHECK(s.handled_fs == (LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_REFER));
    CHECK(s.grant_refer_at_root);
    CHECK(s.scoped == 0);
    CHECK(s.size == (abi >= 4 ? 16U : 8U));
    const RulesetSpec n = ruleset_spec(plan(abi), true);
    CHECK(n.handled_fs == LANDLOCK_ACCESS_FS_MAKE_BLOCK);
    CHECK_FALSE(n.grant_refer_at_root);
  }
  // ABI 1 has no REFER.
  CHECK(ruleset_spec(plan(1), false).handled_fs == LANDLOCK_ACCESS_FS_MAKE_BLOCK);
  CHECK_FALSE(ruleset_spec(plan(1), false).grant_refer_at_root);
  CHECK(ruleset_spec(plan(0), false).size == 0);
}

// Issue 17: a path allow-list's rights are handled by the sandbox's own domain only; a nesting
// (which cannot add rules) handles none of them.
TEST_CASE("confine: the path allow-list's rights go to the sandbox's domain, not to nestings") {
  const std::uint64_t rights =
      LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REFER;
  for (int abi : {6, 7}) {
    ConfinePlan p = plan(abi);
    p.path_rights = rights;
    CHECK(ruleset_spec(p, false).handled_fs == rights);
    CHECK(ruleset_spec(p, false).scoped == 2);
    CHECK(ruleset_spec(p, true).handled_fs == 0);
  }
  for (int abi : {2, 5}) {
    ConfinePlan p = plan(abi);
    p.path_rights = rights;
    CHECK(ruleset_spec(p, false).handled_fs == (rights | LANDLOCK_ACCESS_FS_MAKE_BLOCK));
    CHECK(ruleset_spec(p, true).handled_fs == LANDLOCK_ACCESS_FS_MAKE_BLOCK);
  }
}
