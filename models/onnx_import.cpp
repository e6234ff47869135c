#include "models/onnx_import.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "core/errors.hpp"

namespace lutfhe::models {
namespace {

using compiler::Shape;

constexpr const char* kSupported =
    "Gemm, MatMul, Add, Conv, Relu, Sigmoid, Tanh, AveragePool, Flatten, Reshape, "
    "BatchNormalization, Identity, QuantizeLinear, DequantizeLinear, Constant, Pad (empty)";

constexpr unsigned kDefaultWeightBits = 6;
constexpr unsigned kDefaultActivationBits = 6;
constexpr unsigned kDefaultInputBits = 6;

// A constant tensor (initializer, Constant node, or folded Q/DQ of one), values as doubles.
struct Constant {
  std::vector<std::int64_t> dims;
  std::vector<double> values;
  int data_type = onnx::TensorProto::FLOAT;
  // Set on the output of a DequantizeLinear of integers: the integers, their per-tensor or
  // per-axis scales and zero points.
  struct Quant {
    std::vector<std::int64_t> q;
    std::vector<double> scales;
    std::vector<std::int64_t> zero_points;
    std::int64_t axis = 0;
    unsigned bits = 8;
    bool is_signed = true;
  };
  std::optional<Quant> quant;
};

// Saturates instead of overflowing (a damaged file may declare anything).
std::size_t product(const std::vector<std::int64_t>& dims) {
  std::size_t n = 1;
  for (auto d : dims) {
    const auto u = static_cast<std::size_t>(d);
    if (u != 0 && n > (std::size_t{1} << 40) / u) return std::size_t{1} << 40;
    n *= u;
  }
  return n;
}

constexpr std::size_t kMaxTensorElements = std::size_t{1} << 24;

class Importer {
 public:
  explicit Importer(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& message) const {
    throw ModelFormatError(origin_ + ": " + message);
  }
  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& message) const {
    fail("node '" + node_name(node) + "' (op " + node.op_type() + "): " + message);
  }

  OnnxModel run(const onnx::ModelProto& proto);

 private:
  std::string node_name(const onnx::NodeProto& node) const {
    if (!node.name().empty()) return node.name();
    return "#" + std::to_string(node_index_);
  }

  Constant to_constant(const onnx::TensorProto& t, const std::string& what) const;
  const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const char* name) const {
    for (const auto& a : node.attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }
  std::int64_t int_attr(const onnx::NodeProto& node, const char* name, std::int64_t dflt) const {
    const auto* a = attribute(node, name);
    return a ? a->i() : dflt;
  }
  double float_attr(const onnx::NodeProto& node, const char* name, double dflt) const {
    const auto* a = attribute(node, name);
    return a ? static_cast<double>(a->f()) : dflt;
  }
  std::vector<std::int64_t> ints_attr(const onnx::NodeProto& node, const char* name) const {
    const auto* a = attribute(node, name);
    if (!a) return {};
    return {a->ints().begin(), a->ints().end()};
  }
  const Constant* constant(const std::string& name) const {
    const auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : &it->second;
  }
  const Constant& require_constant(const onnx::NodeProto& node, int index, const char* what) const {
    if (node.input_size() <= index || node.input(index).empty())
      fail(node, std::string("missing ") + what);
    const Constant* c = constant(node.input(index));
    if (!c)
      fail(node,
           std::string(what) + " '" + node.input(index) + "' must be a constant (initializer)");
    return *c;
  }
  // The node's one data input; it must be the tensor the chain is at.
  void require_chain_input(const onnx::NodeProto& node) const {
    std::vector<std::string> data;
    for (const auto& in : node.input()) {
      if (!in.empty() && !constant(in)) data.push_back(in);
    }
    if (data.size() != 1) {
      fail(node, "takes " + std::to_string(data.size()) +
                     " non-constant inputs; only chains of single-input layers are supported");
    }
    if (data[0] != current_) {
      fail(node, "reads '" + data[0] + "' but the chain is at '" + current_ +
                     "'; only sequential graphs are supported");
    }
  }
  // The last layer when it is a dense or conv layer that produced the current tensor and can
  // still take a bias, a folded batch norm or an activation.
  OnnxLayer* open_linear() {
    if (model_.layers.empty() || current_producer_ != model_.layers.size()) return nullptr;
    OnnxLayer& l = model_.layers.back();
    if (l.closed) return nullptr;
    if (l.kind != OnnxLayer::Kind::kDense && l.kind != OnnxLayer::Kind::kConv) return nullptr;
    return &l;
  }
  void push(OnnxLayer layer, const onnx::NodeProto& node) {
    layer.name = node_name(node);
    shape_ = layer.output_shape;
    model_.layers.push_back(std::move(layer));
    advance(node);
    current_producer_ = model_.layers.size();
  }
  void advance(const onnx::NodeProto& node) {
    if (node.output_size() < 1 || node.output(0).empty()) fail(node, "has no output");
    current_ = node.output(0);
  }

  void fold_constant_node(const onnx::NodeProto& node);
  void gemm(const onnx::NodeProto& node, bool matmul);
  void conv(const onnx::NodeProto& node);
  void add(const onnx::NodeProto& node);
  void batch_norm(const onnx::NodeProto& node);
  void activation(const onnx::NodeProto& node, Activation act);
  void average_pool(const onnx::NodeProto& node);
  void flatten(const onnx::NodeProto& node);
  void quantize_pair(const onnx::NodeProto& q, const onnx::NodeProto& dq);

  std::string origin_;
  std::map<std::string, Constant> constants_;
  OnnxModel model_;
  std::string current_;
  std::size_t current_producer_ = 0;  // layers.size() after the layer that produced current_
  Shape shape_;
  int node_index_ = 0;
};

Constant Importer::to_constant(const onnx::TensorProto& t, const std::string& what) const {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    fail(what + ": external tensor data is not supported (export with the weights inside)");
  }
  Constant c;
  c.data_type = t.data_type();
  for (auto d : t.dims()) {
    if (d < 0 || d > (std::int64_t{1} << 31)) fail(what + ": bad dimension " + std::to_string(d));
    c.dims.push_back(d);
  }
  const std::size_t n = product(c.dims);
  if (n > kMaxTensorElements) fail(what + ": tensor too large");
  const std::string& raw = t.raw_data();
  auto from_raw = [&](auto sample) {
    using T = decltype(sample);
    if (raw.size() != n * sizeof(T)) {
      fail(what + ": raw_data holds " + std::to_string(raw.size()) + " bytes, expected " +
           std::to_string(n * sizeof(T)));
    }
    c.values.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));  // ONNX raw data is little-endian
      c.values[i] = static_cast<double>(v);
    }
  };
  auto from_field = [&](const auto& field) {
    if (static_cast<std::size_t>(field.size()) != n) {
      fail(what + ": holds " + std::to_string(field.size()) + " values, expected " +
           std::to_string(n));
    }
    c.values.assign(field.begin(), field.end());
  };
  const bool has_raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      has_raw ? from_raw(float{}) : from_field(t.float_data());
      break;
    case onnx::TensorProto::DOUBLE:
      has_raw ? from_raw(double{}) : from_field(t.double_data());
      break;
    case onnx::TensorProto::INT64:
      has_raw ? from_raw(std::int64_t{}) : from_field(t.int64_data());
      break;
    case onnx::TensorProto::INT32:
      has_raw ? from_raw(std::int32_t{}) : from_field(t.int32_data());
      break;
    case onnx::TensorProto::INT8:
      has_raw ? from_raw(std::int8_t{}) : from_field(t.int32_data());
      break;
    case onnx::TensorProto::UINT8:
      has_raw ? from_raw(std::uint8_t{}) : from_field(t.int32_data());
      break;
    default:
      fail(what + ": unsupported tensor element type " + std::to_string(t.data_type()));
  }
  for (double v : c.values) {
    if (!std::isfinite(v)) fail(what + ": holds a value that is not finite");
  }
  return c;
}

