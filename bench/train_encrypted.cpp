// lutfhe_train_bench: encrypted training of logistic regression on the breast-cancer table
// (--task breast, tests/data/model_suite: features scaled to [-1, 1], stratified 70/30 split,
// the first 200 training rows) or on binary MNIST (--task mnist01, load_mnist01) — seconds per
// batch of real FHE steps, the encrypted weights against the simulated ones batch by batch, test
// accuracy against the simulated run and float logistic regression with the same batches, epochs
// and learning rate. Prints a table and writes JSON.
//
//   lutfhe_train_bench [--epochs E] [--steps N] [--threads T] [--params NAME] [--json FILE]
//                      [--task breast|mnist01] [--p-error LOG2] [--report] [--data DIR] [--x-max X]
//                      [--w-max W]
//                      [--w-scale S] [--p-levels P] [--lr LR] [--max-step D]
//
// --steps limits the encrypted steps (the simulated run and the float reference always do
// every epoch; the accuracy of the encrypted model is reported only for a full run).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "compiler/client_spec.hpp"
#include "core/atomic_file.hpp"
#include "core/client_key.hpp"
#include "core/json_text.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "models/encrypted_training.hpp"
#include "models/idx.hpp"
#include "models/samples.hpp"
#include "models/training_client.hpp"
#include "models/training_server.hpp"

namespace {

using namespace lutfhe;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Binary MNIST: the digits 0 and 1 of the project's MNIST sample (tests/data/mnist-sample, 300
// test images: 65 of them zeros and ones), each image averaged over 4×4 blocks to 7×7 = 49
// features scaled to [-1, 1]; the first 48 train (6 minibatches of 8), the other 17 test.
void load_mnist01(const std::string& dir, std::vector<compiler::RealSample>& train_x,
                  std::vector<int>& train_y, std::vector<compiler::RealSample>& test_x,
                  std::vector<int>& test_y) {
  const models::IdxArray images = models::load_idx(dir + "/t10k-images-idx3-ubyte.gz");
  const auto labels = models::load_idx_labels(dir + "/t10k-labels-idx1-ubyte.gz");
  const std::size_t pixels = 28 * 28;
  std::size_t taken = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 1) continue;
    compiler::RealSample f(49, 0.0);
    for (std::size_t r = 0; r < 28; ++r) {
      for (std::size_t c = 0; c < 28; ++c) {
        f[(r / 4) * 7 + c / 4] += images.values[i * pixels + r * 28 + c] / (255.0 * 16.0);
      }
    }
    for (double& v : f) v = 2.0 * v - 1.0;
    (taken < 48 ? train_x : test_x).push_back(std::move(f));
    (taken < 48 ? train_y : test_y).push_back(labels[i]);
    ++taken;
  }
}

// CPU seconds of the whole process (all threads): on a shared machine, other processes'
// load moves this far less than the wall time.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

