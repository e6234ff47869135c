// Shared by the files that read an ONNX graph (models/onnx_graph.cpp: the walk over the node
// chain; models/onnx_constants.cpp: initializers, Constant nodes and folded Q/DQ;
// models/onnx_operators.cpp: each operator fused into OnnxModel layers). Not for users: the entry
// is load_onnx (models/onnx_import.hpp).
#pragma once

#include <cmath>

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "models/float_network.hpp"
#include "models/quantized_model.hpp"

namespace lutfhe::models::onnx_graph {

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

constexpr std::size_t kMaxTensorElements = std::size_t{1} << 24;

// QuantParams of a Q/DQ's scale and zero point (per tensor).
QuantParams quant_params(double scale, std::int64_t zero_point, int zero_point_type);

// Reads one graph into an OnnxModel, fusing its node chain into layers; fail() throws
// ModelFormatError naming the file (and the node).
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
    if (c->values.empty()) fail(node, std::string(what) + " '" + node.input(index) + "' is empty");
    return *c;
  }
  // A constant's value as an integer attribute of the model (a zero point, a quantized weight):
  // refused unless finite, whole and within ±2^53.
  std::int64_t integer_value(const onnx::NodeProto& node, double v, const char* what) const {
    if (!std::isfinite(v) || std::trunc(v) != v || std::abs(v) > 0x1p53) {
      fail(node, std::string(what) + " " + std::to_string(v) + " is not an integer in ±2^53");
    }
    return static_cast<std::int64_t>(v);
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
  compiler::Shape shape_;
  int node_index_ = 0;
};

}  // namespace lutfhe::models::onnx_graph
