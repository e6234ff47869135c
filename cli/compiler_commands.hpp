// The compiler's commands and the client/server steps around a compiled model:
//
//   compile  --model M --calibration DATA --out DIR [compile flags, cli/compile_flags.hpp]
//            writes DIR/client.spec, DIR/server.circuit, DIR/compile_report.txt
//   run      --circuit DIR/server.circuit --server-key SK --in Q --out R [--threads T]
//            (server: reads the evaluation key only)
//   predict  --model M --mode clear|simulate|execute --input X [--compiled DIR | compile flags]
//   keygen/encrypt/decrypt --spec DIR/client.spec   (client; cmd_keygen.cpp, cmd_client.cpp)
//
// Sample files: CSV (one sample per line), IDX and whatever models/samples.hpp has registered.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "compiler/client_spec.hpp"
#include "core/parameters.hpp"

namespace lutfhe::cli {

// Registers compile, run and predict on `app` (same convention as the other add_*_command).
void add_compile_command(CLI::App& app, Action& action);  // cmd_compile.cpp
void add_run_command(CLI::App& app, Action& action);      // cmd_run.cpp
void add_predict_command(CLI::App& app, Action& action);  // cmd_predict.cpp

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

// "<argmax of the first output> <score> <score> ...": every output dequantized.
void print_prediction(std::ostream& out, const std::vector<compiler::ClientTensor>& outputs,
                      const std::vector<compiler::Tensor>& values);

}  // namespace lutfhe::cli
