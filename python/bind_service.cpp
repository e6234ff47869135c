// The client of `lutfhe serve` (docs/SERVICE.md) through the service library's client calls
// (service/client_calls.hpp), the same ones `lutfhe client` makes: models, spec, key upload,
// submit, status, wait with a progress callback, fetch, and predict doing it all.
#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "compiler/artifacts.hpp"
#include "compiler/client.hpp"
#include "core/ciphertext_files.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/hex.hpp"
#include "models/encrypted_training.hpp"
#include "models/training_client.hpp"
#include "python/module.hpp"
#include "service/client_calls.hpp"
#include "service/http_client.hpp"
#include "service/ids.hpp"

namespace lutfhe::python {
namespace {

py::object parse_json(const std::string& body) {
  return py::module_::import("json").attr("loads")(body);
}

class PyService {
 public:
  PyService(const std::string& url, std::optional<std::string> token, const std::string& ca_cert,
            double timeout) {
    service::ClientOptions o;
    if (token) {
      o.token = *token;
    } else if (const char* env = std::getenv("LUTFHE_TOKEN")) {
      o.token = env;
    }
    if (o.token.empty()) throw InvalidArgument("give token= or set LUTFHE_TOKEN");
    o.ca_cert = ca_cert;
    o.timeout_seconds = timeout;
    client_ = std::make_unique<service::ServiceClient>(url, o);
  }

  service::ServiceClient& client() { return *client_; }

  py::object get_json(const std::string& path) {
    const auto answer = without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      return client_->get(path);
    });
    service::ServiceClient::require(answer, 200);
    return parse_json(answer.body);
  }

  PyClientSpec spec(const std::string& model) {
    return {without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      ScratchDir dir;
      service::download_client_spec(*client_, model, dir.file("client.spec"));
      return std::make_shared<const compiler::ClientSpec>(
          compiler::load_client_spec(dir.file("client.spec")));
    })};
  }

  bool has_key(const std::string& key_id) {
    return without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      return service::has_key(*client_, key_id);
    });
  }

  std::string upload_key(const std::string& model, const PyEvaluationKey& key,
                         const py::object& progress) {
    const ProgressCallback cb = progress_callback(progress);
    return without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (service::has_key(*client_, to_hex(key.key->key_id))) return to_hex(key.key->key_id);
      ScratchDir dir;
      save_evaluation_key(dir.file("eval.key"), *key.key, key.key->mask_seed.has_value());
      return service::upload_key(*client_, model, dir.file("eval.key"),
                                 [&](std::uint64_t done, std::uint64_t total) {
                                   if (cb) cb(done, total);
                                 });
    });
  }

  std::string submit(const std::string& model, const PyBatch& batch, const std::string& idem) {
    return without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      ScratchDir dir;
      save_ciphertexts(dir.file("in.ct"), *batch.batch, batch.batch->mask_seed.has_value());
      return service::submit_job(*client_, model, dir.file("in.ct"), idem);
    });
  }

  void wait(const std::string& job, double timeout, const py::object& progress) {
    without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      service::wait_for_job(*client_, job, timeout, [&](const service::JobProgress& p) {
        if (progress.is_none()) return;
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) throw PythonRaised{};
        try {
          progress(p.state, p.samples_done, p.samples);
        } catch (py::error_already_set& e) {
          e.restore();
          throw PythonRaised{};
        }
      });
    });
  }

  PyBatch fetch(const std::string& job) {
    return {without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      ScratchDir dir;
      service::fetch_result(*client_, job, dir.file("out.ct"));
      return std::make_shared<const CiphertextBatch>(load_ciphertexts(dir.file("out.ct")));
    })};
  }

  void remove(const std::string& path) {
    const auto answer = without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      return client_->del(path);
    });
    service::ServiceClient::require(answer, 204);
  }

 private:
  std::unique_ptr<service::ServiceClient> client_;
  // One request at a time: an HTTP client is not for concurrent use, and Python threads may
  // share this object while the GIL is released.
  std::mutex mutex_;
};

std::string checked_id(const std::string& id, const char* what) {
  if (!service::is_hex_id(id))
    throw InvalidArgument(std::string(what) + " '" + id + "': not 32 hex digits");
  return id;
}

