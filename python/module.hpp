// What the files of the Python module (docs/PYTHON.md) share: the objects Python holds, NumPy
// conversion, bytes through private temporary files, and running C++ without the GIL.
//
// The module is a thin skin (STYLE.md 17): every call goes to the compiler's client/server API,
// the models' compile path or the service's client calls, which the CLI uses too.
#pragma once

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "compiler/client_spec.hpp"
#include "compiler/compiled_circuit.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/errors.hpp"
#include "core/evaluation_key.hpp"
#include "core/progress.hpp"

namespace lutfhe::python {

namespace py = pybind11;
namespace fs = std::filesystem;

// The objects the module hands to Python. Shared pointers, so that a server, a compiled model
// and the arrays that came from them can share what they read.
struct PyClientSpec {
  std::shared_ptr<const compiler::ClientSpec> spec;
};
struct PyClientKey {
  std::shared_ptr<const ClientKey> key;
};
struct PyEvaluationKey {
  std::shared_ptr<const EvaluationKey> key;
};
struct PyBatch {
  std::shared_ptr<const CiphertextBatch> batch;
};
struct PyServerCircuit {
  std::shared_ptr<const compiler::CompiledCircuit> circuit;
};

// A directory only this process can read (mode 0700) under the system's temporary directory,
// removed with everything in it on destruction: how objects become bytes and back, through the
// very file loaders and writers that check them.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  fs::path file(const std::string& name) const { return dir_ / name; }

 private:
  fs::path dir_;
};

std::string read_whole_file(const fs::path& path);
void write_whole_file(const fs::path& path, const std::string& bytes);

// Saves through `save(path)` into a scratch file and returns its bytes.
template <class Save>
py::bytes to_bytes(Save&& save) {
  std::string bytes;
  {
    py::gil_scoped_release release;
    ScratchDir dir;
    const fs::path path = dir.file("object");
    save(path);
    bytes = read_whole_file(path);
  }
  return py::bytes(bytes);
}

// Rethrows the library error in flight, of the same type, with `path` in its message replaced
// by "bytes" (the scratch file is no name a user knows).
[[noreturn]] void rethrow_for_bytes(const fs::path& path);

// Writes `bytes` into a scratch file and loads it through `load(path)`.
template <class Load>
auto from_bytes(const py::bytes& bytes, Load&& load) {
  std::string data = bytes;
  py::gil_scoped_release release;
  ScratchDir dir;
  const fs::path path = dir.file("bytes");
  write_whole_file(path, data);
  try {
    return load(path);
  } catch (const Error&) {
    rethrow_for_bytes(path);
  }
}

// Thrown by a progress callback when the Python function raised (or Ctrl-C arrived): the
// Python error is pending in the interpreter and without_gil turns it back into it.
struct PythonRaised {};

// A C++ progress callback calling `callback(done, total)` with the GIL held (None: none). The
// py::object must outlive the returned function.
ProgressCallback progress_callback(const py::object& callback);

// Runs `f` with the GIL released; a PythonRaised from a callback becomes the Python exception.
template <class F>
auto without_gil(F&& f) {
  try {
    py::gil_scoped_release release;
    return f();
  } catch (const PythonRaised&) {
    throw py::error_already_set();
  }
}

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// One integer label per sample from any integer-like array (InvalidArgument naming `what`
// otherwise).
std::vector<int> labels_from(const py::object& labels, std::size_t count, const std::string& what);

// The rows of `x` as samples of `per_sample` values each: a 1-D array of exactly per_sample
// values is one sample; otherwise the first axis counts samples and the others hold one sample
// (per_sample = 0: any size). InvalidArgument naming `what` for anything else.
std::vector<compiler::RealSample> samples_from(const DoubleArray& x, std::size_t per_sample,
                                               const std::string& what);
// Rows of equal length as a 2-D float64 array.
py::array_t<double> to_array(const std::vector<compiler::RealSample>& rows, std::size_t width);

// Resolves a parameter set by name or JSON file (workbench/param_options.hpp).
ParameterSet parameters_named(const std::string& name_or_file);

// Registers each family of classes and functions (one file each).
void bind_errors(py::module_& m);
void bind_client(py::module_& m);
void bind_model(py::module_& m);
void bind_service(py::module_& m);

}  // namespace lutfhe::python
