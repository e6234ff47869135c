// The `lutfhe` program: keys, encryption and decryption on the client; table lookups and gates
// on the server, which only ever reads evaluation keys. Exit codes: 0 success, 2 bad usage or
// bad input (one line on stderr naming the file and the problem), 1 internal error.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/compiler_commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/file_format.hpp"

namespace {

// Ctrl-C (or a kill) during a write removes the temporary file, then dies of the signal as
// usual; outputs only ever appear complete, under their real name, by rename.
extern "C" void on_termination_signal(int sig) {
  lutfhe::remove_pending_temporary_files();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_signal_cleanup() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction action {};
    action.sa_handler = on_termination_signal;
    sigemptyset(&action.sa_mask);
    sigaction(sig, &action, nullptr);
  }
}

int run(int argc, char** argv) {
  using namespace lutfhe::cli;
  CLI::App app{
      "lutfhe: TFHE-style programmable bootstrapping. Client: keygen, encrypt, decrypt. "
      "Server: lut, gate (evaluation keys only).",
      "lutfhe"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lutfhe 0.1.0");
  Action action;
  add_params_command(app, action);
  add_keygen_command(app, action);
  add_encrypt_command(app, action);
  add_decrypt_command(app, action);
  add_lut_command(app, action);
  add_gate_command(app, action);
  add_info_command(app, action);
  add_bench_command(app, action);
  add_train_command(app, action);
  add_train_encrypted_command(app, action);
  add_compile_command(app, action);
  add_run_command(app, action);
  add_predict_command(app, action);
  add_demo_command(app, action);
  add_noise_command(app, action);
  add_serve_commands(app, action);
  add_service_client_commands(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "lutfhe: error: " << one_line(e.what()) << " (see 'lutfhe --help')\n";
    return kExitUsage;
  }
  if (!action) {
    std::cerr << "lutfhe: error: no command given (see 'lutfhe --help')\n";
    return kExitUsage;
  }
  return run_reporting_errors(action, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  install_signal_cleanup();
  // Parsing itself may throw (CLI11 construction errors are bugs): same wrapper, same codes.
  return lutfhe::cli::run_reporting_errors([&] { return run(argc, argv); }, std::cerr);
}
