#include "tso/tcp_listen_check.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace kairos::tso {
namespace {

// 0 when a stream socket could bind `address` now (with SO_REUSEADDR, as gRPC sets),
// otherwise the errno of the step that failed.
int bind_error(const addrinfo& address) {
  const int fd =
      ::socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC, address.ai_protocol);
  if (fd < 0) return errno;
  const int one = 1;
  int rc = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (rc == 0) rc = ::bind(fd, address.ai_addr, address.ai_addrlen);
  const int err = rc == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace

Status check_tcp_bindable(const HostPort& address) {
  const std::string where = "cannot listen for gRPC on " + address.to_string() + ": ";
  addrinfo hints{};
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  const std::string port = std::to_string(address.port);
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return Status::Unavailable(where + "cannot resolve '" + address.host +
                               "': " + ::gai_strerror(rc));
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  // gRPC listens on every address a name resolves to and needs only one of them.
  int first_error = 0;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int err = bind_error(*a);
    if (err == 0) return Status::Ok();
    if (first_error == 0) first_error = err;
  }
  return Status::Unavailable(where + std::strerror(first_error != 0 ? first_error : EADDRNOTAVAIL));
}

}  // namespace kairos::tso
