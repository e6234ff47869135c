// `lutfhe demo mnist`: the whole encrypted-inference story in one command, with the roles kept
// apart on disk. The model owner trains (or loads) a quantized model and compiles it; the client
// keeps its secret key, the spec and its plaintext images in client/; the server sees only
// server/ (the circuit, the evaluation key, ciphertexts in and out). Each image goes
// client → file → server → file → client, and the server side of this program opens nothing
// but server/.
#include <omp.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/compile_flags.hpp"
#include "cli/compiler_commands.hpp"
#include "cli/demo_service.hpp"
#include "cli/exit_codes.hpp"
#include "cli/progress.hpp"
#include "compiler/artifacts.hpp"
#include "compiler/client.hpp"
#include "compiler/compile.hpp"
#include "compiler/server.hpp"
#include "compiler/simulate.hpp"
#include "core/atomic_file.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/client_key_file.hpp"
#include "core/evaluation_key.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/json_text.hpp"
#include "core/server_key.hpp"
#include "models/dataset.hpp"
#include "models/lowering.hpp"
#include "models/model_file.hpp"
#include "models/trainer.hpp"

namespace lutfhe::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct DemoOptions {
  std::string dataset = "mnist";
  std::string data;  // dataset directory; default data/mnist or Debian's Fashion-MNIST
  std::string dir = "lutfhe-demo";
  std::string model;
  std::size_t count = 10;
  int threads = 0;
  std::size_t single_thread_images = 2;
  std::size_t calibration = 8000;
  std::string p_error;
  // Approximate rounding (one bootstrap per hidden unit) by default: exact rounding costs 4–5
  // bootstraps per unit on MNIST-sized accumulators. The compiler picks the cheapest r whose
  // agreement with the clear model stays ≥ 99% with the noise model's errors injected.
  std::string rounding = "approximate";
  unsigned rounding_bits = 0;
  // Calibrated lookup ranges without headroom by default: the hidden accumulators of the 8,000
  // calibration digits span 10 bits where the worst case of 2-bit pixels spans 12, and each
  // bit a table must read doubles N (r = 6 at N = 4096 instead of r = 7 at N = 8192). A digit
  // whose accumulator leaves the calibrated range wraps, the same in simulate and execute.
  std::string ranges = "calibrated";
  unsigned headroom = 0;
  // Training, when no model is given and none is cached.
  unsigned hidden = 128;
  unsigned weight_bits = 3;
  unsigned act_bits = 3;
  unsigned input_bits = 2;
  unsigned epochs = 0;  // 0: the trainer's default
  std::uint64_t seed = 1;
  bool train = false;  // train from scratch even when the committed or a cached model fits
  bool draw = true;
  bool json = false;
  bool serve = false;  // through a local `lutfhe serve` over HTTP (cli/demo_service.hpp)
  bool quiet = false;
};

// Where the dataset lives, fetching MNIST with scripts/fetch-mnist when it is missing.
fs::path dataset_directory(const DemoOptions& o) {
  if (o.dataset != "mnist" && o.dataset != "fashion") {
    throw UsageError("--dataset " + o.dataset + ": use mnist or fashion");
  }
  if (!o.data.empty()) return o.data;
  if (o.dataset == "fashion") {
    const fs::path debian = "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(debian / "t10k-images-idx3-ubyte.gz")) {
      throw UsageError(
          "Fashion-MNIST not found in /usr/share/datasets/fashion-mnist: install Debian's "
          "dataset-fashion-mnist (scripts/setup does) or give --data DIR");
    }
    return debian;
  }
  const char* env = std::getenv("LUTFHE_DATA_DIR");
  const fs::path root = env && *env ? fs::path(env) : fs::path("data");
  const fs::path dir = root / "mnist";
  if (fs::exists(dir / "t10k-images-idx3-ubyte.gz") &&
      fs::exists(dir / "train-images-idx3-ubyte.gz")) {
    return dir;
  }
  // The fetch script sits in the source tree's scripts/; the demo normally runs from there.
  fs::path script = fs::path(LUTFHE_SOURCE_DIR) / "scripts" / "fetch-mnist";
  if (!fs::exists(script)) script = "scripts/fetch-mnist";
  if (!fs::exists(script)) {
    throw UsageError(dir.string() +
                     ": MNIST is missing and scripts/fetch-mnist was not found; "
                     "run it from the source tree or give --data DIR");
  }
  std::cerr << "lutfhe demo: " << dir.string() << " is missing; running " << script.string()
            << "\n";
  const std::string command =
      "LUTFHE_DATA_DIR='" + fs::absolute(root).string() + "' '" + script.string() + "' >&2";
  if (std::system(command.c_str()) != 0) {
    throw UsageError(script.string() + " failed; see the messages above");
  }
  return dir;
}