// The client key of a one-call job (`key`, or a fresh one for the spec's parameters) with its
// evaluation key on the server (made and uploaded unless the server holds it).
PyClientKey client_key_with_upload(PyService& svc, const std::string& model,
                                   const PyClientSpec& spec, const py::object& key) {
  const PyClientKey client =
      key.is_none() ? PyClientKey{std::make_shared<const ClientKey>(
                          without_gil([&] { return ClientKey::generate(spec.spec->params); }))}
                    : key.cast<PyClientKey>();
  if (!svc.has_key(to_hex(client.key->key_id()))) {
    const PyEvaluationKey eval{without_gil([&] {
      return std::make_shared<const EvaluationKey>(
          generate_evaluation_key(*client.key, {}, spec.spec->needs_bootstrapping));
    })};
    svc.upload_key(model, eval, py::none());
  }
  return client;
}

// spec, keys (given or made here), upload unless stored, encrypt, submit, wait, fetch, delete,
// decrypt: `lutfhe client predict` without its file cache.
py::array predict(const std::string& url, const std::string& model, const DoubleArray& x,
                  std::optional<std::string> token, const std::string& ca_cert,
                  const py::object& key, double timeout, double wait_seconds,
                  const py::object& progress, bool keep_job) {
  PyService svc(url, std::move(token), ca_cert, timeout);
  const PyClientSpec spec = svc.spec(model);
  const PyClientKey client = client_key_with_upload(svc, model, spec, key);
  const auto samples = samples_from(x, spec.spec->input_values(), "predict");
  const PyBatch batch{without_gil([&] {
    return std::make_shared<const CiphertextBatch>(
        compiler::encrypt_samples(*spec.spec, *client.key, samples));
  })};
  const std::string job =
      svc.submit(model, batch, "predict-" + service::new_job_id().substr(0, 12));
  svc.wait(job, wait_seconds, progress);
  const PyBatch results = svc.fetch(job);
  if (!keep_job) svc.remove("/v1/jobs/" + job);
  const auto rows = without_gil([&] {
    std::vector<compiler::RealSample> out;
    for (const auto& r : compiler::decrypt_results(*spec.spec, *client.key, *results.batch)) {
      out.push_back(compiler::dequantize_outputs(*spec.spec, r));
    }
    return out;
  });
  return to_array(rows, spec.spec->output_values());
}

// The training job's input for a served or local training step: every epoch's batches of
// (x, y) and zero initial weights, encrypted (`lutfhe train-encrypted encrypt --out-job`).
PyBatch encrypt_training(const PyClientSpec& spec, const PyClientKey& key, const DoubleArray& x,
                         const py::object& y, std::size_t epochs) {
  const models::SgdSettings s = models::settings_from_spec(*spec.spec);
  const auto samples = samples_from(x, s.features, "encrypt_training");
  const auto labels = labels_from(y, samples.size(), "y");
  return {without_gil([&] {
    return std::make_shared<const CiphertextBatch>(
        models::encrypt_training_epochs(*spec.spec, *key.key, samples, labels, epochs));
  })};
}

py::array_t<double> decrypt_training(const PyClientSpec& spec, const PyClientKey& key,
                                     const PyBatch& weights) {
  const auto w = without_gil(
      [&] { return models::decrypt_trained_weights(*spec.spec, *key.key, *weights.batch); });
  py::array_t<double> out(static_cast<py::ssize_t>(w.size()));
  std::copy(w.begin(), w.end(), out.mutable_data());
  return out;
}

// spec, keys, upload unless stored, encrypt every epoch's batches, submit, wait (progress:
// steps), fetch, delete, decrypt: `lutfhe client train` without its file cache. Returns the
// weights then the bias.
py::array_t<double> train(const std::string& url, const std::string& model, const DoubleArray& x,
                          const py::object& y, std::size_t epochs, std::optional<std::string> token,
                          const std::string& ca_cert, const py::object& key, double timeout,
                          double wait_seconds, const py::object& progress, bool keep_job) {
  PyService svc(url, std::move(token), ca_cert, timeout);
  const PyClientSpec spec = svc.spec(model);
  const PyClientKey client = client_key_with_upload(svc, model, spec, key);
  const PyBatch input = encrypt_training(spec, client, x, y, epochs);
  const std::string job = svc.submit(model, input, "train-" + service::new_job_id().substr(0, 12));
  svc.wait(job, wait_seconds, progress);
  const PyBatch weights = svc.fetch(job);
  if (!keep_job) svc.remove("/v1/jobs/" + job);
  return decrypt_training(spec, client, weights);
}

}  // namespace

