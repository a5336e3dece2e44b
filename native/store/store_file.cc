#include "store_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rseq_native {
namespace {

// A store is never 4 GiB or more (lib/layout/store-layout.ts records its size in 32 bits and caps the capacities
// below it), and an ArrayBuffer of that size cannot be made on every Node: anything larger is refused before
// it is mapped.
constexpr uint64_t kMaxStoreBytes = (1ull << 32) - 1;

std::string ErrnoText(const char* what, int error) {
  return std::string(what) + ": " + strerror(error) + " (errno " + std::to_string(error) + ")";
}

bool MapWhole(int fd, size_t length, FileMapping* mapping, std::string* problem) {
  void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    *problem = ErrnoText("cannot be mapped", errno);
    return false;
  }
  mapping->base = static_cast<char*>(base);
  mapping->length = length;
  return true;
}

// What every store file is, whatever it holds: a regular file of this user.
bool CheckOwnRegularFile(int fd, struct stat* status, std::string* problem) {
  if (fstat(fd, status) != 0) {
    *problem = ErrnoText("cannot be examined", errno);
    return false;
  }
  if (!S_ISREG(status->st_mode)) {
    *problem = "is not a regular file (a store is always one)";
    return false;
  }
  if (status->st_uid != geteuid()) {
    *problem = "belongs to uid " + std::to_string(status->st_uid) + ", not to this process's user (uid " +
               std::to_string(geteuid()) + ")";
    return false;
  }
  return true;
}

// The size of a store: more than nothing, less than 4 GiB.
bool CheckStoreSize(const struct stat& status, std::string* problem) {
  if (status.st_size <= 0 || static_cast<uint64_t>(status.st_size) > kMaxStoreBytes) {
    *problem = "is " + std::to_string(status.st_size) + " bytes long, which no metric store is";
    return false;
  }
  return true;
}

// The checks every store file passes before it is mapped: a regular file, of this user, of a store's size.
bool CheckStoreFile(int fd, struct stat* status, std::string* problem) {
  return CheckOwnRegularFile(fd, status, problem) && CheckStoreSize(*status, problem);
}

// Whether the file starts with `magic`; false with `*problem` otherwise.
bool CheckMagic(int fd, uint32_t magic, std::string* problem) {
  uint32_t first = 0;
  if (pread(fd, &first, sizeof first, 0) == sizeof first && first == magic) return true;
  *problem = "is not a metric store";
  return false;
}

// Opens `path` for `flags` without following a symlink; -1 with `*problem`, or with *missing set when
// nothing is there.
int OpenNoFollow(const char* path, int flags, bool* missing, std::string* problem) {
  // O_NONBLOCK: opening a FIFO someone put there must not wait for a writer; it is refused after.
  int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  *missing = false;
  if (fd >= 0) return fd;
  int error = errno;
  if (error == ENOENT)
    *missing = true;
  else if (error == ELOOP)
    *problem = "is a symbolic link, which a store is never reached through";
  else if (error == EACCES || error == EPERM) {
    *problem =
        "cannot be opened for reading and writing by this user (another user's store, or a mode that forbids it)";
  } else if (error == EISDIR)
    *problem = "is a directory";
  else
    *problem = ErrnoText("cannot be opened", error);
  return -1;
}

}  // namespace

OpenStatus OpenStoreFile(const char* path, FileMapping* mapping, std::string* problem) {
  bool missing;
  int fd = OpenNoFollow(path, O_RDWR, &missing, problem);
  if (fd < 0) return missing ? OpenStatus::kMissing : OpenStatus::kRefused;
  struct stat status;
  bool mapped =
      CheckStoreFile(fd, &status, problem) && MapWhole(fd, static_cast<size_t>(status.st_size), mapping, problem);
  close(fd);
  if (!mapped) return OpenStatus::kRefused;
  mapping->device = status.st_dev;
  mapping->inode = status.st_ino;
  mapping->mode = status.st_mode & 07777;
  return OpenStatus::kOpened;
}

