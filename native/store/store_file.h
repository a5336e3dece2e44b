// The file behind a host-wide metric store: opened without following symlinks, refused unless it is a
// regular file of the calling user, and mapped whole, shared. A new store is made as an unnamed file
// (O_TMPFILE) in the target directory, filled in by its creator, and only then given its name, so that
// nobody can open a store that is half written; if two processes create one at once, the first name wins
// and the other attaches to it. What the file holds is checked by the layer above (lib/layout/store-layout.ts);
// this layer only guarantees that what is mapped is a private, regular file of this user.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rseq_native {

struct FileMapping {
  char* base = nullptr;
  size_t length = 0;
  int fd = -1;  // held only between CreateUnnamedStoreFile and NameStoreFile
  uint64_t device = 0;
  uint64_t inode = 0;
  uint32_t mode = 0;  // the file's permission bits (st_mode & 07777) when it was opened or made
};

enum class OpenStatus { kOpened, kMissing, kRefused };

// Opens the store file at `path` for reading and writing and maps all of it, noting its mode (which the
// layer above judges: who besides its owner may write it). kMissing when nothing is there; kRefused with
// `*problem` (a sentence about the file, without its name) for anything else.
OpenStatus OpenStoreFile(const char* path, FileMapping* mapping, std::string* problem);

// Makes an unnamed file in `directory` with exactly `mode`, `length` bytes reserved (so that a full tmpfs
// is an error now, not a SIGBUS later) and zeroed, and maps it. False with `*problem` otherwise.
bool CreateUnnamedStoreFile(const char* directory, size_t length, uint32_t mode, FileMapping* mapping,
                            std::string* problem);

enum class NameStatus { kNamed, kExists, kFailed };

// Gives the unnamed file of `mapping` the name `path` (never replacing anything there) and closes it. The
// creating process's mapping keeps the name the file was made under (/proc/<pid>/maps shows it as
// "/dev/shm/#<inode> (deleted)"); every other process maps it by its name.
NameStatus NameStoreFile(FileMapping* mapping, const char* path, std::string* problem);

enum class RemoveStatus { kRemoved, kMissing, kRefused };

// Removes the store file at `path`: only a regular file of this user (never through a symlink) whose first
// four bytes are `magic`, or that is too short to hold them (a store truncated under its users, which is
// what they are told to remove). kRefused with `*problem` for anything else, which stays.
RemoveStatus RemoveStoreFile(const char* path, uint32_t magic, std::string* problem);

// Replaces the whole mapping with private zeroed memory at the same address: whatever still points into it
// stays valid and no longer reaches the file. False (errno kept) if the kernel refused.
bool DetachMapping(const FileMapping& mapping);

// Unmaps and closes whatever `mapping` still holds.
void ReleaseMapping(FileMapping* mapping);

}  // namespace rseq_native
