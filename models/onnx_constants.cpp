// Constant tensors of an ONNX graph: initializers and Constant nodes read into doubles, and
// Identity/QuantizeLinear/DequantizeLinear of constants folded at import (a DequantizeLinear of
// integers keeps the integers and their scales: weights quantized by the exporter).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "models/internal/onnx_graph.hpp"

namespace lutfhe::models::onnx_graph {
namespace {

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

}  // namespace

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
  const Constant* folded = constant(node.input(0));
  if (folded == nullptr) fail(node, "data input must be a constant");
  if (op == "Identity") {
    constants_[node.output(0)] = *folded;
    return;
  }
  const Constant& x = *folded;
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
      quant.zero_points.push_back(zp ? integer_value(node, zp->values[k], "zero point") : 0);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t c = channel(i);
      quant.q.push_back(integer_value(node, x.values[i], "quantized value"));
      out.values[i] = scale.values[c] * (x.values[i] - static_cast<double>(quant.zero_points[c]));
    }
    out.quant = std::move(quant);
  }
  constants_[node.output(0)] = std::move(out);
}

}  // namespace lutfhe::models::onnx_graph
