// The client side: `lutfhe encrypt` and `lutfhe decrypt`, the only commands that read a client
// key. Decrypted values go to stdout and nowhere else.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/compiler_commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/paths.hpp"
#include "cli/value_input.hpp"
#include "core/batch_encryption.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/client_key_file.hpp"
#include "core/encoding.hpp"
#include "core/errors.hpp"

namespace lutfhe::cli {
namespace {

struct EncryptOptions {
  std::string spec;   // with a compiled model's client spec: quantize and encrypt samples
  std::string input;  // samples for --spec (CSV, IDX)
  std::size_t count = 0;
  std::string client_key;
  unsigned bits = 0;
  bool bits_given = false;
  bool boolean = false;
  std::string values;
  std::string in;
  std::string out;
  bool seeded = false;
  bool quiet = false;
};

// The encoding asked for, checked against what the parameter set can bootstrap.
MessageEncoding encoding_for(const EncryptOptions& o, const ParameterSet& p,
                             const std::string& key_path) {
  if (o.boolean) return {true, 0};
  if (o.bits < 1 || o.bits > kMaxMessageBits) {
    throw UsageError("--bits " + std::to_string(o.bits) + ": must be 1.." +
                     std::to_string(kMaxMessageBits));
  }
  if (p.message_bits == 0) {
    throw UsageError(key_path + ": parameter set " + p.name +
                     " is for booleans (gate bootstrapping); use --bool");
  }
  if (o.bits > p.message_bits) {
    throw UsageError("--bits " + std::to_string(o.bits) + ": parameter set " + p.name +
                     " supports at most " + std::to_string(p.message_bits) + " message bits");
  }
  return {false, o.bits};
}

int run_encrypt(const EncryptOptions& o) {
  if (o.boolean == o.bits_given) throw UsageError("give exactly one of --bits B and --bool");
  if (o.values.empty() == o.in.empty()) {
    throw UsageError("give exactly one of --values LIST and --in FILE");
  }
  require_writable_output(o.out, "--out");
  require_distinct(o.out, "--out", o.client_key, "--client-key");
  const ClientKey key = load_client_key(o.client_key);
  const MessageEncoding enc = encoding_for(o, key.parameters(), o.client_key);
  const std::string source = o.in.empty() ? std::string("--values") : o.in;
  const std::vector<std::uint64_t> values =
      o.in.empty() ? parse_integer_list(o.values, "--values") : read_integer_file(o.in);
  if (values.empty()) throw UsageError(source + ": no values to encrypt");
  require_values_fit(values, enc.boolean ? 1 : enc.bits, source);
  const CiphertextBatch batch = encrypt_batch(key, values, enc, o.seeded);
  save_ciphertexts(o.out, batch, o.seeded);
  return 0;
}

struct DecryptOptions {
  std::string spec;
  std::string client_key;
  std::string in;
  bool boolean = false;
  bool quiet = false;
};

int run_decrypt(const DecryptOptions& o) {
  if (!o.spec.empty()) {
    if (o.boolean) throw UsageError("decrypt: --bool does not apply with --spec");
    return decrypt_with_spec({o.spec, o.client_key, o.in}, std::cout);
  }
  const ClientKey key = load_client_key(o.client_key);
  const CiphertextBatch batch = load_ciphertexts(o.in);
  require_same_key(o.in, batch.params, batch.key_id, key.parameters(), key.key_id());
  if (o.boolean && !batch.encoding.boolean) {
    throw UsageError(o.in + ": holds " + std::to_string(batch.encoding.bits) +
                     "-bit integers, not booleans (drop --bool)");
  }
  std::string out;
  for (const auto& ct : batch.ciphertexts) {
    const std::uint64_t v = batch.encoding.boolean ? (key.decrypt_bool(ct) ? 1 : 0)
                                                   : key.decrypt(ct, batch.encoding.bits);
    out += std::to_string(v);
    out += '\n';
  }
  std::cout << out << std::flush;
  if (!std::cout) throw FileAccessError("standard output: write failed");
  return 0;
}

}  // namespace

void add_encrypt_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<EncryptOptions>();
  CLI::App* cmd = app.add_subcommand("encrypt", "Encrypt clear integers or booleans");
  cmd->add_option("--client-key", o->client_key, "Client key file")->required();
  auto* bits = cmd->add_option("--bits", o->bits, "Message bits of each value (1..16)");
  auto* boolean = cmd->add_flag("--bool", o->boolean, "Encrypt booleans (0/1) for 'lutfhe gate'");
  bits->excludes(boolean);
  auto* values = cmd->add_option("--values", o->values, "Comma-separated values: 3,1,4");
  auto* in = cmd->add_option("--in", o->in, "File with one value per line ('-': stdin)");
  values->excludes(in);
  cmd->add_option("--out", o->out, "Ciphertext file to write")->required();
  auto* spec = cmd->add_option("--spec", o->spec,
                               "Client spec of a compiled model: quantize and encrypt samples");
  auto* input = cmd->add_option("--input", o->input, "Samples for --spec: CSV or IDX (.gz too)");
  cmd->add_option("--count", o->count, "With --spec: only the first N samples");
  input->needs(spec);
  spec->excludes(bits);
  spec->excludes(boolean);
  spec->excludes(values);
  spec->excludes(in);
  cmd->add_flag("--seeded", o->seeded,
                "Store masks as a 32-byte seed: 8 bytes per ciphertext instead of 8(k*N+1)");
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([&action, o, bits] {
    o->bits_given = bits->count() > 0;
    if (!o->spec.empty()) {
      action = [o] {
        if (o->input.empty()) throw UsageError("encrypt: --spec needs --input FILE");
        return encrypt_with_spec({o->spec, o->client_key, o->input, o->count, o->out, o->quiet});
      };
      return;
    }
    action = [o] { return run_encrypt(*o); };
  });
}

void add_decrypt_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<DecryptOptions>();
  CLI::App* cmd = app.add_subcommand("decrypt", "Decrypt a ciphertext file: one value per line");
  cmd->add_option("--client-key", o->client_key, "Client key file")->required();
  cmd->add_option("--in", o->in, "Ciphertext file")->required();
  cmd->add_flag("--bool", o->boolean, "Expect booleans (printed as 0/1)");
  cmd->add_option("--spec", o->spec,
                  "Client spec of a compiled model: print the argmax class and the "
                  "dequantized scores of each sample");
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([&action, o] { action = [o] { return run_decrypt(*o); }; });
}

}  // namespace lutfhe::cli