// A real sample (pixels / 255) of image i.
std::vector<double> image_values(const models::ImageDataset& d, std::size_t i) {
  const std::size_t n = d.rows * d.cols;
  std::vector<double> x(n);
  for (std::size_t p = 0; p < n; ++p) x[p] = d.pixels[i * n + p] / 255.0;
  return x;
}

std::size_t argmax(const std::vector<double>& v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

std::size_t argmax_of(const compiler::Tensor& t) {
  return static_cast<std::size_t>(std::max_element(t.begin(), t.end()) - t.begin());
}

// Two image rows per terminal line, a ten-step ramp of darkness.
void draw_image(std::ostream& out, const models::ImageDataset& d, std::size_t i) {
  static const char ramp[] = " .:-=+*#%@";
  const std::uint8_t* px = d.pixels.data() + i * d.rows * d.cols;
  for (std::size_t r = 0; r + 1 < d.rows; r += 2) {
    std::string line = "    ";
    for (std::size_t c = 0; c < d.cols; ++c) {
      const int v = (px[r * d.cols + c] + px[(r + 1) * d.cols + c]) / 2;
      line += ramp[std::min(9, v * 10 / 256)];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }
}

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * fraction);
  return buf;
}

std::string megabytes(std::uintmax_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

// The model: given, cached from an earlier run, or trained now (and cached).
struct DemoModel {
  models::QuantizedModel model;
  fs::path path;
  std::optional<double> float_accuracy;  // of the float network the model was trained as
  std::string origin;
};

// The trainer's record next to a model file ("<model>.train.json").
fs::path sidecar_path(const fs::path& model) {
  return model.string() + ".train.json";
}

// The float accuracy the training record holds, if there is one.
std::optional<double> recorded_float_accuracy(const fs::path& model) {
  std::ifstream in(sidecar_path(model));
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  static const std::regex field(R"re("float_accuracy"\s*:\s*([0-9.eE+-]+))re");
  std::smatch match;
  const std::string s = text.str();
  if (!std::regex_search(s, match, field)) return std::nullopt;
  try {
    return std::stod(match[1].str());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string model_tag(const DemoOptions& o) {
  std::ostringstream s;
  s << o.dataset << "-h" << o.hidden << "-w" << o.weight_bits << "-a" << o.act_bits << "-i"
    << o.input_bits << "-e" << (o.epochs ? std::to_string(o.epochs) : std::string("default"))
    << "-s" << o.seed;
  return s.str();
}

// The committed default model (examples/mnist/model/): trained once with the default options
// below and kept as bytes, because training with the same seed gives a different model on
// another CPU (-march=native lets the float products vectorize and contract differently, so
// rounding differs and SGD drifts). Loading it makes the compile decision, the accuracy and the
// timings the same on every machine.
constexpr const char* kDefaultModelName = "mnist-h128-w3-a3-i2.json";

bool default_training_options(const DemoOptions& o) {
  return o.dataset == "mnist" && o.hidden == 128 && o.weight_bits == 3 && o.act_bits == 3 &&
         o.input_bits == 2 && o.epochs == 0 && o.seed == 1;
}

fs::path committed_model_path() {
  return fs::path(LUTFHE_SOURCE_DIR) / "examples" / "mnist" / "model" / kDefaultModelName;
}

DemoModel obtain_model(const DemoOptions& o, const models::ImageDataset& train,
                       const models::ImageDataset& test) {
  if (!o.model.empty()) {
    DemoModel m{models::load_any_model(o.model), o.model, std::nullopt, "given"};
    m.float_accuracy = recorded_float_accuracy(o.model);
    return m;
  }
  if (!o.train && default_training_options(o)) {
    const fs::path committed = committed_model_path();
    if (fs::exists(committed)) {
      DemoModel m{models::load_model(committed), committed, std::nullopt,
                  "committed default model, the same on every machine; --train trains anew"};
      m.float_accuracy = recorded_float_accuracy(committed);
      return m;
    }
    std::cerr << "lutfhe demo: " << committed.string()
              << " not found (not run from the source tree?); training instead\n";
  }
  const fs::path cached = fs::path(o.dir) / "model" / (model_tag(o) + ".json");
  if (fs::exists(cached) && !o.train) {
    DemoModel m{models::load_model(cached), cached, std::nullopt, "cached"};
    m.float_accuracy = recorded_float_accuracy(cached);
    return m;
  }
  fs::create_directories(cached.parent_path());
  models::TrainConfig cfg;
  cfg.hidden = o.hidden;
  cfg.weight_bits = o.weight_bits;
  cfg.act_bits = o.act_bits;
  cfg.input_bits = o.input_bits;
  if (o.epochs) cfg.epochs = o.epochs;
  cfg.seed = o.seed;
  // One thread: the model bytes depend on the thread count (and the products are too small to
  // gain from more), so the cached model is the same whatever --threads says.
  cfg.threads = 1;
  cfg.name = o.dataset + "_mlp";
  std::cerr << "lutfhe demo: training " << cached.filename().string() << " on " << train.size()
            << " images (cached for later runs)\n";
  ProgressBar bar("training", progress_wanted(o.quiet));
  models::TrainCallbacks callbacks;
  callbacks.step = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
  callbacks.epoch = [&](const models::EpochReport& e) {
    bar.finish();
    std::fprintf(stderr, "  epoch %zu: loss %.4f, test accuracy float %.2f%%, quantized %.2f%%\n",
                 e.epoch, e.loss, 100.0 * e.float_test_accuracy, 100.0 * e.quantized_test_accuracy);
  };
  const models::TrainResult r = models::train_mlp(train, test, cfg, callbacks);
  bar.finish();
  write_file_atomically(sidecar_path(cached), models::train_report_json(cfg, r, o.dataset));
  models::save_model(cached, r.model);
  return DemoModel{r.model, cached, r.float_test_accuracy, "trained"};
}

// The server: everything it opens is under server/.
class Server {
 public:
  explicit Server(const fs::path& dir, bool quiet)
      : dir_(dir), circuit_(compiler::load_server_circuit(dir / "server.circuit")) {
    ProgressBar bar("server: loading evaluation key", progress_wanted(quiet));
    key_ = std::make_unique<ServerKey>(load_server_key(dir / "eval.key", bar.callback()));
  }

  struct Result {
    double seconds = 0.0;
    std::size_t bootstraps = 0;
  };

  // Reads `in`, evaluates with `threads` threads, writes `out`; the time covers the evaluation.
  Result evaluate(const std::string& in, const std::string& out, int threads) {
    CiphertextBatch batch = load_ciphertexts(dir_ / in);
    compiler::CircuitServer& server = server_for(threads);
    const std::size_t before = server.stats().bootstraps;
    const auto start = Clock::now();
    const CiphertextBatch result = server.evaluate(std::move(batch));
    Result r{seconds_since(start), server.stats().bootstraps - before};
    save_ciphertexts(dir_ / out, result, false);
    return r;
  }

 private:
  // One server per thread count, made once: its bootstrap tables are built from the circuit.
  compiler::CircuitServer& server_for(int threads) {
    auto& e = servers_[threads];
    if (!e) e = std::make_unique<compiler::CircuitServer>(circuit_, *key_, threads);
    return *e;
  }

  fs::path dir_;
  compiler::CompiledCircuit circuit_;
  std::unique_ptr<ServerKey> key_;
  std::map<int, std::unique_ptr<compiler::CircuitServer>> servers_;
};

int run_demo(const DemoOptions& o) {
  if (o.count == 0) throw UsageError("--count must be at least 1");
  if (o.threads < 0) throw UsageError("--threads must be 0 (all cores) or more");
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  const auto demo_start = Clock::now();
  std::ostream& out = std::cout;

  // ---- data
  const fs::path data_dir = dataset_directory(o);
  const models::ImageDataset train = models::load_image_dataset(data_dir, models::Split::kTrain);
  const models::ImageDataset test = models::load_image_dataset(data_dir, models::Split::kTest);
  if (o.count > test.size()) {
    throw UsageError("--count " + std::to_string(o.count) + ": the test split holds only " +
                     std::to_string(test.size()) + " images");
  }
  out << "lutfhe demo " << o.dataset << ": " << data_dir.string() << " (" << train.size()
      << " training, " << test.size() << " test images of " << test.rows << "x" << test.cols
      << ")\n";

  // ---- model (the model owner)
  const DemoModel m = obtain_model(o, train, test);
  out << "model: " << m.path.string() << " (" << m.origin << ")\n";
  const models::LoweredModel lowered = models::lower_model(m.model);

  // ---- compile (the model owner): calibration on training images
  const fs::path client_dir = fs::path(o.dir) / o.dataset / "client";
  const fs::path server_dir = fs::path(o.dir) / o.dataset / "server";
  fs::create_directories(client_dir);
  fs::create_directories(server_dir / "in");
  fs::create_directories(server_dir / "out");
  std::vector<compiler::Sample> calibration;
  const std::size_t cal_count = std::min(o.calibration, train.size());
  calibration.reserve(cal_count);
  for (std::size_t i = 0; i < cal_count; ++i) {
    calibration.push_back(models::quantize_input(m.model, image_values(train, i)));
  }
  compiler::CompileOptions copt;
  if (!o.p_error.empty()) {
    copt.targets.log2_p_error = parse_p_error(o.p_error, "--p-error");
  }
  if (o.rounding == "approximate") {
    copt.rounding_mode = compiler::RoundingMode::kApproximate;
  } else if (o.rounding != "exact") {
    throw UsageError("--rounding " + o.rounding + ": use exact or approximate");
  }
  if (o.rounding_bits) copt.rounding_bits = o.rounding_bits;
  if (o.ranges == "calibrated") {
    copt.range_mode = compiler::RangeMode::kCalibrated;
    copt.headroom_bits = o.headroom;
  } else if (o.ranges != "sound") {
    throw UsageError("--ranges " + o.ranges + ": use calibrated or sound");
  }
  // Tables narrower than 4 bits cannot separate 3-bit activations from the rest of the
  // accumulator range; wider than 7 bits no 128-bit set is affordable.
  copt.min_rounding_bits = 4;
  copt.max_rounding_bits = 7;
  auto t0 = Clock::now();
  const compiler::CompileResult compiled = compiler::compile(lowered.circuit, calibration, copt);
  const compiler::ClientSpec spec =
      compiler::make_client_spec(compiled.compiled, {lowered.input_quantization},
                                 {lowered.output_quantization}, "model " + m.path.string());
  compiler::save_client_spec(client_dir / "client.spec", spec);
  compiler::save_server_circuit(server_dir / "server.circuit", compiled.compiled);
  write_file_atomically(fs::path(o.dir) / o.dataset / "compile_report.txt", compiled.report.text());
  const ParameterSet& params = spec.params;
  const bool approximate = copt.rounding_mode == compiler::RoundingMode::kApproximate;
  out << "compile: " << params.name << ", " << (approximate ? "approximate" : "exact")
      << " rounding to r = " << compiled.report.rounding_bits << " bits, " << o.ranges
      << " ranges, " << compiled.report.bootstraps << " bootstraps per image, circuit p_fail 2^"
      << json_number(compiled.report.log2_circuit_pfail, 6) << " ("
      << json_number(seconds_since(t0), 6) << " s; report in "
      << (fs::path(o.dir) / o.dataset / "compile_report.txt").string() << ")\n";

  // ---- clear model and simulation over the whole test split; with approximate rounding also
  // the simulation with the noise model's errors injected (what execute is expected to do)
  t0 = Clock::now();
  std::size_t clear_right = 0, sim_right = 0, noisy_right = 0, noisy_agree = 0;
  std::vector<std::size_t> clear_pred(test.size()), sim_pred(test.size());
  {
    compiler::Simulator sim(compiled.compiled);
    compiler::SimulateOptions noisy_options;
    noisy_options.inject_errors = true;
    noisy_options.seed = o.seed;
    compiler::Simulator noisy(compiled.compiled, noisy_options);
    for (std::size_t i = 0; i < test.size(); ++i) {
      const compiler::Sample q = models::quantize_input(m.model, image_values(test, i));
      clear_pred[i] = argmax_of(compiler::evaluate_clear(lowered.circuit, q).at(0));
      sim_pred[i] = argmax_of(sim.run(q).at(0));
      clear_right += clear_pred[i] == test.labels[i];
      sim_right += sim_pred[i] == test.labels[i];
      if (approximate) {
        const std::size_t p = argmax_of(noisy.run(q).at(0));
        noisy_right += p == test.labels[i];
        noisy_agree += p == sim_pred[i];
      }
    }
  }
  const double clear_accuracy_all = static_cast<double>(clear_right) / test.size();
  const double sim_accuracy_all = static_cast<double>(sim_right) / test.size();
  const double noisy_accuracy_all =
      approximate ? static_cast<double>(noisy_right) / test.size() : std::nan("");
  out << "clear model on all " << test.size() << " test images: " << percent(clear_accuracy_all)
      << "; simulation of the compiled circuit: " << percent(sim_accuracy_all);
  if (approximate) {
    out << "; with the noise model's errors injected: " << percent(noisy_accuracy_all) << " ("
        << percent(static_cast<double>(noisy_agree) / test.size()) << " agree with simulate)";
  }
  out << " (" << json_number(seconds_since(t0), 6) << " s)\n";

  // ---- client: keys (the secret key stays in client/, the evaluation key goes to server/)
  t0 = Clock::now();
  {
    const ClientKey client = ClientKey::generate(params);
    ProgressBar bar("client: keygen " + params.name, progress_wanted(o.quiet));
    const EvaluationKey eval = generate_evaluation_key(client, bar.callback());
    bar.finish();
    save_evaluation_key(server_dir / "eval.key", eval, true);
    save_client_key(client_dir / "client.key", client);
  }
  const std::uintmax_t eval_key_bytes = fs::file_size(server_dir / "eval.key");
  out << "client: keys in " << json_number(seconds_since(t0), 6)
      << " s; client/client.key (secret, "
      << "0600), server/eval.key " << megabytes(eval_key_bytes) << " (seeded)\n";

  // ---- the server loads its side once (or a local service does, reached over HTTP)
  std::unique_ptr<Server> local;
  std::unique_ptr<DemoService> service;
  if (o.serve) {
    service = std::make_unique<DemoService>(
        fs::path(o.dir) / o.dataset / "service", client_dir / "client.spec",
        server_dir / "server.circuit", server_dir / "eval.key", threads, o.quiet);
    out << "service: " << service->url() << " (the client side below talks HTTP to it)\n";
  } else {
    local = std::make_unique<Server>(server_dir, o.quiet);
  }
  const auto evaluate = [&](const std::string& in, const std::string& result, int t) {
    if (!service) return local->evaluate(in, result, t);
    const DemoService::Result r = service->evaluate(server_dir / in, server_dir / result);
    return Server::Result{r.seconds, r.bootstraps};
  };
  const ClientKey client = load_client_key(client_dir / "client.key");

  // ---- encrypted inference, image by image
  out << "\nencrypted inference of " << o.count << " test images (" << threads
      << " threads on the server)\n";
  std::ostringstream predictions;
  predictions << "index,label,fhe,clear,simulate,ms\n";
  std::size_t fhe_right = 0, agree = 0, clear_right_n = 0, sim_right_n = 0;
  std::uintmax_t in_bytes = 0, out_bytes = 0;
  double total_seconds = 0.0;
  std::size_t bootstraps = 0;
  for (std::size_t i = 0; i < o.count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%05zu.ct", i);
    // client: quantize, encrypt (masks from a public seed: the file holds seed + bodies)
    const compiler::Sample q = models::quantize_input(m.model, image_values(test, i));
    save_ciphertexts(server_dir / "in" / name, compiler::encrypt_quantized(spec, client, {&q, 1}),
                     true);
    in_bytes = fs::file_size(server_dir / "in" / name);
    // server
    const Server::Result r =
        evaluate(std::string("in/") + name, std::string("out/") + name, threads);
    total_seconds += r.seconds;
    bootstraps = r.bootstraps;
    out_bytes = fs::file_size(server_dir / "out" / name);
    // client: decrypt
    const auto values =
        compiler::decrypt_results(spec, client, load_ciphertexts(server_dir / "out" / name)).at(0);
    const std::size_t fhe = argmax(compiler::dequantize_outputs(spec, values));
    const std::size_t label = test.labels[i];
    fhe_right += fhe == label;
    agree += fhe == sim_pred[i];
    clear_right_n += clear_pred[i] == label;
    sim_right_n += sim_pred[i] == label;
    predictions << i << ',' << label << ',' << fhe << ',' << clear_pred[i] << ',' << sim_pred[i]
                << ',' << json_number(1000.0 * r.seconds, 6) << '\n';
    if (o.draw) draw_image(out, test, i);
    char line[160];
    std::snprintf(line, sizeof line, "[%zu/%zu] label %zu | FHE %zu | clear %zu | %.0f ms  %s\n",
                  i + 1, o.count, label, fhe, clear_pred[i], 1000.0 * r.seconds,
                  fhe == label ? "correct" : "WRONG");
    out << line << std::flush;
  }
  write_file_atomically(client_dir / "predictions.csv", predictions.str());

  // ---- one-thread latency on a few images (the same server, one thread)
  double single_ms = std::nan("");
  if (o.single_thread_images > 0 && threads != 1 && !o.serve) {
    const std::size_t n = std::min(o.single_thread_images, o.count);
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "%05zu.ct", i);
      s += local->evaluate(std::string("in/") + name, "out/single-thread.ct", 1).seconds;
    }
    single_ms = 1000.0 * s / static_cast<double>(n);
  } else if (threads == 1) {
    single_ms = 1000.0 * total_seconds / static_cast<double>(o.count);
  }

  const double n = static_cast<double>(o.count);
  const double fhe_accuracy = fhe_right / n;
  const double agreement = agree / n;
  const double ms = 1000.0 * total_seconds / n;
  out << "\nsummary (" << o.dataset << ", " << o.count << " encrypted test images, " << params.name
      << ")\n";
  char buf[256];
  std::snprintf(buf, sizeof buf, "  FHE accuracy        %s (%zu/%zu)\n",
                percent(fhe_accuracy).c_str(), fhe_right, o.count);
  out << buf;
  out << "  agreement FHE/simulate " << percent(agreement) << " (" << agree << "/" << o.count
      << ")\n";
  out << "  simulate accuracy   " << percent(sim_right_n / n) << " on these, "
      << percent(sim_accuracy_all) << " on all " << test.size() << "\n";
  out << "  clear-model accuracy " << percent(clear_right_n / n) << " on these, "
      << percent(clear_accuracy_all) << " on all " << test.size() << "\n";
  out << "  float accuracy      "
      << (m.float_accuracy ? percent(*m.float_accuracy) + " on all " + std::to_string(test.size())
                           : std::string("unknown (model given without training record)"))
      << "\n";
  std::snprintf(buf, sizeof buf, "  latency per image   %.0f ms with %d threads, %s\n", ms, threads,
                std::isnan(single_ms) ? "not measured with 1 (--single-thread-images 0)"
                                      : (json_number(single_ms, 6) + " ms with 1").c_str());
  out << buf;
  out << "  bootstraps per image " << bootstraps << "\n";
  out << "  evaluation key      " << megabytes(eval_key_bytes) << " (seeded)\n";
  out << "  ciphertexts         " << in_bytes << " bytes in (784 seeded), " << out_bytes
      << " bytes out per image\n";
  out << "  total time          " << json_number(seconds_since(demo_start), 6) << " s\n";
  if (o.json) {
    out << "{\"dataset\":\"" << o.dataset << "\",\"count\":" << o.count
        << ",\"fhe_accuracy\":" << json_number(fhe_accuracy, 6)
        << ",\"simulate_accuracy\":" << json_number(sim_right_n / n, 6)
        << ",\"agreement\":" << json_number(agreement, 6)
        << ",\"clear_accuracy\":" << json_number(clear_right_n / n, 6)
        << ",\"float_accuracy\":" << json_number(m.float_accuracy.value_or(std::nan("")), 6)
        << ",\"ms_per_image\":" << json_number(ms, 6) << ",\"threads\":" << threads
        << ",\"ms_per_image_1_thread\":" << json_number(single_ms, 6)
        << ",\"bootstraps_per_image\":" << bootstraps << ",\"eval_key_bytes\":" << eval_key_bytes
        << ",\"ciphertext_bytes\":" << in_bytes << ",\"output_ciphertext_bytes\":" << out_bytes
        << ",\"test_images\":" << test.size()
        << ",\"simulate_accuracy_all\":" << json_number(sim_accuracy_all, 6)
        << ",\"noisy_simulate_accuracy_all\":" << json_number(noisy_accuracy_all, 6)
        << ",\"clear_accuracy_all\":" << json_number(clear_accuracy_all, 6) << ",\"params\":\""
        << params.name << "\",\"ranges\":\"" << o.ranges << "\",\"rounding\":\"" << o.rounding
        << "\",\"rounding_bits\":" << compiled.report.rounding_bits << "}\n";
  }
  return kExitOk;
}

}  // namespace