// QuantParams of a Q/DQ's scale and zero point (per tensor).
QuantParams quant_params(double scale, std::int64_t zero_point, int zero_point_type) {
  QuantParams q;
  q.scale = scale;
  q.zero_point = zero_point;
  q.bits = 8;
  q.is_signed = zero_point_type == onnx::TensorProto::INT8;
  return q;
}

void Importer::fold_constant_node(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (op == "Constant") {
    const auto* a = attribute(node, "value");
    if (!a || !a->has_t()) fail(node, "only tensor-valued Constant nodes are supported");
    constants_[node.output(0)] = to_constant(a->t(), "node '" + node_name(node) + "'");
    return;
  }
  if (op == "Identity") {
    constants_[node.output(0)] = *constant(node.input(0));
    return;
  }
  const Constant& x = *constant(node.input(0));
  const Constant& scale = require_constant(node, 1, "scale");
  const Constant* zp =
      node.input_size() > 2 && !node.input(2).empty() ? constant(node.input(2)) : nullptr;
  if (node.input_size() > 2 && !node.input(2).empty() && !zp)
    fail(node, "zero point must be a constant");
  const std::size_t n = x.values.size();
  std::int64_t axis = int_attr(node, "axis", 1);
  if (axis < 0) axis += static_cast<std::int64_t>(x.dims.size());
  const bool per_axis = scale.values.size() > 1;
  if (per_axis &&
      (axis < 0 || axis >= static_cast<std::int64_t>(x.dims.size()) ||
       static_cast<std::int64_t>(scale.values.size()) != x.dims[static_cast<std::size_t>(axis)])) {
    fail(node, "per-axis scale of " + std::to_string(scale.values.size()) +
                   " entries does not match axis " + std::to_string(axis));
  }
  if (zp && zp->values.size() != scale.values.size())
    fail(node, "scale and zero point sizes differ");
  std::size_t inner = 1;
  if (per_axis) {
    for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < x.dims.size(); ++d) {
      inner *= static_cast<std::size_t>(x.dims[d]);
    }
  }
  auto channel = [&](std::size_t i) { return per_axis ? (i / inner) % scale.values.size() : 0; };
  for (double s : scale.values) {
    if (!(s > 0.0)) fail(node, "scale must be positive");
  }
  Constant out;
  out.dims = x.dims;
  out.values.resize(n);
  const int zp_type = zp ? zp->data_type : onnx::TensorProto::UINT8;
  if (op == "QuantizeLinear") {
    const QuantParams range = quant_params(1.0, 0, zp_type);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t c = channel(i);
      const double z = zp ? zp->values[c] : 0.0;
      // ONNX rounds half to even here.
      const double q = std::nearbyint(x.values[i] / scale.values[c]) + z;
      out.values[i] =
          std::clamp(q, static_cast<double>(range.min()), static_cast<double>(range.max()));
    }
    out.data_type = zp_type;
  } else {  // DequantizeLinear
    Constant::Quant quant;
    quant.scales = scale.values;
    quant.is_signed = x.data_type == onnx::TensorProto::INT8;
    quant.axis = per_axis ? axis : -1;
    for (std::size_t k = 0; k < scale.values.size(); ++k) {
      quant.zero_points.push_back(zp ? static_cast<std::int64_t>(zp->values[k]) : 0);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t c = channel(i);
      quant.q.push_back(static_cast<std::int64_t>(x.values[i]));
      out.values[i] = scale.values[c] * (x.values[i] - static_cast<double>(quant.zero_points[c]));
    }
    out.quant = std::move(quant);
  }
  constants_[node.output(0)] = std::move(out);
}

