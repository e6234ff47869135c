// The subcommands of `lutfhe`. Each add_*_command registers its options on `app` and, when
// the command line selects it, stores in `action` what to run once parsing has succeeded (so
// that parse errors and run errors are reported by one wrapper, cli/exit_codes.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace lutfhe::cli {

using Action = std::function<int()>;

void add_params_command(CLI::App& app, Action& action);   // cmd_params.cpp
void add_keygen_command(CLI::App& app, Action& action);   // cmd_keygen.cpp
void add_encrypt_command(CLI::App& app, Action& action);  // cmd_client.cpp
void add_decrypt_command(CLI::App& app, Action& action);  // cmd_client.cpp
void add_lut_command(CLI::App& app, Action& action);      // cmd_server.cpp
void add_gate_command(CLI::App& app, Action& action);     // cmd_server.cpp
void add_info_command(CLI::App& app, Action& action);     // cmd_info.cpp
void add_bench_command(CLI::App& app, Action& action);    // cmd_bench.cpp
void add_train_command(CLI::App& app, Action& action);    // cmd_train.cpp
// cmd_train_encrypted*.cpp: compile, simulate, encrypt, run, decrypt, report
void add_train_encrypted_command(CLI::App& app, Action& action);
void add_demo_command(CLI::App& app, Action& action);    // cmd_demo.cpp
void add_noise_command(CLI::App& app, Action& action);   // cmd_noise.cpp
void add_serve_commands(CLI::App& app, Action& action);  // cmd_serve.cpp: serve, worker, token
void add_service_client_commands(CLI::App& app, Action& action);  // cmd_service_client.cpp

// --threads T for every command that runs OpenMP loops: 0 (all cores) to kMaxThreads.
void add_threads_option(CLI::App* sub, int& threads, const std::string& help);

// Every subcommand accepts --quiet (no progress bars).
inline void add_quiet_flag(CLI::App* sub, bool& quiet) {
  sub->add_flag("-q,--quiet", quiet, "No progress bars on stderr");
}

}  // namespace lutfhe::cli
