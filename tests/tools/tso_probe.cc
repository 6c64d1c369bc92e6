// tso_probe: one raw Sequencer.Next call to one node, without the client library (which
// follows a follower to its leader), printing what that node itself answers:
//   OK first=N
//   UNAVAILABLE: not the leader ...; leader=HOST:PORT   (the kairos-leader metadata)
// Exit 0 for OK, 1 for an error answer. Used by tests/integration/tso_ha_test.sh.
//
//   tso_probe HOST:PORT|unix:PATH
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "kairos.grpc.pb.h"
#include "tso/status_mapping.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tso_probe HOST:PORT|unix:PATH\n");
    return 2;
  }
  auto channel = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  auto stub = kairos::v1::Sequencer::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  kairos::v1::NextRequest req;
  req.set_name("tso-probe");
  req.set_count(1);
  kairos::v1::NextResponse resp;
  const grpc::Status s = stub->Next(&ctx, req, &resp);
  if (s.ok()) {
    std::printf("OK first=%llu\n", static_cast<unsigned long long>(resp.first()));
    return 0;
  }
  std::string leader;
  const auto& md = ctx.GetServerTrailingMetadata();
  if (auto it = md.find(kairos::tso::kLeaderMetadataKey); it != md.end()) {
    leader.assign(it->second.data(), it->second.size());
  }
  std::printf("%s; leader=%s\n", kairos::tso::from_grpc(s).ToString().c_str(), leader.c_str());
  return 1;
}