// Dense weights [units][inputs] from a constant; `transposed`: stored [inputs][units].
void Importer::gemm(const onnx::NodeProto& node, bool matmul) {
  require_chain_input(node);
  if (node.input(0) != current_) fail(node, "the data tensor must be the first input");
  if (shape_.size() != 1) {
    fail(node, "needs a [batch, features] input, got a tensor of shape " +
                   compiler::to_string(shape_) + " (add a Flatten)");
  }
  const Constant& b = require_constant(node, 1, "weight");
  bool trans_b = false;
  double alpha = 1.0;
  double beta = 1.0;
  if (!matmul) {
    if (int_attr(node, "transA", 0) != 0) fail(node, "transA=1 is not supported");
    trans_b = int_attr(node, "transB", 0) != 0;
    alpha = float_attr(node, "alpha", 1.0);
    beta = float_attr(node, "beta", 1.0);
  }
  if (b.dims.size() != 2) fail(node, "weight must be a matrix");
  const std::size_t inputs = static_cast<std::size_t>(trans_b ? b.dims[1] : b.dims[0]);
  const std::size_t units = static_cast<std::size_t>(trans_b ? b.dims[0] : b.dims[1]);
  if (inputs != shape_[0]) {
    fail(node, "weight expects " + std::to_string(inputs) + " inputs, the tensor has " +
                   std::to_string(shape_[0]));
  }
  OnnxLayer l;
  l.kind = OnnxLayer::Kind::kDense;
  l.channels = units;
  l.output_shape = {units};
  l.weights.resize(units * inputs);
  for (std::size_t o = 0; o < units; ++o) {
    for (std::size_t i = 0; i < inputs; ++i) {
      l.weights[o * inputs + i] = alpha * b.values[trans_b ? o * inputs + i : i * units + o];
    }
  }
  if (b.quant) {
    const auto& q = *b.quant;
    const std::int64_t unit_axis = trans_b ? 0 : 1;
    if (q.scales.size() > 1 && q.axis != unit_axis)
      fail(node, "weight scales must be per output unit");
    if (std::any_of(q.zero_points.begin(), q.zero_points.end(), [](auto z) { return z != 0; })) {
      fail(node, "quantized weights must be symmetric (zero point 0)");
    }
    if (alpha != 1.0) fail(node, "alpha must be 1 with quantized weights");
    OnnxWeightQuant wq;
    wq.scales = q.scales;
    wq.values.resize(units * inputs);
    for (std::size_t o = 0; o < units; ++o) {
      for (std::size_t i = 0; i < inputs; ++i) {
        wq.values[o * inputs + i] = q.q[trans_b ? o * inputs + i : i * units + o];
      }
    }
    l.weight_quant = std::move(wq);
  }
  l.bias.assign(units, 0.0);
  if (!matmul && node.input_size() > 2 && !node.input(2).empty()) {
    const Constant& c = require_constant(node, 2, "bias");
    if (c.values.size() != units) {
      fail(node, "bias has " + std::to_string(c.values.size()) + " values, expected " +
                     std::to_string(units));
    }
    for (std::size_t o = 0; o < units; ++o) l.bias[o] = beta * c.values[o];
  }
  push(std::move(l), node);
}

void Importer::conv(const onnx::NodeProto& node) {
  require_chain_input(node);
  if (shape_.size() != 3) {
    fail(node,
         "needs a [batch, channels, height, width] input, got " + compiler::to_string(shape_));
  }
  const Constant& w = require_constant(node, 1, "weight");
  if (w.dims.size() != 4) fail(node, "only 2-D convolutions are supported");
  if (int_attr(node, "group", 1) != 1) fail(node, "group convolutions are not supported");
  for (auto d : ints_attr(node, "dilations")) {
    if (d != 1) fail(node, "dilations are not supported");
  }
  if (const auto* a = attribute(node, "auto_pad"); a && a->s() != "NOTSET") {
    fail(node, "auto_pad " + a->s() + " is not supported (export explicit pads)");
  }
  const std::size_t filters = static_cast<std::size_t>(w.dims[0]);
  if (static_cast<std::size_t>(w.dims[1]) != shape_[0]) {
    fail(node, "weight expects " + std::to_string(w.dims[1]) + " channels, the tensor has " +
                   std::to_string(shape_[0]));
  }
  OnnxLayer l;
  l.kind = OnnxLayer::Kind::kConv;
  l.channels = filters;
  l.conv.kernel_h = static_cast<std::size_t>(w.dims[2]);
  l.conv.kernel_w = static_cast<std::size_t>(w.dims[3]);
  const auto strides = ints_attr(node, "strides");
  if (strides.size() == 2) {
    if (strides[0] < 1 || strides[1] < 1) fail(node, "strides must be positive");
    l.conv.stride_h = static_cast<std::size_t>(strides[0]);
    l.conv.stride_w = static_cast<std::size_t>(strides[1]);
  } else if (!strides.empty()) {
    fail(node, "expected 2 strides");
  }
  const auto pads = ints_attr(node, "pads");
  if (pads.size() == 4) {
    if (pads[0] != pads[2] || pads[1] != pads[3] || pads[0] < 0 || pads[1] < 0) {
      fail(node, "only symmetric padding is supported");
    }
    l.conv.pad_h = static_cast<std::size_t>(pads[0]);
    l.conv.pad_w = static_cast<std::size_t>(pads[1]);
  } else if (!pads.empty()) {
    fail(node, "expected 4 pads");
  }
  if (shape_[1] + 2 * l.conv.pad_h < l.conv.kernel_h ||
      shape_[2] + 2 * l.conv.pad_w < l.conv.kernel_w) {
    fail(node, "kernel larger than the padded input " + compiler::to_string(shape_));
  }
  l.output_shape = compiler::conv2d_output_shape(shape_, filters, l.conv);
  l.weights = w.values;
  if (w.quant) {
    const auto& q = *w.quant;
    if (q.scales.size() > 1 && q.axis != 0) fail(node, "weight scales must be per filter (axis 0)");
    if (std::any_of(q.zero_points.begin(), q.zero_points.end(), [](auto z) { return z != 0; })) {
      fail(node, "quantized weights must be symmetric (zero point 0)");
    }
    l.weight_quant = OnnxWeightQuant{q.q, q.scales, 8};
  }
  l.bias.assign(filters, 0.0);
  if (node.input_size() > 2 && !node.input(2).empty()) {
    const Constant& b = require_constant(node, 2, "bias");
    if (b.values.size() != filters) fail(node, "bias size does not match the filters");
    l.bias = b.values;
  }
  push(std::move(l), node);
}

