#include "tso/tcp_listen_check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kairos::tso {

Status check_tcp_bindable(const HostPort& address) {
  if (address.port == 0) return Status::Ok();
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, address.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(address.port);
    length = sizeof *v4;
  } else if (::inet_pton(AF_INET6, address.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(address.port);
    length = sizeof *v6;
  } else {
    return Status::Ok();  // a name: gRPC resolves it
  }
  const std::string where = "cannot listen for gRPC on " + address.to_string() + ": ";
  const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(where + std::strerror(errno));
  const int one = 1;
  int rc = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (rc == 0) rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::Unavailable(where + std::strerror(err));
  return Status::Ok();
}

}  // namespace kairos::tso
