// Writes the seed corpus of the fuzz targets: valid files of every kind (plain and seeded
// forms) under the small fuzz parameter set, both as whole files (mode byte 0) and as framed
// payloads (mode byte 1, or 3 when seeded). Usage: lutfhe_fuzz_seeds OUTPUT_DIR
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>

#include "compiler/artifacts.hpp"
#include "compiler/compile.hpp"
#include "core/batch_encryption.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/client_key_file.hpp"
#include "core/describe_file.hpp"
#include "core/evaluation_key.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/file_payload.hpp"
#include "core/glwe.hpp"
#include "core/lookup_table.hpp"
#include "core/lookup_table_file.hpp"
#include "core/parameter_file.hpp"
#include "models/lowering.hpp"
#include "models/model_file.hpp"
#include "models/samples.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace fs = std::filesystem;
using namespace lutfhe;

namespace {

std::vector<std::uint8_t> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_seed(const fs::path& dir, const std::string& name, std::uint8_t mode,
                const std::vector<std::uint8_t>& body) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out.put(static_cast<char>(mode));
  out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: lutfhe_fuzz_seeds OUTPUT_DIR\n";
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path tmp = out / ".work";
  fs::create_directories(tmp);
  const ParameterSet& p = fuzz::fuzz_parameters();
  const ClientKey client(p, test_seed(1));
  const EvaluationKey eval = generate_evaluation_key(client);  // records its mask seed
  const std::vector<std::uint64_t> values = {0, 1, 2, 3};
  const CiphertextBatch ints = encrypt_batch(client, values, {false, 2}, true);
  const CiphertextBatch bools =
      encrypt_batch(client, std::vector<std::uint64_t>{1, 0}, {true, 0}, true);
  GlweCiphertext glwe(p.k, p.N);
  std::vector<std::uint64_t> table = {3, 2, 1, 0};

