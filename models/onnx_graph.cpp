// The walk over an ONNX graph: checks the opset, reads the initializers and the one data input,
// then hands each node of the chain to its operator (models/onnx_operators.cpp) or folds it as a
// constant (models/onnx_constants.cpp).
#include <algorithm>

#include "models/internal/onnx_graph.hpp"

namespace lutfhe::models::onnx_graph {
namespace {

constexpr const char* kSupported =
    "Gemm, MatMul, Add, Conv, Relu, Sigmoid, Tanh, AveragePool, Flatten, Reshape, "
    "BatchNormalization, Identity, QuantizeLinear, DequantizeLinear, Constant, Pad (empty)";

}  // namespace

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
    // Folded when its data input (never an empty name) and every optional input given are
    // constants.
    const bool all_constant =
        node.input_size() > 0 && !node.input(0).empty() && constant(node.input(0)) &&
        std::all_of(node.input().begin(), node.input().end(),
                    [&](const std::string& in) { return in.empty() || constant(in); });
    if (op == "Constant" || (all_constant && (op == "Identity" || op == "QuantizeLinear" ||
                                              op == "DequantizeLinear"))) {
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

}  // namespace lutfhe::models::onnx_graph