void Importer::add(const onnx::NodeProto& node) {
  require_chain_input(node);
  OnnxLayer* l = open_linear();
  const Constant* c = nullptr;
  for (const auto& in : node.input()) {
    if (constant(in)) c = constant(in);
  }
  if (!l || l->activation != Activation::kIdentity || !c) {
    fail(node, "only a constant bias directly after Gemm, MatMul or Conv is supported");
  }
  if (l->kind == OnnxLayer::Kind::kDense && c->values.size() == l->channels) {
    for (std::size_t o = 0; o < l->channels; ++o) l->bias[o] += c->values[o];
  } else if (l->kind == OnnxLayer::Kind::kConv && c->values.size() == l->channels &&
             (c->dims.size() == 1 || c->dims.size() == 3 || c->dims.size() == 4)) {
    for (std::size_t o = 0; o < l->channels; ++o) l->bias[o] += c->values[o];
  } else {
    fail(node, "bias of " + std::to_string(c->values.size()) + " values does not match " +
                   std::to_string(l->channels) + " channels");
  }
  advance(node);
  current_producer_ = model_.layers.size();
}

void Importer::batch_norm(const onnx::NodeProto& node) {
  require_chain_input(node);
  OnnxLayer* l = open_linear();
  if (!l || l->activation != Activation::kIdentity) {
    fail(node, "BatchNormalization must directly follow a Conv, Gemm or MatMul (it is folded in)");
  }
  if (l->weight_quant) fail(node, "cannot fold into already quantized weights");
  const Constant& gamma = require_constant(node, 1, "scale");
  const Constant& beta = require_constant(node, 2, "bias");
  const Constant& mean = require_constant(node, 3, "mean");
  const Constant& var = require_constant(node, 4, "variance");
  const double eps = float_attr(node, "epsilon", 1e-5);
  const std::size_t ch = l->channels;
  for (const Constant* c : {&gamma, &beta, &mean, &var}) {
    if (c->values.size() != ch)
      fail(node, "parameters do not match " + std::to_string(ch) + " channels");
  }
  const std::size_t per = l->weights.size() / ch;
  for (std::size_t o = 0; o < ch; ++o) {
    const double k = gamma.values[o] / std::sqrt(var.values[o] + eps);
    for (std::size_t i = 0; i < per; ++i) l->weights[o * per + i] *= k;
    l->bias[o] = k * (l->bias[o] - mean.values[o]) + beta.values[o];
    if (!std::isfinite(k) || !std::isfinite(l->bias[o]))
      fail(node, "folding gives non-finite values");
  }
  advance(node);
  current_producer_ = model_.layers.size();
}

void Importer::activation(const onnx::NodeProto& node, Activation act) {
  require_chain_input(node);
  if (OnnxLayer* l = open_linear(); l && l->activation == Activation::kIdentity) {
    l->activation = act;
    l->closed = true;  // nothing fuses after the activation
    advance(node);
    current_producer_ = model_.layers.size();
    return;
  }
  OnnxLayer l;
  l.kind = OnnxLayer::Kind::kActivation;
  l.activation = act;
  l.output_shape = shape_;
  push(std::move(l), node);
  model_.layers.back().closed = true;
}

