// Runs the real `lutfhe` binary (path compiled in as LUTFHE_CLI_PATH) with posix_spawn and
// captures its exit status, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lutfhe::testing {

struct CliResult {
  int exit_code = -1;      // -1 when killed by a signal
  int signal = 0;          // the signal that killed it, 0 if it exited
  bool timed_out = false;  // killed (SIGKILL) after the timeout
  double seconds = 0.0;    // wall-clock time
  long max_rss_kb = 0;     // peak resident memory of the process (wait4's ru_maxrss)
  std::string out;
  std::string err;
  // Lines of stderr (without the newlines).
  std::vector<std::string> err_lines() const;
  // "exit 2, stderr: ..." for failure messages.
  std::string describe() const;
};

// Runs `lutfhe args...`; stdin is `stdin_file` (default /dev/null). A run longer than
// `timeout_s` is killed and reported as timed_out.
CliResult run_cli(const std::vector<std::string>& args,
                  const std::filesystem::path& stdin_file = "/dev/null", double timeout_s = 600.0);

std::filesystem::path cli_path();

}  // namespace lutfhe::testing
