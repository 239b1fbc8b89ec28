// The stop's facts (facts.hpp). CallName lives in core (syscalls.hpp), where the guard sees it.
#include "facts.hpp"