void Importer::average_pool(const onnx::NodeProto& node) {
  require_chain_input(node);
  if (shape_.size() != 3) fail(node, "needs a [batch, channels, height, width] input");
  const auto kernel = ints_attr(node, "kernel_shape");
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1)
    fail(node, "expected a 2-D kernel_shape");
  for (auto p : ints_attr(node, "pads")) {
    if (p != 0) fail(node, "padding is not supported");
  }
  if (int_attr(node, "ceil_mode", 0) != 0) fail(node, "ceil_mode is not supported");
  if (const auto* a = attribute(node, "auto_pad"); a && a->s() != "NOTSET" && a->s() != "VALID") {
    fail(node, "auto_pad " + a->s() + " is not supported");
  }
  OnnxLayer l;
  l.kind = OnnxLayer::Kind::kAvgPool;
  l.pool.kernel_h = static_cast<std::size_t>(kernel[0]);
  l.pool.kernel_w = static_cast<std::size_t>(kernel[1]);
  const auto strides = ints_attr(node, "strides");
  l.pool.stride_h = strides.size() == 2 ? static_cast<std::size_t>(strides[0]) : 1;
  l.pool.stride_w = strides.size() == 2 ? static_cast<std::size_t>(strides[1]) : 1;
  if (l.pool.stride_h < 1 || l.pool.stride_w < 1) fail(node, "strides must be positive");
  if (shape_[1] < l.pool.kernel_h || shape_[2] < l.pool.kernel_w)
    fail(node, "kernel larger than the input");
  l.output_shape = compiler::pool_output_shape(shape_, l.pool);
  l.closed = true;
  push(std::move(l), node);
}

void Importer::flatten(const onnx::NodeProto& node) {
  require_chain_input(node);
  if (node.op_type() == "Flatten") {
    if (int_attr(node, "axis", 1) != 1) fail(node, "only axis=1 (keep the batch) is supported");
  } else {  // Reshape
    const Constant& target = require_constant(node, 1, "shape");
    const std::size_t n = compiler::element_count(shape_);
    const auto& v = target.values;
    const bool ok = v.size() == 2 && (v[0] == -1 || v[0] == 0 || v[0] == 1) &&
                    (v[1] == -1 || v[1] == static_cast<double>(n)) && !(v[0] == -1 && v[1] == -1);
    if (!ok) fail(node, "only a reshape to [batch, features] (a flatten) is supported");
  }
  if (shape_.size() > 1) {
    OnnxLayer l;
    l.kind = OnnxLayer::Kind::kFlatten;
    l.output_shape = {compiler::element_count(shape_)};
    l.closed = true;
    push(std::move(l), node);
  } else {
    advance(node);
  }
}

void Importer::quantize_pair(const onnx::NodeProto& q, const onnx::NodeProto& dq) {
  require_chain_input(q);
  const Constant& scale = require_constant(q, 1, "scale");
  const Constant& dq_scale = require_constant(dq, 1, "scale");
  if (scale.values.size() != 1 || dq_scale.values.size() != 1 || !(scale.values[0] > 0.0)) {
    fail(q, "activations need one positive scale per tensor");
  }
  if (scale.values[0] != dq_scale.values[0]) fail(dq, "scale differs from its QuantizeLinear's");
  std::int64_t zp = 0;
  int zp_type = onnx::TensorProto::UINT8;
  if (q.input_size() > 2 && !q.input(2).empty()) {
    const Constant& z = require_constant(q, 2, "zero point");
    if (z.values.size() != 1) fail(q, "activations need one zero point per tensor");
    zp = static_cast<std::int64_t>(z.values[0]);
    zp_type = z.data_type;
  }
  const QuantParams params = quant_params(scale.values[0], zp, zp_type);
  if (model_.layers.empty()) {
    model_.input_quant = params;
  } else {
    if (current_producer_ != model_.layers.size()) fail(q, "follows an unsupported tensor");
    OnnxLayer& l = model_.layers.back();
    if (l.kind == OnnxLayer::Kind::kFlatten || l.kind == OnnxLayer::Kind::kAvgPool) {
      // Pooling and flatten do not requantize; a Q/DQ there restates what comes before.
    } else {
      l.output_quant = params;
      l.closed = true;
    }
  }
  advance(dq);
  current_producer_ = model_.layers.size();
}

