// The encrypted MNIST flow through the library API, in one program: load a trained quantized
// model and the data, compile with calibration, make keys, then for a few test digits encrypt
// (client), evaluate with the server key only (server), decrypt (client). `lutfhe demo mnist`
// does the same with the roles' files apart on disk, and examples/mnist/run.sh with commands.
//
//   build/examples/lutfhe_mnist_example MODEL.json [DATA_DIR=data/mnist] [COUNT=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "compiler/client.hpp"
#include "compiler/compile.hpp"
#include "compiler/execute.hpp"
#include "core/client_key.hpp"
#include "core/server_key.hpp"
#include "models/dataset.hpp"
#include "models/lowering.hpp"
#include "models/model_file.hpp"

using namespace lutfhe;

namespace {

std::vector<double> pixels(const models::ImageDataset& d, std::size_t i) {
  std::vector<double> x;
  for (std::uint8_t v : d.image(i)) x.push_back(v / 255.0);
  return x;
}

int run(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.json [DATA_DIR] [COUNT]\n", argv[0]);
    return 2;
  }
  const std::string data = argc > 2 ? argv[2] : "data/mnist";
  const std::size_t count = argc > 3 ? std::stoul(argv[3]) : 5;

  // Model owner: lower the quantized model and compile it, calibrating on training digits.
  const models::QuantizedModel model = models::load_any_model(argv[1]);
  const models::LoweredModel lowered = models::lower_model(model);
  const auto train = models::load_image_dataset(data, models::Split::kTrain, 2000);
  const auto test = models::load_image_dataset(data, models::Split::kTest, count);
  std::vector<compiler::Sample> calibration;
  for (std::size_t i = 0; i < train.size(); ++i) {
    calibration.push_back(models::quantize_input(model, pixels(train, i)));
  }
  compiler::CompileOptions options;  // p_error 2^-40 per lookup, 128-bit parameters
  options.rounding_mode = compiler::RoundingMode::kApproximate;  // one bootstrap per lookup
  const auto compiled = compiler::compile(lowered.circuit, calibration, options);
  const compiler::ClientSpec spec = compiler::make_client_spec(
      compiled.compiled, {lowered.input_quantization}, {lowered.output_quantization});
  std::printf("%s", compiled.report.text().c_str());

  // Client: the secret key never leaves this side; the server gets an evaluation key.
  const ClientKey client = ClientKey::generate(spec.params);
  const ServerKey server_key(generate_evaluation_key(client));
  EncryptionRandomness rng = EncryptionRandomness::from_os();

  // Server: holds the circuit and the server key only.
  compiler::ServerEvaluator server(compiled.compiled, server_key);

  std::size_t right = 0;
  for (std::size_t i = 0; i < test.size(); ++i) {
    auto encrypted =
        compiler::encrypt_sample(spec, client, models::quantize_input(model, pixels(test, i)), rng);
    const auto start = std::chrono::steady_clock::now();
    const auto result = server.run(std::move(encrypted));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const auto scores = compiler::decrypt_outputs(spec, client, result).at(0);
    const auto digit = std::max_element(scores.begin(), scores.end()) - scores.begin();
    right += static_cast<std::size_t>(digit) == test.labels[i];
    std::printf("digit %zu: label %d, encrypted prediction %td, %.0f ms\n", i, test.labels[i],
                digit, ms);
  }
  std::printf("%zu of %zu correct\n", right, test.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
