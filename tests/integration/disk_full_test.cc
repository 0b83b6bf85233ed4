// Disk full, with real files: each daemon's data folder on a small tmpfs
// that fills up. The agent answers 503 with Retry-After and loses nothing it
// had accepted; the control plane refuses batches, the agent keeps them, and
// both recover by themselves once there is space again, across a kill -9.
// Needs root (mount); skipped otherwise.

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <set>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

// A tmpfs of `size` at `dir` for the test's life; Grow() makes room.
class SmallDisk {
 public:
  SmallDisk(std::filesystem::path dir, const std::string& size) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0755").c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool Grow(const std::string& size) {
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size + ",mode=0755").c_str()) == 0;
  }

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
};

PipelineOptions Options() {
  PipelineOptions options;
  options.agent_map_size = "256MiB";  // the disk runs out long before the map
  options.agent_max_bytes = "64MiB";
  options.cp_map_size = "256MiB";
  options.cp_max_bytes = "64MiB";
  options.log_level = "info";
  return options;
}

std::string Customer(int n) { return DebmasIdoc(Docnum(8100000 + n), std::to_string(900000 + n), "Kunde", "DE"); }

TEST(DiskFullTest, AFullDiskAtTheAgentIs503AndNothingAcceptedIsLostAcrossKillNine) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  Pipeline p(Options());
  SmallDisk disk(p.dir().path() / "agent", "3M");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?)";
  p.broker().Start();
  p.StartAgent();  // no control plane: the outbox only grows
  std::set<std::string> accepted;
  HttpResponse refused;
  for (int n = 0; n < 20000 && refused.status == 0; ++n) {
    HttpResponse res = p.PostIdoc(Customer(n));
    if (res.status == 200) {
      accepted.insert(Docnum(8100000 + n));
    } else {
      refused = res;
    }
  }
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.headers["retry-after"].empty());
  ASSERT_GT(accepted.size(), 10u);
  EXPECT_TRUE(p.agent().Running());
  p.agent().Kill9();

  ASSERT_TRUE(disk.Grow("64M"));
  p.StartAgent();
  HttpResponse after = p.PostIdoc(Customer(30000));
  ASSERT_EQ(after.status, 200) << after.body;
  accepted.insert(Docnum(8130000));
  p.StartControlPlane();
  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto delivered = DeliveriesByDocnum(p.sink());
        return std::all_of(accepted.begin(), accepted.end(), [&](const std::string& d) { return delivered.count(d); });
      },
      seconds(60)))
      << "delivered " << DeliveriesByDocnum(p.sink()).size() << " of " << accepted.size();
}

TEST(DiskFullTest, AFullDiskAtTheControlPlaneRefusesBatchesTheAgentKeepsThemAndAllArriveOnceThereIsRoom) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  PipelineOptions options = Options();
  options.webhook_url = "http://127.0.0.1:1/down";  // the target is down: the control plane's queue only grows
  Pipeline p(options);
  SmallDisk disk(p.dir().path() / "cp" / "store", "1M");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?)";
  p.StartAll();
  std::set<std::string> accepted;
  for (int n = 0; n < 3000; ++n) {
    HttpResponse res = p.PostIdoc(Customer(n));
    ASSERT_EQ(res.status, 200) << res.body;  // the agent has room
    accepted.insert(Docnum(8100000 + n));
  }
  // The control plane's disk fills: it refuses, and the agent keeps the rest.
  ASSERT_TRUE(WaitUntil(
      [&] { return ReadFile(p.dir().path() / "controlplane.log").find("event=ingest_refused") != std::string::npos; },
      seconds(60)))
      << "the control plane never ran out of space";
  ASSERT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() > 0; }, seconds(10)));
  p.controlplane().Kill9();

  ASSERT_TRUE(disk.Grow("128M"));
  // Now the target is up: everything the agent accepted reaches it.
  const std::string config = ReadFile(p.cp_config());
  const std::string dead = "http://127.0.0.1:1/down";
  const size_t at = config.find(dead);
  ASSERT_NE(at, std::string::npos);
  WriteFile(p.cp_config(), config.substr(0, at) + p.sink().url() + config.substr(at + dead.size()));
  p.StartControlPlane();
  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto delivered = DeliveriesByDocnum(p.sink());
        return std::all_of(accepted.begin(), accepted.end(), [&](const std::string& d) { return delivered.count(d); });
      },
      seconds(120)))
      << "delivered " << DeliveriesByDocnum(p.sink()).size() << " of " << accepted.size();
  EXPECT_EQ(p.AgentOutboxDepth(), 0u);
}

}  // namespace
}  // namespace ferry::testing
