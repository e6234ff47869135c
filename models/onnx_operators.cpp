// Each supported ONNX operator turned into OnnxModel layers: Gemm/MatMul and Conv start a layer,
// Add (a bias) and BatchNormalization fold into it, an activation closes it, AveragePool and
// Flatten/Reshape are layers of their own, and a QuantizeLinear/DequantizeLinear pair gives the
// tensor before it its quantization.
#include <algorithm>
#include <cmath>

#include "models/internal/onnx_graph.hpp"

namespace lutfhe::models::onnx_graph {

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
    if (strides[0] < 1 || strides[1] < 1 || strides[0] > (1 << 20) || strides[1] > (1 << 20))
      fail(node, "strides must be in [1, 2^20]");
    l.conv.stride_h = static_cast<std::size_t>(strides[0]);
    l.conv.stride_w = static_cast<std::size_t>(strides[1]);
  } else if (!strides.empty()) {
    fail(node, "expected 2 strides");
  }
  const auto pads = ints_attr(node, "pads");
  if (pads.size() == 4) {
    if (pads[0] != pads[2] || pads[1] != pads[3] || pads[0] < 0 || pads[1] < 0 ||
        pads[0] > (1 << 20) || pads[1] > (1 << 20)) {
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
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1 || kernel[0] > (1 << 20) ||
      kernel[1] > (1 << 20))
    fail(node, "expected a 2-D kernel_shape of sizes in [1, 2^20]");
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
  for (const auto s : strides) {
    if (s < 1 || s > (std::int64_t{1} << 20)) fail(node, "strides must be in [1, 2^20]");
  }
  l.pool.stride_h = strides.size() == 2 ? static_cast<std::size_t>(strides[0]) : 1;
  l.pool.stride_w = strides.size() == 2 ? static_cast<std::size_t>(strides[1]) : 1;
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
    zp = integer_value(q, z.values[0], "zero point");
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

}  // namespace lutfhe::models::onnx_graph
