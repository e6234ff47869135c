// The compiled models a service serves: one folder per model under --models, holding the
// compiler's two artifacts, client.spec (sent to clients) and server.circuit (evaluated here),
// or a training step as `lutfhe train-encrypted compile` writes it (step.spec, step.circuit):
// its jobs are training jobs (docs/SERVICE.md, "Training jobs").
// Loaded and validated once at start-up (compiler/artifacts.hpp); read-only afterwards, so any
// thread may use it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/client_spec.hpp"
#include "compiler/compiled_circuit.hpp"

namespace lutfhe::service {

struct Model {
  std::string name;
  std::filesystem::path spec_path;
  compiler::ClientSpec spec;
  compiler::CompiledCircuit circuit;
  std::string fingerprint;  // hex parameter fingerprint
  std::size_t bootstraps_per_sample = 0;
  double estimated_ms_per_sample = 0;  // one thread, compiler/cost_model.hpp
  // A training step (models/training_server.hpp): a "sample" of its jobs is one SGD step.
  bool training = false;
  std::size_t weights = 0;      // training: the initial weights that open a job's input
  std::size_t step_values = 0;  // training: ciphertexts per step (x then y)
  const char* kind() const { return training ? "train" : "evaluate"; }
};

class ModelRegistry {
 public:
  // Every subfolder of `dir` whose name is a valid model name and that holds client.spec and
  // server.circuit. UsageError when `dir` is missing or serves no model; a folder whose files
  // do not load is refused with the loader's message.
  static ModelRegistry load_folder(const std::filesystem::path& dir);
  // One model from explicit files (the demo).
  void add(const std::string& name, const std::filesystem::path& spec,
           const std::filesystem::path& circuit);

  std::shared_ptr<const Model> find(const std::string& name) const;
  std::vector<std::shared_ptr<const Model>> all() const;

 private:
  std::map<std::string, std::shared_ptr<const Model>> models_;
};

}  // namespace lutfhe::service
