#include "file_id.hpp"

#include <sys/stat.h>

namespace xpledge {

std::optional<FileId> file_id_of(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

}  // namespace xpledge
