#include "models/model_file.hpp"

// cereal's JSON archive configures RapidJSON (assertions throw instead of aborting); include it
// first so the parser below runs with the same settings.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <cereal/archives/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#ifdef LUTFHE_HAVE_ONNX
#include "core/atomic_file.hpp"
#include "core/json_text.hpp"
#include "core/text_file.hpp"
#include "models/onnx_import.hpp"
#endif

namespace lutfhe::models {
namespace {

using Value = rapidjson::Value;

class Parser {
 public:
  explicit Parser(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw ModelFormatError(origin_ + ": " + path + ": " + message);
  }

  const Value& member(const Value& obj, const std::string& path, const char* key) const {
    const auto it = obj.FindMember(key);
    if (it == obj.MemberEnd()) fail(path, std::string("missing field '") + key + "'");
    return it->value;
  }
  const Value* optional(const Value& obj, const char* key) const {
    const auto it = obj.FindMember(key);
    return it == obj.MemberEnd() ? nullptr : &it->value;
  }
  void only(const Value& obj, const std::string& path, std::set<std::string> allowed) const {
    if (!obj.IsObject()) fail(path, "expected an object");
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      const std::string key = it->name.GetString();
      if (!allowed.count(key)) fail(path, "unknown field '" + key + "'");
    }
  }
  std::int64_t integer(const Value& v, const std::string& path) const {
    if (!v.IsInt64()) fail(path, "expected an integer");
    return v.GetInt64();
  }
  std::size_t count(const Value& v, const std::string& path, std::size_t lo, std::size_t hi) const {
    const std::int64_t x = integer(v, path);
    if (x < static_cast<std::int64_t>(lo) || x > static_cast<std::int64_t>(hi)) {
      fail(path, "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                     std::to_string(x));
    }
    return static_cast<std::size_t>(x);
  }
  double real(const Value& v, const std::string& path) const {
    if (!v.IsNumber()) fail(path, "expected a number");
    const double x = v.GetDouble();
    if (!std::isfinite(x)) fail(path, "expected a finite number");
    return x;
  }
  std::string string(const Value& v, const std::string& path) const {
    if (!v.IsString()) fail(path, "expected a string");
    return v.GetString();
  }
  bool boolean(const Value& v, const std::string& path) const {
    if (!v.IsBool()) fail(path, "expected true or false");
    return v.GetBool();
  }
  // A nested array of integers, flattened row-major; `dims` gives the expected shape (a flat
  // array of the right length is accepted too).
  std::vector<std::int64_t> tensor(const Value& v, const std::string& path,
                                   const std::vector<std::size_t>& dims) const {
    std::size_t total = 1;
    for (std::size_t d : dims) total *= d;
    std::vector<std::int64_t> out;
    out.reserve(total);
    if (v.IsArray() && v.Size() == total && (total == 0 || !v[0].IsArray())) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        out.push_back(integer(v[i], path + "[" + std::to_string(i) + "]"));
      }
      return out;
    }
    flatten(v, path, dims, 0, out);
    return out;
  }
  std::vector<double> reals(const Value& v, const std::string& path) const {
    if (!v.IsArray()) fail(path, "expected an array of numbers");
    std::vector<double> out;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      out.push_back(real(v[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }
  std::vector<std::size_t> pair(const Value& v, const std::string& path, std::size_t lo,
                                std::size_t hi) const {
    if (!v.IsArray() || v.Size() != 2) fail(path, "expected [height, width]");
    return {count(v[0], path + "[0]", lo, hi), count(v[1], path + "[1]", lo, hi)};
  }

 private:
  void flatten(const Value& v, const std::string& path, const std::vector<std::size_t>& dims,
               std::size_t level, std::vector<std::int64_t>& out) const {
    if (level == dims.size()) {
      out.push_back(integer(v, path));
      return;
    }
    if (!v.IsArray() || v.Size() != dims[level]) {
      fail(path, "expected an array of " + std::to_string(dims[level]) + " entries" +
                     (v.IsArray() ? ", got " + std::to_string(v.Size()) : std::string()));
    }
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      flatten(v[i], path + "[" + std::to_string(i) + "]", dims, level + 1, out);
    }
  }
  std::string origin_;
};

QuantParams parse_quant(const Parser& p, const Value& v, const std::string& path) {
  p.only(v, path, {"scale", "zero_point", "bits", "signed"});
  QuantParams q;
  q.scale = p.real(p.member(v, path, "scale"), path + ".scale");
  q.bits = static_cast<unsigned>(p.count(p.member(v, path, "bits"), path + ".bits", 1, 16));
  if (const Value* s = p.optional(v, "signed")) q.is_signed = p.boolean(*s, path + ".signed");
  if (const Value* z = p.optional(v, "zero_point")) {
    q.zero_point = p.integer(*z, path + ".zero_point");
  }
  return q;
}

std::vector<double> parse_weight_scales(const Parser& p, const Value& v, const std::string& path) {
  const Value* one = p.optional(v, "weight_scale");
  const Value* many = p.optional(v, "weight_scales");
  if ((one != nullptr) == (many != nullptr)) {
    p.fail(path, "give exactly one of 'weight_scale' and 'weight_scales'");
  }
  if (one) return {p.real(*one, path + ".weight_scale")};
  return p.reals(*many, path + ".weight_scales");
}

Activation parse_act(const Parser& p, const Value* v, const std::string& path) {
  if (!v) return Activation::kIdentity;
  const std::string name = p.string(*v, path);
  try {
    return parse_activation(name);
  } catch (const InvalidArgument& e) {
    p.fail(path, e.what());
  }
}

// Shape propagation while parsing, so that weights can be checked against their layer.
Layer parse_layer(const Parser& p, const Value& v, const std::string& path,
                  compiler::Shape& shape) {
  if (!v.IsObject()) p.fail(path, "expected an object");
  const std::string type = p.string(p.member(v, path, "type"), path + ".type");
  Layer layer;
  if (const Value* n = p.optional(v, "name")) layer.name = p.string(*n, path + ".name");
  if (type == "dense") {
    p.only(v, path,
           {"type", "name", "units", "weight_bits", "weight_scale", "weight_scales", "weights",
            "bias", "activation", "output"});
    DenseLayer d;
    d.units = p.count(p.member(v, path, "units"), path + ".units", 1, 1U << 20);
    d.weight_bits = static_cast<unsigned>(
        p.count(p.member(v, path, "weight_bits"), path + ".weight_bits", 1, 16));
    d.weight_scales = parse_weight_scales(p, v, path);
    const std::size_t in = compiler::element_count(shape);
    d.weights = p.tensor(p.member(v, path, "weights"), path + ".weights", {d.units, in});
    d.bias = p.tensor(p.member(v, path, "bias"), path + ".bias", {d.units});
    d.activation = parse_act(p, p.optional(v, "activation"), path + ".activation");
    if (const Value* o = p.optional(v, "output")) d.output = parse_quant(p, *o, path + ".output");
    shape = {d.units};
    layer.op = std::move(d);
  } else if (type == "conv2d") {
    p.only(v, path,
           {"type", "name", "filters", "kernel", "stride", "padding", "weight_bits", "weight_scale",
            "weight_scales", "weights", "bias", "activation", "output"});
    if (shape.size() != 3) p.fail(path, "conv2d needs a [C, H, W] input");
    Conv2dLayer c;
    c.filters = p.count(p.member(v, path, "filters"), path + ".filters", 1, 1U << 16);
    const auto kernel = p.pair(p.member(v, path, "kernel"), path + ".kernel", 1, 1U << 10);
    std::vector<std::size_t> stride{1, 1};
    std::vector<std::size_t> padding{0, 0};
    if (const Value* s = p.optional(v, "stride"))
      stride = p.pair(*s, path + ".stride", 1, 1U << 10);
    if (const Value* s = p.optional(v, "padding"))
      padding = p.pair(*s, path + ".padding", 0, 1U << 10);
    c.attributes = {kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1]};
    c.weight_bits = static_cast<unsigned>(
        p.count(p.member(v, path, "weight_bits"), path + ".weight_bits", 1, 16));
    c.weight_scales = parse_weight_scales(p, v, path);
    c.weights = p.tensor(p.member(v, path, "weights"), path + ".weights",
                         {c.filters, shape[0], kernel[0], kernel[1]});
    c.bias = p.tensor(p.member(v, path, "bias"), path + ".bias", {c.filters});
    c.activation = parse_act(p, p.optional(v, "activation"), path + ".activation");
    if (const Value* o = p.optional(v, "output")) c.output = parse_quant(p, *o, path + ".output");
    try {
      shape = compiler::conv2d_output_shape(shape, c.filters, c.attributes);
    } catch (const InvalidArgument& e) {
      p.fail(path, e.what());
    }
    layer.op = std::move(c);
  } else if (type == "avg_pool2d" || type == "sum_pool2d") {
    p.only(v, path, {"type", "name", "kernel", "stride"});
    if (shape.size() != 3) p.fail(path, type + " needs a [C, H, W] input");
    PoolLayer pool;
    pool.average = type == "avg_pool2d";
    const auto kernel = p.pair(p.member(v, path, "kernel"), path + ".kernel", 1, 1U << 10);
    auto stride = kernel;
    if (const Value* s = p.optional(v, "stride"))
      stride = p.pair(*s, path + ".stride", 1, 1U << 10);
    pool.attributes = {kernel[0], kernel[1], stride[0], stride[1]};
    try {
      shape = compiler::pool_output_shape(shape, pool.attributes);
    } catch (const InvalidArgument& e) {
      p.fail(path, e.what());
    }
    layer.op = pool;
  } else if (type == "flatten") {
    p.only(v, path, {"type", "name"});
    shape = {compiler::element_count(shape)};
    layer.op = FlattenLayer{};
  } else if (type == "activation") {
    p.only(v, path, {"type", "name", "activation", "output"});
    ActivationLayer a;
    a.activation = parse_act(p, &p.member(v, path, "activation"), path + ".activation");
    a.output = parse_quant(p, p.member(v, path, "output"), path + ".output");
    layer.op = a;
  } else {
    p.fail(path + ".type", "unknown layer type '" + type +
                               "' (known: dense, conv2d, avg_pool2d, sum_pool2d, flatten, "
                               "activation)");
  }
  return layer;
}

// Writing: a small hand formatter so that weight rows stay one per line.
std::string ints(const std::int64_t* v, std::size_t n) {
  std::string s = "[";
  for (std::size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string quant_json(const QuantParams& q) {
  return "{\"scale\": " + json_number(q.scale) +
         ", \"zero_point\": " + std::to_string(q.zero_point) +
         ", \"bits\": " + std::to_string(q.bits) +
         ", \"signed\": " + (q.is_signed ? "true" : "false") + "}";
}

std::string scales_json(const std::vector<double>& s) {
  if (s.size() == 1) return "\"weight_scale\": " + json_number(s[0]);
  std::string out = "\"weight_scales\": [";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + json_number(s[i]);
  return out + "]";
}

}  // namespace

QuantizedModel parse_model_json(const std::string& json, const std::string& origin) {
  if (const std::size_t at = json_nesting_exceeded_at(json); at != std::string::npos) {
    throw ModelFormatError(origin + ": JSON nested more than " + std::to_string(kMaxJsonDepth) +
                           " levels deep at offset " + std::to_string(at));
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.c_str(), json.size());
  if (doc.HasParseError()) {
    throw ModelFormatError(origin + ": not valid JSON at offset " +
                           std::to_string(doc.GetErrorOffset()) + ": " +
                           rapidjson::GetParseError_En(doc.GetParseError()));
  }
  Parser p(origin);
  p.only(doc, "(top level)", {"format", "version", "name", "description", "input", "layers"});
  const std::string format = p.string(p.member(doc, "(top level)", "format"), "format");
  if (format != kModelFormat) {
    p.fail("format", "expected \"" + std::string(kModelFormat) + "\", got \"" + format + "\"");
  }
  const std::int64_t version = p.integer(p.member(doc, "(top level)", "version"), "version");
  if (version < 1 || version > kModelFormatVersion) {
    p.fail("version", "version " + std::to_string(version) +
                          " is not supported (this lutfhe "
                          "reads up to " +
                          std::to_string(kModelFormatVersion) + ")");
  }
  QuantizedModel m;
  m.name = p.string(p.member(doc, "(top level)", "name"), "name");
  if (const Value* d = p.optional(doc, "description")) m.description = p.string(*d, "description");
  const Value& input = p.member(doc, "(top level)", "input");
  p.only(input, "input", {"shape", "scale", "zero_point", "bits", "signed"});
  const Value& shape = p.member(input, "input", "shape");
  if (!shape.IsArray() || (shape.Size() != 1 && shape.Size() != 3)) {
    p.fail("input.shape", "expected [features] or [channels, height, width]");
  }
  for (rapidjson::SizeType i = 0; i < shape.Size(); ++i) {
    m.input_shape.push_back(
        p.count(shape[i], "input.shape[" + std::to_string(i) + "]", 1, 1U << 20));
  }
  m.input.scale = p.real(p.member(input, "input", "scale"), "input.scale");
  m.input.bits =
      static_cast<unsigned>(p.count(p.member(input, "input", "bits"), "input.bits", 1, 16));
  if (const Value* z = p.optional(input, "zero_point"))
    m.input.zero_point = p.integer(*z, "input.zero_point");
  if (const Value* s = p.optional(input, "signed"))
    m.input.is_signed = p.boolean(*s, "input.signed");
  const Value& layers = p.member(doc, "(top level)", "layers");
  if (!layers.IsArray() || layers.Empty()) p.fail("layers", "expected a non-empty array");
  compiler::Shape current = m.input_shape;
  for (rapidjson::SizeType i = 0; i < layers.Size(); ++i) {
    m.layers.push_back(parse_layer(p, layers[i], "layers[" + std::to_string(i) + "]", current));
  }
  try {
    validate(m);
  } catch (const InvalidArgument& e) {
    throw ModelFormatError(origin + ": " + e.what());
  }
  return m;
}

std::string model_to_json(const QuantizedModel& m) {
  validate(m);
  std::ostringstream os;
  os << "{\n  \"format\": " << json_quoted(kModelFormat)
     << ",\n  \"version\": " << kModelFormatVersion << ",\n  \"name\": " << json_quoted(m.name)
     << ",\n";
  if (!m.description.empty()) os << "  \"description\": " << json_quoted(m.description) << ",\n";
  os << "  \"input\": {\"shape\": [";
  for (std::size_t i = 0; i < m.input_shape.size(); ++i) os << (i ? ", " : "") << m.input_shape[i];
  os << "], \"scale\": " << json_number(m.input.scale) << ", \"zero_point\": " << m.input.zero_point
     << ", \"bits\": " << m.input.bits << ", \"signed\": " << (m.input.is_signed ? "true" : "false")
     << "},\n  \"layers\": [";
  compiler::Shape shape = m.input_shape;
  for (std::size_t li = 0; li < m.layers.size(); ++li) {
    const Layer& layer = m.layers[li];
    os << (li ? ",\n" : "\n") << "    {\"type\": " << json_quoted(layer_type(layer));
    if (!layer.name.empty()) os << ", \"name\": " << json_quoted(layer.name);
    const auto common = [&](unsigned bits, const std::vector<double>& scales,
                            const std::vector<std::int64_t>& bias, Activation act,
                            const std::optional<QuantParams>& output) {
      os << ",\n     \"weight_bits\": " << bits << ", " << scales_json(scales)
         << ",\n     \"bias\": " << ints(bias.data(), bias.size())
         << ",\n     \"activation\": " << json_quoted(activation_name(act));
      if (output) os << ",\n     \"output\": " << quant_json(*output);
    };
    if (const auto* d = std::get_if<DenseLayer>(&layer.op)) {
      const std::size_t in = compiler::element_count(shape);
      os << ", \"units\": " << d->units;
      common(d->weight_bits, d->weight_scales, d->bias, d->activation, d->output);
      os << ",\n     \"weights\": [";
      for (std::size_t o = 0; o < d->units; ++o) {
        os << (o ? ",\n                 " : "") << ints(d->weights.data() + o * in, in);
      }
      os << "]}";
      shape = {d->units};
    } else if (const auto* c = std::get_if<Conv2dLayer>(&layer.op)) {
      const auto& a = c->attributes;
      os << ", \"filters\": " << c->filters << ", \"kernel\": [" << a.kernel_h << ", " << a.kernel_w
         << "], \"stride\": [" << a.stride_h << ", " << a.stride_w << "], \"padding\": [" << a.pad_h
         << ", " << a.pad_w << "]";
      common(c->weight_bits, c->weight_scales, c->bias, c->activation, c->output);
      os << ",\n     \"weights\": [";
      const std::size_t channels = shape[0];
      const std::int64_t* w = c->weights.data();
      for (std::size_t o = 0; o < c->filters; ++o) {
        os << (o ? ",\n                 " : "") << "[";
        for (std::size_t ch = 0; ch < channels; ++ch) {
          os << (ch ? ", " : "") << "[";
          for (std::size_t y = 0; y < a.kernel_h; ++y) {
            os << (y ? ", " : "") << ints(w, a.kernel_w);
            w += a.kernel_w;
          }
          os << "]";
        }
        os << "]";
      }
      os << "]}";
      shape = compiler::conv2d_output_shape(shape, c->filters, a);
    } else if (const auto* p = std::get_if<PoolLayer>(&layer.op)) {
      const auto& a = p->attributes;
      os << ", \"kernel\": [" << a.kernel_h << ", " << a.kernel_w << "], \"stride\": ["
         << a.stride_h << ", " << a.stride_w << "]}";
      shape = compiler::pool_output_shape(shape, a);
    } else if (std::holds_alternative<FlattenLayer>(layer.op)) {
      os << "}";
      shape = {compiler::element_count(shape)};
    } else if (const auto* act = std::get_if<ActivationLayer>(&layer.op)) {
      os << ", \"activation\": " << json_quoted(activation_name(act->activation))
         << ", \"output\": " << quant_json(act->output) << "}";
    }
  }
  os << "\n  ]\n}\n";
  return os.str();
}

QuantizedModel load_model(const std::filesystem::path& path) {
  return parse_model_json(read_file_limited(path, kMaxModelFileBytes, "a model file"),
                          path.string());
}

void save_model(const std::filesystem::path& path, const QuantizedModel& model) {
  write_file_atomically(path, model_to_json(model));
}

namespace {
std::mutex loaders_mutex;
std::map<std::string, ImportingModelLoader>& loaders() {
  static std::map<std::string, ImportingModelLoader> m = [] {
    std::map<std::string, ImportingModelLoader> builtin;
#ifdef LUTFHE_HAVE_ONNX
    // Registered here rather than by a static initialiser in onnx_import.cpp, which the linker
    // may drop from the static library.
    builtin[".onnx"] = import_onnx;
#endif
    return builtin;
  }();
  return m;
}
}  // namespace

void register_model_format(const std::string& suffix, ModelLoader loader) {
  register_model_format(
      suffix, ImportingModelLoader(
                  [loader = std::move(loader)](const std::filesystem::path& p,
                                               const ModelImportOptions&) { return loader(p); }));
}

void register_model_format(const std::string& suffix, ImportingModelLoader loader) {
  std::lock_guard lock(loaders_mutex);
  loaders()[suffix] = std::move(loader);
}

QuantizedModel load_any_model(const std::filesystem::path& path,
                              const ModelImportOptions& options) {
  ImportingModelLoader chosen;
  {
    std::lock_guard lock(loaders_mutex);
    const std::string name = path.filename().string();
    std::size_t best = 0;
    for (const auto& [suffix, fn] : loaders()) {
      if (suffix.size() > best && name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        best = suffix.size();
        chosen = fn;
      }
    }
  }
  return chosen ? chosen(path, options) : load_model(path);
}

}  // namespace lutfhe::models
