// The compiler's files, in the standard lutfhe framing (core/file_format.hpp: magic, version,
// kind, parameter fingerprint, BLAKE2b digests; cereal portable-binary payloads):
//
//   client spec     (ObjectKind::kClientSpec)    parameters, input quantization and scales,
//                                                 output ranges, scales and dequantization,
//                                                 shapes — no secrets, no weights
//   server circuit  (ObjectKind::kServerCircuit) parameters, the rounded circuit (clear weights,
//                                                 lookup tables), every node's range and r
//
// A loaded server circuit is re-planned (plan_circuit) from its circuit, ranges and r, so what
// the server evaluates is checked by the same code that produced it. Everything is validated
// on load; a bad file is refused with FileFormatError naming the file and the field.
#pragma once

#include <filesystem>

#include "compiler/client_spec.hpp"
#include "compiler/compiled_circuit.hpp"

namespace lutfhe::compiler {

// Version 2 added the client spec's needs_bootstrapping (version 1 files are read as needing a
// bootstrapping key, which they were given) and the server circuit's per-channel rounding
// (round bits per channel of a lookup, the ranges of its input's channels). Version 3 added the
// server circuit's loop-carried values (Carry: output → input of the next evaluation, for
// training steps); version 1 and 2 circuits are read as carrying nothing, which they did not.
inline constexpr std::uint32_t kArtifactVersion = 3;

void save_client_spec(const std::filesystem::path& path, const ClientSpec& spec);
ClientSpec load_client_spec(const std::filesystem::path& path);

void save_server_circuit(const std::filesystem::path& path, const CompiledCircuit& compiled);
CompiledCircuit load_server_circuit(const std::filesystem::path& path);

// For `lutfhe keygen --spec`: the parameter set a client spec was compiled for.
ParameterSet parameters_from_spec(const std::filesystem::path& spec_path);

}  // namespace lutfhe::compiler