int run(int argc, char** argv) {
  std::size_t epochs = 3;
  std::size_t max_steps = 0;
  int threads = 2;
  std::string params;
  std::string json;
  std::string data;
  std::string task = "breast";
  models::SgdSettings s;
  double log2_p_error = -40.0;
  bool report = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw InvalidArgument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") {
      epochs = std::stoul(value());
    } else if (a == "--steps") {
      max_steps = std::stoul(value());
    } else if (a == "--threads") {
      threads = std::stoi(value());
    } else if (a == "--params") {
      params = value();
    } else if (a == "--json") {
      json = value();
    } else if (a == "--data") {
      data = value();
    } else if (a == "--task") {
      task = value();
    } else if (a == "--x-max") {
      s.x_max = std::stol(value());
    } else if (a == "--w-max") {
      s.w_max = std::stol(value());
    } else if (a == "--w-scale") {
      s.w_scale = std::stod(value());
    } else if (a == "--p-levels") {
      s.p_levels = std::stol(value());
    } else if (a == "--lr") {
      s.learning_rate = std::stod(value());
    } else if (a == "--max-step") {
      s.max_step = std::stol(value());
    } else if (a == "--p-error") {
      log2_p_error = std::stod(value());
    } else if (a == "--report") {
      report = true;
    } else {
      throw InvalidArgument("unknown option " + a +
                            " (see the comment at the top of bench/train_encrypted.cpp)");
    }
  }
  std::vector<compiler::RealSample> train_x;
  std::vector<compiler::RealSample> test_x;
  std::vector<int> train_y;
  std::vector<int> test_y;
  if (task == "breast") {
    if (data.empty()) data = LUTFHE_SOURCE_DIR "/tests/data/model_suite";
    train_x = models::load_csv_samples(data + "/breast_logreg.calibration.csv");
    train_y = models::load_labels(data + "/breast_logreg.calibration_labels.csv");
    test_x = models::load_csv_samples(data + "/breast_logreg.test.csv");
    test_y = models::load_labels(data + "/breast_logreg.test_labels.csv");
  } else if (task == "mnist01") {
    if (data.empty()) data = LUTFHE_SOURCE_DIR "/tests/data/mnist-sample";
    load_mnist01(data, train_x, train_y, test_x, test_y);
  } else {
    throw InvalidArgument("--task " + task + ": use breast or mnist01");
  }
  s.features = train_x.at(0).size();
  const auto compile_start = Clock::now();
  compiler::CompileOptions options = models::sgd_compile_options(
      s, params.empty() ? std::nullopt : std::optional<ParameterSet>(find_parameter_set(params)));
  options.targets.log2_p_error = log2_p_error;
  const auto r = compiler::compile(models::sgd_step_circuit(s), {}, options);
  const double compile_s = since(compile_start);
  if (report) std::printf("%s\n", r.report.text().c_str());
  const compiler::CompiledCircuit& cc = r.compiled;
  const compiler::Quantization wq{1.0 / s.w_scale, 0};
  const compiler::ClientSpec spec = compiler::make_client_spec(
      cc, {{1.0 / static_cast<double>(s.x_max), 0}, {1.0, 0}, wq}, {wq}, "bench");

  std::vector<models::QuantizedBatch> batches;
  const auto one = models::make_batches(train_x, train_y, s);
  for (std::size_t e = 0; e < epochs; ++e) batches.insert(batches.end(), one.begin(), one.end());
  const std::size_t steps = max_steps ? std::min(max_steps, batches.size()) : batches.size();

  // Simulated run and float reference (every step).
  models::PlainTrainer sim(cc, cc.circuit, models::StepMode::kSimulate);
  std::vector<compiler::Tensor> simulated;
  compiler::Tensor w = models::initial_weights(s);
  for (const auto& b : batches) simulated.push_back(w = sim.step(b, w));
  const double sim_acc = models::accuracy(models::dequantize_weights(w, s), test_x, test_y);
  const double float_acc = models::accuracy(
      models::train_float(train_x, train_y, s.batch, s.learning_rate, epochs), test_x, test_y);

  // Keys (fixed seed: a benchmark), encryption, server steps.
  const auto keygen_start = Clock::now();
  const ClientKey client(cc.params, test_seed(20261206));
  auto rng = EncryptionRandomness::from_seed(test_seed(20261207));
  const ServerKey server_key = generate_server_key_in_process(client, rng);
  const double keygen_s = since(keygen_start);
  const auto enc_start = Clock::now();
  const CiphertextBatch data_ct =
      models::encrypt_training_batches(spec, client, std::span(batches.data(), steps));
  CiphertextBatch weights = models::encrypt_weights(spec, client, models::initial_weights(s));
  const double encrypt_s = since(enc_start);
  models::TrainingServer server(cc, server_key, threads);
  std::vector<double> step_s;
  std::vector<double> step_cpu_s;
  std::size_t differing = 0;
  std::printf("%5s %9s %9s %10s %9s\n", "step", "seconds", "cpu s", "= simulate", "accuracy");
  for (std::size_t t = 0; t < steps; ++t) {
    const auto st = Clock::now();
    const double cpu0 = process_cpu_seconds();
    weights = server.step(data_ct, t, weights);
    step_s.push_back(since(st));
    step_cpu_s.push_back(process_cpu_seconds() - cpu0);
    const compiler::Tensor got = models::decrypt_weights(spec, client, weights);
    differing += got != simulated[t];
    std::printf("%5zu %9.2f %9.2f %10s %8.2f%%\n", t + 1, step_s.back(), step_cpu_s.back(),
                got == simulated[t] ? "yes" : "NO",
                100.0 * models::accuracy(models::dequantize_weights(got, s), test_x, test_y));
    std::fflush(stdout);
  }
  double total = 0;
  for (double x : step_s) total += x;
  double total_cpu = 0;
  for (double x : step_cpu_s) total_cpu += x;
  const double cpu_per_batch = steps ? total_cpu / static_cast<double>(steps) : 0.0;
  const double per_batch = steps ? total / static_cast<double>(steps) : 0.0;
  const compiler::Tensor final_w = models::decrypt_weights(spec, client, weights);
  const double fhe_acc = models::accuracy(models::dequantize_weights(final_w, s), test_x, test_y);
  std::printf(
      "\n%s, %s, %zu epochs = %zu batches, %zu encrypted steps\n"
      "parameters %s, %zu bootstraps per step, %d threads, CPU %s\n"
      "compile %.1f s, keygen %.1f s, encrypt %.1f s\n"
      "encrypted: %.2f s per batch, %.1f s for %zu steps (%.2f CPU s per batch); %zu batches "
      "differ from simulate\n"
      "test accuracy: encrypted %.2f%%%s, simulated %.2f%%, float %.2f%%\n",
      task.c_str(), s.describe().c_str(), epochs, batches.size(), steps,
      cc.params.display_name().c_str(), compiler::bootstrap_count(cc), resolve_threads(threads),
      cpu_model().c_str(), compile_s, keygen_s, encrypt_s, per_batch, total, steps, cpu_per_batch,
      differing, 100.0 * fhe_acc, steps < batches.size() ? " (partial run)" : "", 100.0 * sim_acc,
      100.0 * float_acc);
  if (!json.empty()) {
    std::ostringstream j;
    j << "{\"bench\": \"train_encrypted\", \"task\": " << json_quoted(task)
      << ", \"settings\": " << json_quoted(s.describe())
      << ", \"parameters\": " << json_quoted(cc.params.display_name())
      << ", \"insecure\": " << (cc.params.insecure ? "true" : "false")
      << ", \"bootstraps_per_step\": " << compiler::bootstrap_count(cc)
      << ", \"threads\": " << resolve_threads(threads) << ", \"cpu\": " << json_quoted(cpu_model())
      << ", \"epochs\": " << epochs << ", \"batches\": " << batches.size()
      << ", \"encrypted_steps\": " << steps
      << ", \"seconds_per_batch\": " << json_number(per_batch, 6)
      << ", \"encrypted_seconds\": " << json_number(total, 6)
      << ", \"cpu_seconds_per_batch\": " << json_number(cpu_per_batch, 6)
      << ", \"compile_seconds\": " << json_number(compile_s, 4)
      << ", \"keygen_seconds\": " << json_number(keygen_s, 4)
      << ", \"batches_differing_from_simulate\": " << differing
      << ", \"encrypted_accuracy\": " << json_number(fhe_acc, 6)
      << ", \"simulated_accuracy\": " << json_number(sim_acc, 6)
      << ", \"float_accuracy\": " << json_number(float_acc, 6) << ", \"seconds_per_step\": [";
    for (std::size_t t = 0; t < step_s.size(); ++t) {
      j << (t ? ", " : "") << json_number(step_s[t], 4);
    }
    j << "]}\n";
    write_file_atomically(json, j.str());
  }
  return differing == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lutfhe_train_bench: error: %s\n", e.what());
    return 2;
  }
}
