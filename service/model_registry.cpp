#include "service/model_registry.hpp"

#include "compiler/artifacts.hpp"
#include "compiler/cost_model.hpp"
#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/hex.hpp"
#include "models/training_server.hpp"
#include "service/ids.hpp"

namespace lutfhe::service {

namespace fs = std::filesystem;

ModelRegistry ModelRegistry::load_folder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError("--models " + dir.string() + ": not a directory");
  }
  ModelRegistry r;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || !is_model_name(name)) continue;
    const fs::path spec = entry.path() / "client.spec";
    const fs::path circuit = entry.path() / "server.circuit";
    const fs::path step_spec = entry.path() / "step.spec";
    const fs::path step_circuit = entry.path() / "step.circuit";
    if (fs::exists(spec) && fs::exists(circuit)) {
      r.add(name, spec, circuit);
    } else if (fs::exists(step_spec) && fs::exists(step_circuit)) {
      r.add(name, step_spec, step_circuit);
    }
  }
  if (r.models_.empty()) {
    throw UsageError("--models " + dir.string() +
                     ": no model folder (NAME/client.spec and NAME/server.circuit, or "
                     "NAME/step.spec and NAME/step.circuit) found");
  }
  return r;
}

void ModelRegistry::add(const std::string& name, const fs::path& spec, const fs::path& circuit) {
  if (!is_model_name(name)) throw UsageError("model name '" + name + "' is not allowed");
  auto m = std::make_shared<Model>(Model{name,
                                         spec,
                                         compiler::load_client_spec(spec),
                                         compiler::load_server_circuit(circuit),
                                         {},
                                         0,
                                         0,
                                         false,
                                         0,
                                         0});
  if (parameter_fingerprint(m->spec.params) != parameter_fingerprint(m->circuit.params)) {
    throw KeyMismatch(spec.string() + " and " + circuit.string() +
                      " were compiled for different parameters");
  }
  if (!m->circuit.circuit.carries().empty()) {
    models::TrainingServer::require_step(m->circuit);
    const compiler::Circuit& c = m->circuit.circuit;
    m->training = true;
    m->weights = compiler::element_count(c.node(c.inputs()[2]).shape);
    m->step_values = compiler::element_count(c.node(c.inputs()[0]).shape) +
                     compiler::element_count(c.node(c.inputs()[1]).shape);
  }
  m->fingerprint = to_hex(parameter_fingerprint(m->circuit.params));
  m->bootstraps_per_sample = compiler::bootstrap_count(m->circuit);
  m->estimated_ms_per_sample = static_cast<double>(m->bootstraps_per_sample) *
                               compiler::estimate_ks_pbs_ms(m->circuit.params);
  models_[name] = std::move(m);
}

std::shared_ptr<const Model> ModelRegistry::find(const std::string& name) const {
  const auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const Model>> ModelRegistry::all() const {
  std::vector<std::shared_ptr<const Model>> out;
  for (const auto& [_, m] : models_) out.push_back(m);
  return out;
}

}  // namespace lutfhe::service