OnnxModel Importer::run(const onnx::ModelProto& proto) {
  if (!proto.has_graph()) fail("no graph (not an ONNX model, or a truncated one)");
  const onnx::GraphProto& g = proto.graph();
  for (const auto& opset : proto.opset_import()) {
    if (!opset.domain().empty() && opset.domain() != "ai.onnx") {
      fail("operator set domain '" + opset.domain() + "' is not supported");
    }
  }
  for (const auto& t : g.initializer()) {
    constants_[t.name()] = to_constant(t, "initializer '" + t.name() + "'");
  }
  const onnx::ValueInfoProto* input = nullptr;
  for (const auto& in : g.input()) {
    if (constants_.count(in.name())) continue;
    if (input)
      fail("the graph has more than one data input ('" + input->name() + "', '" + in.name() + "')");
    input = &in;
  }
  if (!input) fail("the graph has no data input");
  if (g.output_size() != 1)
    fail("the graph must have exactly one output, it has " + std::to_string(g.output_size()));
  if (!input->type().has_tensor_type() || !input->type().tensor_type().has_shape()) {
    fail("input '" + input->name() + "' has no tensor shape");
  }
  const auto& dims = input->type().tensor_type().shape().dim();
  if (dims.size() != 2 && dims.size() != 4) {
    fail("input '" + input->name() +
         "' must be [batch, features] or [batch, channels, height, width]");
  }
  for (int d = 1; d < dims.size(); ++d) {
    if (!dims[d].has_dim_value() || dims[d].dim_value() < 1 || dims[d].dim_value() > (1 << 24)) {
      fail("input '" + input->name() + "': dimension " + std::to_string(d) +
           " must be a fixed size");
    }
    model_.input_shape.push_back(static_cast<std::size_t>(dims[d].dim_value()));
  }
  if (model_.input_shape.size() == 3 &&
      model_.input_shape[0] * model_.input_shape[1] > kMaxTensorElements / model_.input_shape[2]) {
    fail("input '" + input->name() + "' is too large");
  }
  shape_ = model_.input_shape;
  current_ = input->name();
  model_.name = g.name();

  int pending_q = -1;  // a QuantizeLinear of the chain tensor waiting for its DequantizeLinear
  for (int i = 0; i < g.node_size(); ++i) {
    node_index_ = i;
    const onnx::NodeProto& node = g.node(i);
    const std::string& op = node.op_type();
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      fail(node,
           "operator domain '" + node.domain() + "' is not supported; supported: " + kSupported);
    }
    if (node.output_size() < 1) fail(node, "has no output");
    const bool all_constant =
        std::all_of(node.input().begin(), node.input().end(),
                    [&](const std::string& in) { return in.empty() || constant(in); });
    if (op == "Constant" ||
        (all_constant && node.input_size() > 0 &&
         (op == "Identity" || op == "QuantizeLinear" || op == "DequantizeLinear"))) {
      fold_constant_node(node);
    } else if (op == "Gemm" || op == "MatMul") {
      gemm(node, op == "MatMul");
    } else if (op == "Conv") {
      conv(node);
    } else if (op == "Add") {
      add(node);
    } else if (op == "BatchNormalization") {
      batch_norm(node);
    } else if (op == "Relu") {
      activation(node, Activation::kRelu);
    } else if (op == "Sigmoid") {
      activation(node, Activation::kSigmoid);
    } else if (op == "Tanh") {
      activation(node, Activation::kTanh);
    } else if (op == "AveragePool") {
      average_pool(node);
    } else if (op == "Flatten" || op == "Reshape") {
      flatten(node);
    } else if (op == "Identity") {
      require_chain_input(node);
      advance(node);
    } else if (op == "Pad") {
      // PyTorch exports AvgPool2d as a Pad (of zeros) and an AveragePool; only that no-op Pad is
      // accepted.
      require_chain_input(node);
      const Constant& pads = require_constant(node, 1, "pads");
      if (std::any_of(pads.values.begin(), pads.values.end(), [](double p) { return p != 0.0; })) {
        fail(node, "only a Pad of zero size is supported (use the padding of Conv)");
      }
      advance(node);
    } else if (op == "QuantizeLinear") {
      // Its DequantizeLinear may come later (constant nodes in between).
      require_chain_input(node);
      pending_q = i;
    } else if (op == "DequantizeLinear") {
      if (pending_q < 0 || node.input_size() < 1 || node.input(0) != g.node(pending_q).output(0)) {
        fail(node, "a DequantizeLinear of a non-constant tensor must follow a QuantizeLinear");
      }
      quantize_pair(g.node(pending_q), node);
      pending_q = -1;
    } else {
      fail(node, "unsupported operator; supported: " + std::string(kSupported));
    }
  }
  if (pending_q >= 0) {
    node_index_ = pending_q;
    fail(g.node(pending_q), "a QuantizeLinear must be followed by its DequantizeLinear");
  }
  if (g.output(0).name() != current_) {
    fail("the graph output '" + g.output(0).name() + "' is not the end of the chain ('" + current_ +
         "')");
  }
  if (model_.layers.empty()) fail("the graph has no layers");
  return std::move(model_);
}

// ---- float evaluation -------------------------------------------------------------------

std::vector<double> dense_float(const OnnxLayer& l, const std::vector<double>& x) {
  const std::size_t inputs = x.size();
  std::vector<double> y(l.channels);
  for (std::size_t o = 0; o < l.channels; ++o) {
    double acc = l.bias[o];
    for (std::size_t i = 0; i < inputs; ++i) acc += l.weights[o * inputs + i] * x[i];
    y[o] = acc;
  }
  return y;
}

std::vector<double> conv_float(const OnnxLayer& l, const Shape& in, const std::vector<double>& x) {
  const auto& a = l.conv;
  const std::size_t c_in = in[0], h = in[1], w = in[2];
  const std::size_t oh = l.output_shape[1], ow = l.output_shape[2];
  std::vector<double> y(l.channels * oh * ow);
  for (std::size_t f = 0; f < l.channels; ++f) {
    for (std::size_t r = 0; r < oh; ++r) {
      for (std::size_t s = 0; s < ow; ++s) {
        double acc = l.bias[f];
        for (std::size_t c = 0; c < c_in; ++c) {
          for (std::size_t i = 0; i < a.kernel_h; ++i) {
            const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(r * a.stride_h + i) -
                                       static_cast<std::ptrdiff_t>(a.pad_h);
            if (row < 0 || row >= static_cast<std::ptrdiff_t>(h)) continue;
            for (std::size_t j = 0; j < a.kernel_w; ++j) {
              const std::ptrdiff_t col = static_cast<std::ptrdiff_t>(s * a.stride_w + j) -
                                         static_cast<std::ptrdiff_t>(a.pad_w);
              if (col < 0 || col >= static_cast<std::ptrdiff_t>(w)) continue;
              acc += l.weights[((f * c_in + c) * a.kernel_h + i) * a.kernel_w + j] *
                     x[(c * h + static_cast<std::size_t>(row)) * w + static_cast<std::size_t>(col)];
            }
          }
        }
        y[(f * oh + r) * ow + s] = acc;
      }
    }
  }
  return y;
}

