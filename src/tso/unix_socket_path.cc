#include "tso/unix_socket_path.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kairos::tso {

Status check_unix_socket_unused(const std::string& path) {
  const std::string where = "unix:" + path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::Unavailable("cannot check " + where + ": " + std::strerror(errno));
  }
  if (!S_ISSOCK(st.st_mode)) return Status::Unavailable(where + " exists and is not a socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return Status::Unavailable(where + ": path longer than " +
                               std::to_string(sizeof addr.sun_path - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable("cannot check " + where + ": " + std::strerror(errno));
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(fd);
  if (rc == 0 || err == EAGAIN) {
    return Status::Unavailable("another process is serving on " + where);
  }
  if (err == ECONNREFUSED) return Status::Ok();  // left by a server that was killed
  return Status::Unavailable("cannot check " + where + ": " + std::strerror(err));
}

}  // namespace kairos::tso
