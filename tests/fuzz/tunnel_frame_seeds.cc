// Writes seed inputs for tunnel_frame_fuzz into the folder given as argv[1]:
// frames as the tunnel makes them (a deployment, an Ack, the presence, an
// event batch). Built with the fuzz targets; run.sh calls it, so no binary
// files live in the repository.

#include <fstream>
#include <iostream>
#include <string>

#include "common/transport/topics.h"
#include "common/transport/websocket/ws_frame.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tunnel_frame_seeds DIR\n";
    return 2;
  }
  namespace t = ferry::transport;
  const std::string dir = argv[1];
  const struct {
    const char* name;
    std::string frame;
  } seeds[] = {
      {"deployment", t::EncodeFrame(t::topics::DownBundle("plant-01"), std::string(300, '\x0a'), true)},
      {"ack", t::EncodeFrame(t::topics::DownAcks("plant-01"), "\x08\x01\x10\x02", false)},
      {"presence", t::EncodeFrame(std::string(t::topics::kControlPlanePresence), "online cp-1 1733400000000", true)},
      {"batch", t::EncodeFrame(t::topics::UpEvents("plant-01"), std::string(1000, 'x'), false)},
  };
  for (const auto& seed : seeds) std::ofstream(dir + "/seed-" + seed.name, std::ios::binary) << seed.frame;
  return 0;
}
