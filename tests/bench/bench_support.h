#pragma once
// What the benchmark's parts share: progress on stderr, a process's CPU and
// memory from /proc, percentiles.

#include <sys/types.h>

#include <string>
#include <vector>

namespace ferry::testing::bench {

// "ferry_bench: <text>" on stderr.
void Progress(const std::string& text);
// CPU seconds (user + system) `pid` has used.
double CpuSeconds(pid_t pid);
// A field of /proc/PID/status in MB (VmRSS: resident, RssAnon: anonymous).
double RssMb(pid_t pid, const std::string& field = "VmRSS:");
// The value at quantile `q` (0..1) of `values`; 0 when empty.
double Percentile(std::vector<double> values, double q);

}  // namespace ferry::testing::bench
