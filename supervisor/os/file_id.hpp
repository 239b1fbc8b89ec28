#pragma once
// A file's identity: its device and inode. What a hard link, a rename or a symlink cannot hide.
#include <optional>
#include <string>

#include "file_identity.hpp"

namespace xpledge {

// The device and inode of a path in the supervisor's view, following symlinks (and /proc's
// magic links, to the object they name); nullopt if it cannot be stat'ed.
std::optional<FileId> file_id_of(const std::string& path);

}  // namespace xpledge