std::vector<double> pool_float(const OnnxLayer& l, const Shape& in, const std::vector<double>& x) {
  const auto& a = l.pool;
  const std::size_t h = in[1], w = in[2];
  const std::size_t oh = l.output_shape[1], ow = l.output_shape[2];
  std::vector<double> y(in[0] * oh * ow);
  const double k = static_cast<double>(a.kernel_h * a.kernel_w);
  for (std::size_t c = 0; c < in[0]; ++c) {
    for (std::size_t r = 0; r < oh; ++r) {
      for (std::size_t s = 0; s < ow; ++s) {
        double sum = 0.0;
        for (std::size_t i = 0; i < a.kernel_h; ++i) {
          for (std::size_t j = 0; j < a.kernel_w; ++j) {
            sum += x[(c * h + r * a.stride_h + i) * w + s * a.stride_w + j];
          }
        }
        y[(c * oh + r) * ow + s] = sum / k;
      }
    }
  }
  return y;
}

// Runs the float network; `record` (when given) receives every layer's output.
std::vector<double> run_float(const OnnxModel& model, std::vector<double> x,
                              std::vector<std::vector<double>>* record) {
  if (x.size() != compiler::element_count(model.input_shape)) {
    throw InvalidArgument(model.origin + ": a sample has " + std::to_string(x.size()) +
                          " values, the model's input " + compiler::to_string(model.input_shape) +
                          " has " + std::to_string(compiler::element_count(model.input_shape)));
  }
  Shape shape = model.input_shape;
  for (const OnnxLayer& l : model.layers) {
    switch (l.kind) {
      case OnnxLayer::Kind::kDense:
        x = dense_float(l, x);
        break;
      case OnnxLayer::Kind::kConv:
        x = conv_float(l, shape, x);
        break;
      case OnnxLayer::Kind::kAvgPool:
        x = pool_float(l, shape, x);
        break;
      case OnnxLayer::Kind::kFlatten:
      case OnnxLayer::Kind::kActivation:
        break;
    }
    for (double& v : x) v = apply_activation(l.activation, v);
    shape = l.output_shape;
    if (record) record->push_back(x);
  }
  return x;
}

// ---- quantization ------------------------------------------------------------------------

unsigned bits_or(unsigned requested, unsigned dflt, const char* what) {
  const unsigned b = requested ? requested : dflt;
  if (b < 2 || b > 16) {
    throw InvalidArgument(std::string(what) + " must be 2..16, got " + std::to_string(b));
  }
  return b;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
};

Range range_of(std::vector<double>& values, double percentile) {
  Range r;
  if (values.empty()) return r;
  if (percentile >= 100.0) {
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    return {*lo, *hi};
  }
  const auto at = [&](double p) {
    const auto k =
        static_cast<std::size_t>(std::llround(p / 100.0 * static_cast<double>(values.size() - 1)));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    return values[k];
  };
  r.lo = at(100.0 - percentile);
  r.hi = at(percentile);
  return r;
}

// Unsigned affine quantization covering [lo, hi] ∪ {0} (zero stays exact).
QuantParams affine(Range r, unsigned bits) {
  QuantParams q;
  q.bits = bits;
  q.is_signed = false;
  const double lo = std::min(r.lo, 0.0);
  const double hi = std::max(r.hi, 0.0);
  const double levels = static_cast<double>((std::int64_t{1} << bits) - 1);
  if (!(hi - lo > 1e-12) || !std::isfinite(hi - lo)) {
    q.scale = 1.0;
    q.zero_point = 0;
    return q;
  }
  q.scale = (hi - lo) / levels;
  q.zero_point =
      std::clamp<std::int64_t>(std::llround(-lo / q.scale), 0, static_cast<std::int64_t>(levels));
  return q;
}

// Symmetric weights: per channel, or one scale for the whole tensor.
void quantize_weights(const OnnxLayer& l, unsigned bits, bool per_channel,
                      std::vector<std::int64_t>& q, std::vector<double>& scales) {
  const double top = static_cast<double>((std::int64_t{1} << (bits - 1)) - 1);
  const std::size_t per = l.weights.size() / l.channels;
  auto max_abs = [&](std::size_t from, std::size_t to) {
    double m = 0.0;
    for (std::size_t i = from; i < to; ++i) m = std::max(m, std::abs(l.weights[i]));
    return m > 0.0 ? m : 1.0;
  };
  scales.clear();
  if (per_channel) {
    for (std::size_t o = 0; o < l.channels; ++o)
      scales.push_back(max_abs(o * per, (o + 1) * per) / top);
  } else {
    scales.push_back(max_abs(0, l.weights.size()) / top);
  }
  q.resize(l.weights.size());
  for (std::size_t i = 0; i < q.size(); ++i) {
    const double s = scales[per_channel ? i / per : 0];
    q[i] = std::clamp<std::int64_t>(std::llround(l.weights[i] / s), -static_cast<std::int64_t>(top),
                                    static_cast<std::int64_t>(top));
  }
}

}  // namespace

