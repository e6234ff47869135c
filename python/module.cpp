// The `lutfhe` Python module: errors, the shared helpers of module.hpp, and the module itself.
#include "python/module.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "core/errors.hpp"
#include "service/http_client.hpp"
#include "workbench/param_options.hpp"

namespace lutfhe::python {

ScratchDir::ScratchDir() {
  std::string pattern = (fs::temp_directory_path() / "lutfhe-py-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) {
    throw FileAccessError(pattern + ": cannot create a temporary directory");
  }
  dir_ = pattern;  // mkdtemp makes it 0700
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw FileAccessError(path.string() + ": cannot read");
  return bytes;
}

void write_whole_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw FileAccessError(path.string() + ": cannot write");
}

[[noreturn]] void rethrow_for_bytes(const fs::path& path) {
  const auto renamed = [&](const Error& e) {
    std::string m = e.what();
    const std::string p = path.string();
    for (std::size_t at = m.find(p); at != std::string::npos; at = m.find(p, at)) {
      m.replace(at, p.size(), "bytes");
    }
    return m;
  };
  try {
    throw;
  } catch (const FileAccessError& e) {
    throw FileAccessError(renamed(e));
  } catch (const KeyMismatch& e) {
    throw KeyMismatch(renamed(e));
  } catch (const FileFormatError& e) {
    throw FileFormatError(renamed(e));
  } catch (const DimensionMismatch& e) {
    throw DimensionMismatch(renamed(e));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(renamed(e));
  } catch (const Error& e) {
    throw Error(renamed(e));
  }
}

ProgressCallback progress_callback(const py::object& callback) {
  if (callback.is_none()) return {};
  const py::object* f = &callback;  // not copied: no reference counting without the GIL
  return [f](std::size_t done, std::size_t total) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw PythonRaised{};
    try {
      (*f)(done, total);
    } catch (py::error_already_set& e) {
      e.restore();
      throw PythonRaised{};
    }
  };
}

std::vector<int> labels_from(const py::object& labels, std::size_t count, const std::string& what) {
  const auto a = py::array_t<int, py::array::c_style | py::array::forcecast>::ensure(labels);
  if (!a || a.ndim() != 1 || static_cast<std::size_t>(a.size()) != count) {
    throw InvalidArgument(what + ": give one integer label per sample (" + std::to_string(count) +
                          ")");
  }
  return {a.data(), a.data() + a.size()};
}

std::vector<compiler::RealSample> samples_from(const DoubleArray& x, std::size_t per_sample,
                                               const std::string& what) {
  const py::ssize_t size = x.size();
  if (x.ndim() == 0 || size == 0) throw InvalidArgument(what + ": no samples (an empty array)");
  std::size_t rows = 0, width = 0;
  if (x.ndim() == 1 && per_sample != 0 && static_cast<std::size_t>(size) == per_sample) {
    rows = 1;
    width = per_sample;
  } else if (x.ndim() >= 2) {
    rows = static_cast<std::size_t>(x.shape(0));
    width = rows ? static_cast<std::size_t>(size) / rows : 0;
  } else {
    throw InvalidArgument(what + ": a 1-D array of " + std::to_string(size) +
                          " values; give one sample of " + std::to_string(per_sample) +
                          " values or a 2-D array (samples × values)");
  }
  if (per_sample != 0 && width != per_sample) {
    throw InvalidArgument(what + ": samples of " + std::to_string(width) +
                          " values, the model takes " + std::to_string(per_sample));
  }
  std::vector<compiler::RealSample> out(rows);
  const double* data = x.data();
  for (std::size_t r = 0; r < rows; ++r) {
    out[r].assign(data + r * width, data + (r + 1) * width);
  }
  return out;
}

py::array_t<double> to_array(const std::vector<compiler::RealSample>& rows, std::size_t width) {
  py::array_t<double> out({static_cast<py::ssize_t>(rows.size()), static_cast<py::ssize_t>(width)});
  double* data = out.mutable_data();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    require_equal(rows[r].size(), width, "output row", "values", "expected");
    std::copy(rows[r].begin(), rows[r].end(), data + r * width);
  }
  return out;
}

ParameterSet parameters_named(const std::string& name_or_file) {
  return workbench::resolve_params_name_or_file(name_or_file);
}

void bind_errors(py::module_& m) {
  // Most general first: pybind11 tries the translators in reverse order of registration.
  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  error.doc() = "Base of every error the C++ library reports (the message is its one line).";
  static py::exception<InvalidArgument> invalid(m, "InvalidArgument", error.ptr());
  static py::exception<DimensionMismatch> dims(m, "DimensionMismatch", error.ptr());
  static py::exception<FileFormatError> format(m, "FileFormatError", error.ptr());
  static py::exception<KeyMismatch> mismatch(m, "KeyMismatch", error.ptr());
  static py::exception<FileAccessError> access(m, "FileAccessError", error.ptr());
  static py::exception<service::ServiceError> service_error(m, "ServiceError", invalid.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const service::ServiceError& e) {
      // The HTTP status (0: no answer) as an attribute.
      py::object value = py::reinterpret_borrow<py::object>(service_error.ptr())(e.what());
      value.attr("status") = e.status();
      PyErr_SetObject(service_error.ptr(), value.ptr());
    } catch (const FileAccessError& e) {
      access(e.what());
    } catch (const KeyMismatch& e) {
      mismatch(e.what());
    } catch (const FileFormatError& e) {
      format(e.what());
    } catch (const DimensionMismatch& e) {
      dims(e.what());
    } catch (const InvalidArgument& e) {
      invalid(e.what());
    } catch (const Error& e) {
      error(e.what());
    }
  });
}

}  // namespace lutfhe::python

PYBIND11_MODULE(lutfhe, m) {
  m.doc() =
      "lutfhe: TFHE-style programmable bootstrapping, a model compiler and an encrypted-"
      "inference service client (docs/PYTHON.md).";
  m.attr("__version__") = LUTFHE_VERSION;
  lutfhe::python::bind_errors(m);
  lutfhe::python::bind_client(m);
  lutfhe::python::bind_model(m);
  lutfhe::python::bind_service(m);
}
