// Whether a file changed since it was last read, without reading it: for files that other
// processes replace (Secrets and ConfigMaps mounted by the kubelet, rotated tokens).
#pragma once

#include <sys/stat.h>

#include <string>

namespace prescale {

// What identifies a file's content: path target (device, inode), size and modification time.
// A kubelet update swaps a symlink, so the inode changes even within one mtime tick.
struct FileStamp {
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  timespec modified{};

  bool operator==(const FileStamp& other) const;
};

// The stamp of `path`, following symlinks; `exists` false when it cannot be stat'ed.
// Thread-safe.
FileStamp StampOf(const std::string& path);

}  // namespace prescale
