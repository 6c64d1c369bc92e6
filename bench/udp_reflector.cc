// udp_reflector ADDR PORT: the floor of this machine for an NTP-shaped UDP service. It
// receives batches with recvmmsg and sends each datagram back with sendmmsg, turned into
// a minimal server reply (mode 4, stratum 1, origin = the request's transmit timestamp,
// receive/transmit = one clock reading per batch), with no checks at all. Not an NTP
// server: a benchmark baseline. Stops on SIGINT/SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

constexpr int kBatch = 64;
constexpr int kSize = 2048;
volatile std::sig_atomic_t g_stop = 0;

void put_ntp_now(unsigned char* p) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const std::uint32_t secs = static_cast<std::uint32_t>(ts.tv_sec + 2208988800LL);
  const std::uint32_t frac =
      static_cast<std::uint32_t>((static_cast<std::uint64_t>(ts.tv_nsec) << 32) / 1000000000);
  const std::uint32_t be[2] = {htonl(secs), htonl(frac)};
  std::memcpy(p, be, 8);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s ADDR PORT\n", argv[0]);
    return 2;
  }
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
  if (fd < 0 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    std::perror("bind");
    return 1;
  }
  const int buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
  timeval tv{0, 100000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  static unsigned char data[kBatch][kSize];
  static sockaddr_in peers[kBatch];
  static iovec iov[kBatch];
  static mmsghdr msgs[kBatch];
  std::printf("reflecting on %s:%s\n", argv[1], argv[2]);
  std::fflush(stdout);
  while (!g_stop) {
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {data[i], kSize};
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_name = &peers[i];
      msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = recvmmsg(fd, msgs, kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;
    unsigned char now[8];
    put_ntp_now(now);
    for (int i = 0; i < n; ++i) {
      unsigned char* p = data[i];
      if (msgs[i].msg_len >= 48) {
        p[0] = static_cast<unsigned char>((p[0] & 0x38) | 4);
        p[1] = 1;
        std::memcpy(p + 24, p + 40, 8);
        std::memcpy(p + 32, now, 8);
        std::memcpy(p + 40, now, 8);
      }
      iov[i].iov_len = msgs[i].msg_len;
    }
    for (int done = 0; done < n;) {
      const int s = sendmmsg(fd, msgs + done, static_cast<unsigned>(n - done), 0);
      done += s > 0 ? s : 1;
    }
  }
  return 0;
}
