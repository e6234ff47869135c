// `lutfhe keygen`: a client key (secrets, mode 0600) and the evaluation key the server gets.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/compiler_commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/paths.hpp"
#include "cli/progress.hpp"
#include "compiler/artifacts.hpp"
#include "core/client_key.hpp"
#include "core/client_key_file.hpp"
#include "core/evaluation_key.hpp"
#include "core/evaluation_key_file.hpp"
#include "workbench/param_options.hpp"
#include "workbench/param_report.hpp"

namespace lutfhe::cli {
namespace {

struct KeygenOptions {
  workbench::ParamOptions params;
  std::string spec;
  std::string client_key;
  std::string server_key;
  bool seeded = false;
  bool quiet = false;
};

int run_keygen(const KeygenOptions& o) {
  if (o.params.given() == !o.spec.empty()) {
    throw UsageError(
        "keygen: give exactly one of --params NAME|FILE.json (or parameter flags) and --spec "
        "DIR/client.spec");
  }
  std::optional<compiler::ClientSpec> spec;
  if (!o.spec.empty()) spec = compiler::load_client_spec(o.spec);
  const ParameterSet p = spec ? spec->params : workbench::resolve_params(o.params);
  // A compiled circuit without lookups needs no bootstrapping material in its evaluation key.
  const bool bootstrapping = !spec || spec->needs_bootstrapping;
  require_distinct(o.client_key, "--client-key", o.server_key, "--server-key");
  require_writable_output(o.client_key, "--client-key");
  require_writable_output(o.server_key, "--server-key");
  if (p.insecure) {
    std::cerr << "lutfhe: warning: " << p.display_name()
              << " parameters give no security; use them for tests only\n";
  } else if (is_custom(p) && compiler::estimate_security(p).below_128()) {
    std::cerr << "lutfhe: warning: custom set " << p.name << " is below 128-bit security (about "
              << static_cast<int>(compiler::estimate_security(p).bits)
              << " bits estimated; 'lutfhe params show')\n";
  }
  const ClientKey client = ClientKey::generate(p);
  EvaluationKey eval = [&] {
    ProgressBar bar("keygen " + p.name, progress_wanted(o.quiet));
    if (o.seeded) {
      // Masks from a recorded public seed, so the key can be stored as seed + bodies.
      return generate_evaluation_key(client, bar.callback(), bootstrapping);
    }
    EncryptionRandomness rng = EncryptionRandomness::from_os();
    return generate_evaluation_key(client, rng, bar.callback(), bootstrapping);
  }();
  // Both files or neither: a failed write leaves the previous pair as it was.
  save_key_pair(o.client_key, client, o.server_key, eval, o.seeded);
  return 0;
}

}  // namespace

void add_keygen_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<KeygenOptions>();
  CLI::App* cmd = app.add_subcommand(
      "keygen", "Generate a client key (secret, stays here) and a server key (for the server)");
  workbench::add_param_options(cmd, o->params);
  cmd->add_option("--spec", o->spec, "Client spec of a compiled model (its parameter set is used)");
  cmd->add_option("--client-key", o->client_key, "Client key file to write (mode 0600)")
      ->required();
  cmd->add_option("--server-key", o->server_key, "Evaluation (server) key file to write")
      ->required();
  cmd->add_flag("--seeded", o->seeded,
                "Store the server key's masks as a 32-byte seed (about (k+1)x smaller)");
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([&action, o] { action = [o] { return run_keygen(*o); }; });
}

}  // namespace lutfhe::cli