void bind_service(py::module_& m) {
  py::class_<PyService>(m, "ServiceClient",
                        "A client of `lutfhe serve`; the token defaults to $LUTFHE_TOKEN.")
      .def(py::init<const std::string&, std::optional<std::string>, const std::string&, double>(),
           py::arg("url"), py::arg("token") = py::none(), py::arg("ca_cert") = "",
           py::arg("timeout") = 60.0)
      .def(
          "models", [](PyService& s) { return s.get_json("/v1/models"); },
          "The served models (parsed JSON).")
      .def("spec", &PyService::spec, py::arg("model"), "A model's ClientSpec.")
      .def("has_key", &PyService::has_key, py::arg("key_id"))
      .def("upload_key", &PyService::upload_key, py::arg("model"), py::arg("evaluation_key"),
           py::arg("progress") = py::none(),
           "Upload an EvaluationKey unless the server has it; returns its key id.")
      .def("submit", &PyService::submit, py::arg("model"), py::arg("batch"),
           py::arg("idempotency_key") = "", "Submit an encrypted batch; returns the job id.")
      .def(
          "status",
          [](PyService& s, const std::string& job) {
            return s.get_json("/v1/jobs/" + checked_id(job, "job id"));
          },
          py::arg("job"), "A job's state and progress (parsed JSON).")
      .def(
          "jobs", [](PyService& s) { return s.get_json("/v1/jobs"); }, "Your jobs (parsed JSON).")
      .def("wait", &PyService::wait, py::arg("job"), py::arg("timeout") = 3600.0,
           py::arg("progress") = py::none(),
           "Wait until the job is done; progress(state, samples_done, samples) after each status "
           "answer. ServiceError when it failed or the timeout passed.")
      .def("fetch", &PyService::fetch, py::arg("job"), "The job's encrypted results.")
      .def(
          "delete",
          [](PyService& s, const std::string& job) {
            s.remove("/v1/jobs/" + checked_id(job, "job id"));
          },
          py::arg("job"))
      .def(
          "delete_key",
          [](PyService& s, const std::string& key_id) {
            s.remove("/v1/keys/" + checked_id(key_id, "key id"));
          },
          py::arg("key_id"));

  m.def("predict", &predict, py::arg("url"), py::arg("model"), py::arg("x"), py::kw_only(),
        py::arg("token") = py::none(), py::arg("ca_cert") = "", py::arg("key") = py::none(),
        py::arg("timeout") = 60.0, py::arg("wait") = 3600.0, py::arg("progress") = py::none(),
        py::arg("keep_job") = false,
        "Encrypted inference on a server in one call: spec, keys (key=ClientKey to reuse one; "
        "otherwise made here), evaluation-key upload unless stored, encrypt, submit, wait, "
        "fetch, decrypt. Returns samples × output values (dequantized).");
  m.def("encrypt_training", &encrypt_training, py::arg("spec"), py::arg("key"), py::arg("x"),
        py::arg("y"), py::arg("epochs") = 1,
        "A training job's input for a training step's spec: `epochs` passes of the consecutive "
        "batches of (x: samples × features in [-1, 1], y: 0/1 labels; a last partial batch is "
        "dropped) and zero initial weights, encrypted into one batch.");
  m.def("decrypt_training", &decrypt_training, py::arg("spec"), py::arg("key"), py::arg("weights"),
        "The weights, then the bias, an encrypted weights batch holds.");
  m.def("train", &train, py::arg("url"), py::arg("model"), py::arg("x"), py::arg("y"),
        py::kw_only(), py::arg("epochs") = 1, py::arg("token") = py::none(),
        py::arg("ca_cert") = "", py::arg("key") = py::none(), py::arg("timeout") = 60.0,
        py::arg("wait") = 3600.0, py::arg("progress") = py::none(), py::arg("keep_job") = false,
        "Encrypted training on a server in one call (a served training step): spec, keys, "
        "evaluation-key upload unless stored, encrypt the batches, submit, wait (progress "
        "counts steps), fetch, decrypt. Returns the weights then the bias (float64). The "
        "server never sees the data, the labels or the weights in the clear.");
}

}  // namespace lutfhe::python