  // file name → (targets it seeds, writer)
  struct Seed {
    std::vector<std::string> targets;
    std::function<void(const fs::path&)> save;
  };
  const std::map<std::string, Seed> seeds = {
      {"parameters", {{"load_parameters"}, [&](auto& f) { save_parameters(f, p); }}},
      {"client_key", {{"load_client_key"}, [&](auto& f) { save_client_key(f, client); }}},
      {"evaluation_key",
       {{"load_evaluation_key", "load_server_key"},
        [&](auto& f) { save_evaluation_key(f, eval, false); }}},
      {"evaluation_key_seeded",
       {{"load_evaluation_key", "load_server_key"},
        [&](auto& f) { save_evaluation_key(f, eval, true); }}},
      {"ciphertexts", {{"load_ciphertexts"}, [&](auto& f) { save_ciphertexts(f, ints, false); }}},
      {"ciphertexts_seeded",
       {{"load_ciphertexts"}, [&](auto& f) { save_ciphertexts(f, ints, true); }}},
      {"booleans_seeded",
       {{"load_ciphertexts"}, [&](auto& f) { save_ciphertexts(f, bools, true); }}},
      {"glwe",
       {{"load_glwe_ciphertext"},
        [&](auto& f) { save_glwe_ciphertext(f, p, client.key_id(), glwe); }}},
      {"lookup_table",
       {{"load_lookup_table"},
        [&](auto& f) { save_lookup_table(f, p, make_lookup_table(p.N, 2, table, 2)); }}},
  };
  for (const auto& [name, seed] : seeds) {
    const fs::path file = tmp / name;
    seed.save(file);
    const std::vector<std::uint8_t> bytes = read_all(file);
    const FileHeader h = read_file_header(file);
    const std::vector<std::uint8_t> payload(bytes.begin() + kHeaderSize, bytes.end());
    const std::uint8_t framed = (h.flags & kFlagSeeded) != 0 ? 3 : 1;
    std::vector<std::string> targets = seed.targets;
    targets.push_back("describe_file");
    for (const auto& t : targets) {
      write_seed(out / t, name + ".file", 0, bytes);
      std::uint8_t mode = framed;
      if (t == "describe_file") {
        // Bits 2..4 select the framed kind (fuzz_common.cpp's table).
        static const std::map<std::uint32_t, std::uint8_t> index = {
            {1, 0}, {2, 1}, {3, 2}, {4, 3}, {5, 4}, {6, 5}, {16, 6}, {17, 7}};
        mode =
            static_cast<std::uint8_t>(framed | index.at(static_cast<std::uint32_t>(h.kind)) << 2);
      }
      write_seed(out / t, name + ".payload", mode, payload);
    }
  }
  // The compiler's artifacts: tiny_mlp compiled under the fuzz parameters' neighbour TOY.
  {
    const fs::path src = LUTFHE_SOURCE_DIR;
    const models::QuantizedModel model = models::load_model(src / "examples/models/tiny_mlp.json");
    const models::LoweredModel lowered = models::lower_model(model);
    compiler::CompileOptions options;
    options.parameters = find_parameter_set("TOY");
    options.rounding_bits = 4;
    const compiler::CompileResult compiled = compiler::compile(lowered.circuit, {}, options);
    const compiler::ClientSpec spec = compiler::make_client_spec(
        compiled.compiled, {lowered.input_quantization}, {lowered.output_quantization}, "seed");
    const std::map<std::string, std::pair<std::string, std::function<void(const fs::path&)>>>
        artifacts = {
            {"server.circuit",
             {"load_server_circuit",
              [&](const fs::path& f) { compiler::save_server_circuit(f, compiled.compiled); }}},
            {"client.spec",
             {"load_client_spec", [&](const fs::path& f) { compiler::save_client_spec(f, spec); }}},
        };
    for (const auto& [name, target_and_save] : artifacts) {
      const fs::path file = tmp / name;
      target_and_save.second(file);
      const std::vector<std::uint8_t> bytes = read_all(file);
      const std::vector<std::uint8_t> payload(bytes.begin() + kHeaderSize, bytes.end());
      write_seed(out / target_and_save.first, name + ".file", 0, bytes);
      write_seed(out / target_and_save.first, name + ".payload", 1, payload);
    }
  }
  // Raw-file targets: real files of each format, as they are (no mode byte).
  const auto copy_raw = [&](const std::string& target, const fs::path& file) {
    fs::create_directories(out / target);
    fs::copy_file(file, out / target / file.filename(), fs::copy_options::overwrite_existing);
  };
  const auto write_raw = [&](const std::string& target, const std::string& name,
                             const std::string& text) {
    fs::create_directories(out / target);
    std::ofstream(out / target / name, std::ios::binary) << text;
  };
  for (const char* name : {"TOY", "PBS_2BIT", "TFHE_LIB"}) {
    write_raw("parse_parameter_json", std::string(name) + ".json",
              parameters_to_json(find_parameter_set(name)));
  }
  const fs::path src = LUTFHE_SOURCE_DIR;
  for (const auto& entry : fs::directory_iterator(src / "examples/models")) {
    if (entry.path().extension() == ".json") copy_raw("parse_model_json", entry.path());
  }
  for (const auto& entry : fs::directory_iterator(src / "tests/data/onnx")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".onnx") copy_raw("load_onnx", entry.path());
    if (entry.path().extension() == ".csv" && fs::file_size(entry.path()) < 65536) {
      copy_raw("load_samples_csv", entry.path());
    }
  }
  // IDX: a small plain file of each element type the loader knows, and the committed gzipped
  // MNIST labels.
  write_raw("load_samples_idx", "u8.idx",
            std::string("\0\0\x08\x02\0\0\0\x02\0\0\0\x03", 12) +
                std::string("\x01\x02\x03\x04\x05\x06", 6));
  write_raw("load_samples_idx", "f32.idx",
            std::string("\0\0\x0d\x01\0\0\0\x02", 8) + std::string("\x3f\x80\0\0\x40\0\0\0", 8));
  copy_raw("load_samples_idx", src / "tests/data/mnist-sample/t10k-labels-idx1-ubyte.gz");
  fs::remove_all(tmp);
  return 0;
}
