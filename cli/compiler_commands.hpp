// The compiler's commands: `lutfhe compile`, `lutfhe run` (server side), `lutfhe predict`, and
// the pieces that `keygen`, `encrypt` and `decrypt` call when given a client spec (--spec).
//
//   compile  --model M --calibration DATA --out DIR [--count N] [--p-error P |
//            --global-p-error P] [--rounding-bits R] [--rounding exact|approximate] [--params NAME]
//            writes DIR/client.spec, DIR/server.circuit, DIR/compile_report.txt
//   run      --circuit DIR/server.circuit --server-key SK --in Q --out R [--threads T]
//            (server: reads the evaluation key only)
//   predict  --model M --mode clear|simulate|execute --input X [--calibration DATA] [--count N]
//            [--rounding-bits R] [--rounding MODE] [--params NAME] [--p-error P] [--threads T]
//
// Sample files: CSV (one sample per line) and whatever models/samples.hpp has registered.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

#include "cli/commands.hpp"
#include "core/parameters.hpp"

namespace lutfhe::cli {

// Registers compile, run and predict on `app` (same convention as the other add_*_command).
void add_compiler_commands(CLI::App& app, Action& action);

// "2^-40" or a probability in (0, 1) such as 1e-12 → its log2; UsageError naming `option`
// otherwise.
double parse_p_error(const std::string& text, const std::string& option);

// `lutfhe keygen --spec DIR/client.spec`: the parameter set the spec was compiled for.
ParameterSet parameters_for_spec(const std::string& spec_path);

struct SpecEncryptOptions {
  std::string spec;        // client.spec
  std::string client_key;  // the client key made for that spec's parameters
  std::string input;       // samples (real values), CSV or a registered format
  std::size_t count = 0;   // first N samples (0: all)
  std::string out;         // the ciphertext file (all samples, seeded masks)
  bool quiet = false;
};
// `lutfhe encrypt --spec ...`: quantizes and encrypts every sample; returns an exit code.
int encrypt_with_spec(const SpecEncryptOptions& options);

struct SpecDecryptOptions {
  std::string spec;
  std::string client_key;
  std::string in;  // results written by `lutfhe run`
};
// `lutfhe decrypt --spec ...`: one line per sample on `out`: the argmax class, then the
// dequantized scores, space-separated.
int decrypt_with_spec(const SpecDecryptOptions& options, std::ostream& out);

}  // namespace lutfhe::cli