OnnxModel load_onnx(const std::filesystem::path& path) {
  const std::string origin = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelFormatError(origin + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  onnx::ModelProto proto;
  if (bytes.empty() || !proto.ParseFromString(bytes)) {
    throw ModelFormatError(origin + ": not a valid ONNX model (damaged or truncated protobuf)");
  }
  OnnxModel m = Importer(origin).run(proto);
  m.origin = origin;
  if (m.name.empty() || m.name == "main_graph" || m.name == "torch_jit" ||
      m.name.rfind("torch-jit", 0) == 0) {
    m.name = path.stem().string();
  }
  return m;
}

std::vector<double> evaluate_float(const OnnxModel& model, const std::vector<double>& x) {
  return run_float(model, x, nullptr);
}

QuantizedModel quantize_onnx(const OnnxModel& model, const std::vector<RealSample>& calibration,
                             const ModelImportOptions& options) {
  const unsigned weight_bits = bits_or(options.weight_bits, kDefaultWeightBits, "weight bits");
  const unsigned act_bits =
      bits_or(options.activation_bits, kDefaultActivationBits, "activation bits");
  const unsigned input_bits = bits_or(options.input_bits, kDefaultInputBits, "input bits");
  if (!(options.percentile > 50.0 && options.percentile <= 100.0)) {
    throw InvalidArgument("percentile must be in (50, 100], got " +
                          std::to_string(options.percentile));
  }
  const std::size_t n_layers = model.layers.size();
  // Calibration: every layer's output values over all samples, and the input's.
  std::vector<std::vector<double>> seen(n_layers);
  std::vector<double> inputs;
  for (const RealSample& s : calibration) {
    std::vector<std::vector<double>> rec;
    run_float(model, s, &rec);
    inputs.insert(inputs.end(), s.begin(), s.end());
    for (std::size_t i = 0; i < n_layers; ++i)
      seen[i].insert(seen[i].end(), rec[i].begin(), rec[i].end());
  }
  auto calibrated = [&](std::vector<double>& values, unsigned bits, const std::string& what) {
    if (calibration.empty()) {
      throw InvalidArgument(model.origin + ": " + what +
                            " needs a range: give calibration samples (--calibration)");
    }
    return affine(range_of(values, options.percentile), bits);
  };

  QuantizedModel q;
  q.name = model.name;
  q.description =
      "imported from " + std::filesystem::path(model.origin).filename().string() + " (ONNX), " +
      (calibration.empty() ? std::string("Q/DQ scales")
                           : std::to_string(calibration.size()) + " calibration samples");
  q.input_shape = model.input_shape;
  q.input = model.input_quant ? *model.input_quant : calibrated(inputs, input_bits, "the input");
  // Scale of the tensor between layers (pooling divides it); biases are in accumulator units.
  double scale = q.input.scale;
  for (std::size_t i = 0; i < n_layers; ++i) {
    const OnnxLayer& l = model.layers[i];
    const bool last = i + 1 == n_layers;
    const std::string what = "layer '" + l.name + "'";
    Layer out;
    out.name = l.name;
    auto output_quant = [&]() -> std::optional<QuantParams> {
      if (l.output_quant) return l.output_quant;
      if (last && l.activation == Activation::kIdentity) return std::nullopt;
      return calibrated(seen[i], act_bits, what + "'s output");
    };
    if (l.kind == OnnxLayer::Kind::kDense || l.kind == OnnxLayer::Kind::kConv) {
      const std::optional<QuantParams> oq = output_quant();
      std::vector<std::int64_t> w;
      std::vector<double> ws;
      unsigned wb = weight_bits;
      if (l.weight_quant) {
        w = l.weight_quant->values;
        ws = l.weight_quant->scales;
        wb = l.weight_quant->bits;
        if (!oq && ws.size() > 1) {
          throw InvalidArgument(model.origin + ": " + what +
                                ": the last layer needs one weight scale (or an output Q/DQ)");
        }
      } else {
        quantize_weights(l, wb, oq.has_value(), w, ws);
      }
      std::vector<std::int64_t> bias(l.channels);
      for (std::size_t o = 0; o < l.channels; ++o) {
        bias[o] = std::llround(l.bias[o] / (scale * ws[ws.size() == 1 ? 0 : o]));
      }
      if (l.kind == OnnxLayer::Kind::kDense) {
        DenseLayer d;
        d.units = l.channels;
        d.weights = std::move(w);
        d.bias = std::move(bias);
        d.weight_scales = std::move(ws);
        d.weight_bits = wb;
        d.activation = l.activation;
        d.output = oq;
        out.op = std::move(d);
      } else {
        Conv2dLayer c;
        c.filters = l.channels;
        c.attributes = l.conv;
        c.weights = std::move(w);
        c.bias = std::move(bias);
        c.weight_scales = std::move(ws);
        c.weight_bits = wb;
        c.activation = l.activation;
        c.output = oq;
        out.op = std::move(c);
      }
      if (oq) scale = oq->scale;
    } else if (l.kind == OnnxLayer::Kind::kAvgPool) {
      PoolLayer p;
      p.average = true;
      p.attributes = l.pool;
      out.op = p;
      const auto k = static_cast<std::int64_t>(l.pool.kernel_h * l.pool.kernel_w);
      scale /= static_cast<double>(k);
    } else if (l.kind == OnnxLayer::Kind::kFlatten) {
      out.op = FlattenLayer{};
    } else {
      ActivationLayer a;
      a.activation = l.activation;
      a.output =
          *(l.output_quant
                ? l.output_quant
                : std::optional<QuantParams>(calibrated(seen[i], act_bits, what + "'s output")));
      scale = a.output.scale;
      out.op = a;
    }
    q.layers.push_back(std::move(out));
  }
  validate(q);
  return q;
}

QuantizedModel import_onnx(const std::filesystem::path& path, const ModelImportOptions& options) {
  const OnnxModel m = load_onnx(path);
  std::vector<RealSample> calibration;
  if (!options.calibration.empty()) {
    calibration = load_samples(options.calibration, options.calibration_count,
                               compiler::element_count(m.input_shape));
  }
  return quantize_onnx(m, calibration, options);
}

}  // namespace lutfhe::models