void add_demo_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* demo = app.add_subcommand("demo", "End-to-end demonstrations");
  demo->require_subcommand(1);
  CLI::App* cmd = demo->add_subcommand(
      "mnist",
      "Encrypted digit classification: train or load a model, compile, keygen, then per image "
      "encrypt (client/) → evaluate (server/) → decrypt (client/)");
  cmd->add_option("--dataset", o->dataset, "mnist (default) or fashion");
  cmd->add_option("--data", o->data,
                  "Dataset directory (IDX files; default data/mnist, fetched when missing)");
  cmd->add_option("--dir", o->dir, "Working directory for model/, client/ and server/");
  cmd->add_option("--model", o->model,
                  "Use this model file (default: the committed examples/mnist/model one)");
  cmd->add_option("--count", o->count, "Encrypted test images (default 10)");
  add_threads_option(cmd, o->threads, "Server threads");
  cmd->add_option("--single-thread-images", o->single_thread_images,
                  "Images re-evaluated with one thread for the 1-thread latency (default 2)");
  cmd->add_option("--calibration", o->calibration,
                  "Training images used for calibration (default 8000)");
  cmd->add_option("--p-error", o->p_error, "Failure probability per bootstrap (default 2^-40)");
  cmd->add_option("--rounding", o->rounding,
                  "approximate (default: one bootstrap per lookup) or exact (4-5 per lookup)");
  cmd->add_option("--rounding-bits", o->rounding_bits, "Most bits a table reads");
  cmd->add_option("--ranges", o->ranges,
                  "calibrated (default: lookup ranges of the calibration digits, wider inputs "
                  "wrap) or sound (worst case: every input gives the clear model's result)");
  cmd->add_option("--headroom", o->headroom,
                  "With --ranges calibrated: widen the ranges by 2^BITS (default 0)")
      ->check(CLI::Range(0u, 8u));
  cmd->add_option("--hidden", o->hidden, "Training: hidden units (default 128)");
  cmd->add_option("--weight-bits", o->weight_bits, "Training: weight bits (default 3)");
  cmd->add_option("--act-bits", o->act_bits, "Training: activation bits (default 3)");
  cmd->add_option("--input-bits", o->input_bits, "Training: input bits (default 2)");
  cmd->add_option("--epochs", o->epochs, "Training: epochs (default: the trainer's)");
  cmd->add_option("--seed", o->seed, "Training seed (default 1)");
  cmd->add_flag("--train", o->train,
                "Train from scratch (with the training options below) instead of loading the "
                "committed or a cached model");
  cmd->add_flag("!--no-draw", o->draw, "Do not draw the images");
  cmd->add_flag("--json", o->json, "Print the summary as one JSON object on the last line");
  cmd->add_flag("--serve", o->serve,
                "Evaluate through a local 'lutfhe serve' (HTTP on 127.0.0.1, a free port)");
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([o, &action] { action = [o] { return run_demo(*o); }; });
}

}  // namespace lutfhe::cli
