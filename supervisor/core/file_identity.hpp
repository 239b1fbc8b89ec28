#pragma once
// A file's identity: its device and inode. What a hard link, a rename or a symlink cannot hide.
// The value only, so that the policy (rules/) can hold identities; finding one is I/O
// (file_id_of, os/file_id.hpp).
#include <sys/types.h>

namespace xpledge {

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

}  // namespace xpledge
