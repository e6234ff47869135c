// Runs the real `lutfhe` binary (path compiled in as LUTFHE_CLI_PATH) with posix_spawn and
// captures its exit status, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lutfhe::testing {

struct CliResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that killed it, 0 if it exited
  std::string out;
  std::string err;
  // Lines of stderr (without the newlines).
  std::vector<std::string> err_lines() const;
  // "exit 2, stderr: ..." for failure messages.
  std::string describe() const;
};

// Runs `lutfhe args...`; stdin is `stdin_file` (default /dev/null).
CliResult run_cli(const std::vector<std::string>& args,
                  const std::filesystem::path& stdin_file = "/dev/null");

std::filesystem::path cli_path();

}  // namespace lutfhe::testing