bool CreateUnnamedStoreFile(const char* directory, size_t length, uint32_t mode, FileMapping* mapping,
                            std::string* problem) {
  int fd = open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, mode & 0777);
  if (fd < 0) {
    int error = errno;
    if (error == EOPNOTSUPP || error == EISDIR) {
      *problem =
          "its directory's file system cannot make unnamed files (O_TMPFILE); use a tmpfs directory such as /dev/shm";
    } else if (error == ENOENT || error == ENOTDIR) {
      *problem = "is in a directory that does not exist";
    } else {
      *problem = ErrnoText("cannot be created", error);
    }
    return false;
  }
  // The mode given, exactly: the umask applies to open() and may have taken bits away.
  bool made = fchmod(fd, mode & 0777) == 0;
  if (!made) *problem = ErrnoText("cannot be given its mode", errno);
  if (made) {
    int error = posix_fallocate(fd, 0, static_cast<off_t>(length));
    if (error == EOPNOTSUPP || error == EINVAL) error = ftruncate(fd, static_cast<off_t>(length)) == 0 ? 0 : errno;
    if (error != 0) {
      made = false;
      *problem = error == ENOSPC
                     ? "cannot be created: its file system has no room for " + std::to_string(length) + " bytes"
                     : ErrnoText("cannot be sized", error);
    }
  }
  struct stat status;
  if (made) made = CheckStoreFile(fd, &status, problem) && MapWhole(fd, length, mapping, problem);
  if (!made) {
    close(fd);
    return false;
  }
  mapping->fd = fd;
  mapping->device = status.st_dev;
  mapping->inode = status.st_ino;
  mapping->mode = status.st_mode & 07777;
  return true;
}

NameStatus NameStoreFile(FileMapping* mapping, const char* path, std::string* problem) {
  // An unnamed file gets a name through its /proc/self/fd link; linkat never replaces an existing entry.
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", mapping->fd);
  int result = linkat(AT_FDCWD, link, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
  int error = errno;
  close(mapping->fd);
  mapping->fd = -1;
  if (result == 0) return NameStatus::kNamed;
  if (error == EEXIST) return NameStatus::kExists;
  *problem = error == ENOENT && access("/proc/self/fd", F_OK) != 0
                 ? "cannot be named: naming a new store needs /proc mounted"
                 : ErrnoText("cannot be named", error);
  return NameStatus::kFailed;
}

RemoveStatus RemoveStoreFile(const char* path, uint32_t magic, std::string* problem) {
  bool missing;
  int fd = OpenNoFollow(path, O_RDONLY, &missing, problem);
  if (fd < 0) return missing ? RemoveStatus::kMissing : RemoveStatus::kRefused;
  struct stat status;
  bool own = CheckOwnRegularFile(fd, &status, problem);
  // Too short to hold the magic: a store truncated under its users, whose collect() told them to remove it.
  bool truncated = own && static_cast<uint64_t>(status.st_size) < sizeof magic;
  bool store = own && (truncated || (CheckStoreSize(status, problem) && CheckMagic(fd, magic, problem)));
  close(fd);
  if (!store) return RemoveStatus::kRefused;
  if (unlink(path) == 0) return RemoveStatus::kRemoved;
  if (errno == ENOENT) return RemoveStatus::kMissing;
  *problem = ErrnoText("cannot be removed", errno);
  return RemoveStatus::kRefused;
}

bool DetachMapping(const FileMapping& mapping) {
  if (mapping.base == nullptr) return true;
  void* replaced =
      mmap(mapping.base, mapping.length, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return replaced != MAP_FAILED;
}

void ReleaseMapping(FileMapping* mapping) {
  if (mapping->base != nullptr) munmap(mapping->base, mapping->length);
  if (mapping->fd >= 0) close(mapping->fd);
  mapping->base = nullptr;
  mapping->fd = -1;
}

}  // namespace rseq_native
