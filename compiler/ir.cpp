#include "compiler/ir.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>

#include "compiler/int128.hpp"
#include "core/errors.hpp"

namespace lutfhe::compiler {
namespace {

// floor(a / b) for b > 0.
Int128 floor_div(Int128 a, Int128 b) {
  Int128 q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw InvalidArgument(message);
}

// a·b, or SIZE_MAX when it overflows (validation of untrusted sizes).
std::size_t checked_mul(std::size_t a, std::size_t b) {
  std::size_t out = 0;
  return __builtin_mul_overflow(a, b, &out) ? SIZE_MAX : out;
}

std::size_t checked_count(const Shape& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) n = checked_mul(n, d);
  return n;
}

std::string label(OpKind op, const std::string& name) {
  std::string s(op_name(op));
  if (!name.empty()) s += " '" + name + "'";
  return s;
}

}  // namespace

std::size_t element_count(const Shape& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) {
    if (__builtin_mul_overflow(n, d, &n)) {
      throw LimitExceeded("shape " + to_string(shape) + " has more elements than can be counted");
    }
  }
  return n;
}

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + "]";
}

Range Range::hull(const Range& other) const {
  return {std::min(lo, other.lo), std::max(hi, other.hi)};
}

std::uint64_t Range::span() const {
  return static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
}

unsigned bit_width_of(std::uint64_t x) {
  return static_cast<unsigned>(std::bit_width(x));
}

std::int64_t round_bits(std::int64_t x, unsigned k) {
  if (k == 0) return x;
  const Int128 half = Int128{1} << (k - 1);
  return static_cast<std::int64_t>(floor_div(Int128{x} + half, Int128{1} << k));
}

LookupFunction LookupFunction::table(std::int64_t first, std::vector<std::int64_t> values,
                                     std::int64_t step) {
  require(!values.empty(), "lookup table: no values");
  require(step >= 1 && std::has_single_bit(static_cast<std::uint64_t>(step)),
          "lookup table: step " + std::to_string(step) + " is not a power of two");
  LookupFunction f;
  f.first_ = first;
  f.step_ = step;
  f.values_ = std::move(values);
  f.description_ = "table of " + std::to_string(f.values_.size()) + " values";
  return f;
}

LookupFunction LookupFunction::function(std::function<std::int64_t(std::int64_t)> fn,
                                        std::string description) {
  require(static_cast<bool>(fn), "lookup function is empty");
  LookupFunction f;
  f.fn_ = std::move(fn);
  f.description_ = std::move(description);
  return f;
}

std::int64_t LookupFunction::operator()(std::int64_t x) const {
  if (fn_) return fn_(x);
  const Int128 index = floor_div(Int128{x} - first_, step_);
  const auto last = static_cast<Int128>(values_.size()) - 1;
  return values_[static_cast<std::size_t>(std::clamp<Int128>(index, 0, last))];
}

std::string_view op_name(OpKind op) {
  switch (op) {
    case OpKind::kInput:
      return "input";
    case OpKind::kAdd:
      return "add";
    case OpKind::kSub:
      return "sub";
    case OpKind::kAddConstant:
      return "add_constant";
    case OpKind::kMulConstant:
      return "mul_constant";
    case OpKind::kDense:
      return "dense";
    case OpKind::kConv2d:
      return "conv2d";
    case OpKind::kSumPool:
      return "sum_pool2d";
    case OpKind::kLookup:
      return "lookup";
    case OpKind::kRound:
      return "round";
    case OpKind::kMul:
      return "mul";
  }
  return "unknown";
}

bool is_linear(OpKind op) {
  return op != OpKind::kInput && op != OpKind::kLookup && op != OpKind::kRound &&
         op != OpKind::kMul;
}

Shape conv2d_output_shape(const Shape& in, std::size_t out_channels, const Conv2dAttributes& a) {
  require(in.size() == 3, "conv2d input must be [C, H, W], got " + to_string(in));
  require(a.kernel_h >= 1 && a.kernel_w >= 1 && a.stride_h >= 1 && a.stride_w >= 1,
          "conv2d kernel and stride must be at least 1");
  const std::size_t h = in[1] + 2 * a.pad_h;
  const std::size_t w = in[2] + 2 * a.pad_w;
  require(h >= a.kernel_h && w >= a.kernel_w,
          "conv2d kernel " + std::to_string(a.kernel_h) + "x" + std::to_string(a.kernel_w) +
              " is larger than the padded input " + std::to_string(h) + "x" + std::to_string(w));
  return {out_channels, (h - a.kernel_h) / a.stride_h + 1, (w - a.kernel_w) / a.stride_w + 1};
}

Shape pool_output_shape(const Shape& in, const PoolAttributes& a) {
  require(in.size() == 3, "pooling input must be [C, H, W], got " + to_string(in));
  require(a.kernel_h >= 1 && a.kernel_w >= 1 && a.stride_h >= 1 && a.stride_w >= 1,
          "pooling kernel and stride must be at least 1");
  require(in[1] >= a.kernel_h && in[2] >= a.kernel_w,
          "pooling window is larger than the input " + to_string(in));
  return {in[0], (in[1] - a.kernel_h) / a.stride_h + 1, (in[2] - a.kernel_w) / a.stride_w + 1};
}

std::size_t channel_of(const Shape& shape, std::size_t e) {
  if (shape.empty() || shape[0] == 0) return 0;
  return e / (element_count(shape) / shape[0]);
}

const Node& Circuit::node(NodeId id) const {
  if (id >= nodes_.size()) {
    throw InvalidArgument("node " + std::to_string(id) + " does not exist (circuit has " +
                          std::to_string(nodes_.size()) + " nodes)");
  }
  return nodes_[id];
}

Node& Circuit::mutable_node(NodeId id) {
  node(id);
  return nodes_[id];
}

std::vector<NodeId> Circuit::inputs() const {
  std::vector<NodeId> ids;
  for (NodeId i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].op == OpKind::kInput) ids.push_back(i);
  }
  return ids;
}

NodeId Circuit::push(Node node) {
  nodes_.push_back(std::move(node));
  return static_cast<NodeId>(nodes_.size() - 1);
}

NodeId Circuit::append(Node n) {
  const NodeId id = push(std::move(n));
  try {
    validate_node(id);
  } catch (...) {
    nodes_.pop_back();
    throw;
  }
  return id;
}

NodeId Circuit::input(Shape shape, Range range, std::string name) {
  Node n;
  n.op = OpKind::kInput;
  n.shape = std::move(shape);
  n.declared_range = range;
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::add(NodeId a, NodeId b, std::string name) {
  Node n;
  n.op = OpKind::kAdd;
  n.inputs = {a, b};
  n.shape = node(a).shape;
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::sub(NodeId a, NodeId b, std::string name) {
  Node n;
  n.op = OpKind::kSub;
  n.inputs = {a, b};
  n.shape = node(a).shape;
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::add_constant(NodeId a, std::vector<std::int64_t> constants, std::string name) {
  Node n;
  n.op = OpKind::kAddConstant;
  n.inputs = {a};
  n.shape = node(a).shape;
  n.weights = std::move(constants);
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::mul_constant(NodeId a, std::vector<std::int64_t> constants, std::string name) {
  Node n;
  n.op = OpKind::kMulConstant;
  n.inputs = {a};
  n.shape = node(a).shape;
  n.weights = std::move(constants);
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::dense(NodeId x, std::size_t outputs, std::vector<std::int64_t> weights,
                      std::vector<std::int64_t> bias, std::string name) {
  Node n;
  n.op = OpKind::kDense;
  n.inputs = {x};
  n.shape = {outputs};
  n.weights = std::move(weights);
  n.bias = std::move(bias);
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::conv2d(NodeId x, std::size_t out_channels, std::vector<std::int64_t> weights,
                       std::vector<std::int64_t> bias, Conv2dAttributes attributes,
                       std::string name) {
  Node n;
  n.op = OpKind::kConv2d;
  n.inputs = {x};
  n.shape = conv2d_output_shape(node(x).shape, out_channels, attributes);
  n.weights = std::move(weights);
  n.bias = std::move(bias);
  n.conv = attributes;
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::sum_pool2d(NodeId x, PoolAttributes attributes, std::string name) {
  Node n;
  n.op = OpKind::kSumPool;
  n.inputs = {x};
  n.shape = pool_output_shape(node(x).shape, attributes);
  n.pool = attributes;
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::avg_pool2d(NodeId x, PoolAttributes attributes, std::string name) {
  const NodeId sum = sum_pool2d(x, attributes, name.empty() ? "" : name + ".sum");
  const auto count = static_cast<std::int64_t>(attributes.kernel_h * attributes.kernel_w);
  return lookup(sum,
                LookupFunction::function(
                    [count](std::int64_t s) {
                      // floor((s + count/2) / count): round half up.
                      const std::int64_t t = s + count / 2;
                      return t >= 0 ? t / count : -((-t + count - 1) / count);
                    },
                    "divide by " + std::to_string(count) + " (average)"),
                std::move(name));
}

NodeId Circuit::lookup(NodeId x, LookupFunction f, std::string name) {
  return lookup(x, std::vector<LookupFunction>{std::move(f)}, std::move(name));
}

NodeId Circuit::lookup(NodeId x, std::vector<LookupFunction> per_channel, std::string name) {
  Node n;
  n.op = OpKind::kLookup;
  n.inputs = {x};
  n.shape = node(x).shape;
  n.functions = std::move(per_channel);
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::round(NodeId x, unsigned bits, std::string name) {
  Node n;
  n.op = OpKind::kRound;
  n.inputs = {x};
  n.shape = node(x).shape;
  n.round_bits = bits;
  n.name = std::move(name);
  return append(std::move(n));
}

NodeId Circuit::mul(NodeId x, NodeId y, std::string name) {
  Node n;
  n.op = OpKind::kMul;
  n.inputs = {x, y};
  n.shape = node(x).shape;
  n.name = std::move(name);
  return append(std::move(n));
}

void Circuit::carry(NodeId output, NodeId input) {
  const Node& out = node(output);
  const Node& in = node(input);
  const std::string where =
      "carry from " + describe(*this, output) + " to " + describe(*this, input) + ": ";
  require(output < is_output_.size() && is_output_[output], where + "not an output");
  require(out.op == OpKind::kLookup,
          where + "a carried output must be a lookup (a bootstrap output, whose noise is known)");
  require(in.op == OpKind::kInput, where + "not an input");
  require(out.shape == in.shape,
          where + "shapes " + to_string(out.shape) + " and " + to_string(in.shape) + " differ");
  for (const Carry& c : carries_) {
    require(c.output != output && c.input != input, where + "already carried");
  }
  carries_.push_back({output, input});
}

const Carry* Circuit::carry_into(NodeId id) const {
  for (const Carry& c : carries_) {
    if (c.input == id) return &c;
  }
  return nullptr;
}

void Circuit::mark_output(NodeId x) {
  node(x);
  if (is_output_.size() <= x) is_output_.resize(nodes_.size(), false);
  if (is_output_[x]) throw InvalidArgument(describe(*this, x) + " is already an output");
  is_output_[x] = true;
  outputs_.push_back(x);
}

std::string describe(const Circuit& circuit, NodeId id) {
  if (id >= circuit.size()) return "node " + std::to_string(id);
  const Node& n = circuit.nodes()[id];
  return "node " + std::to_string(id) + " (" + label(n.op, n.name) + ")";
}

void Circuit::validate() const {
  for (NodeId id = 0; id < nodes_.size(); ++id) validate_node(id);
  for (NodeId out : outputs_) {
    require(out < nodes_.size(), "output " + std::to_string(out) + " does not exist");
  }
  const CircuitWork work = circuit_work(*this);
  require(work.elements <= kMaxCircuitElements,
          "the circuit has " + std::to_string(work.elements) +
              " tensor elements in all, more than the limit of 2^24");
  require(work.linear_terms <= kMaxCircuitLinearTerms,
          "the circuit's linear nodes have " + std::to_string(work.linear_terms) +
              " terms in all, more than the limit of 2^27");
}

void Circuit::validate_node(NodeId id) const {
  {
    const Node& n = nodes_[id];
    const std::string where = describe(*this, id) + ": ";
    require(static_cast<std::uint8_t>(n.op) <= kLastOpKind, where + "unknown op");
    for (NodeId in : n.inputs) {
      require(in < id, where + "input " + std::to_string(in) + " is not an earlier node");
    }
    std::size_t arity = 1;
    if (n.op == OpKind::kInput) arity = 0;
    if (n.op == OpKind::kAdd || n.op == OpKind::kSub || n.op == OpKind::kMul) arity = 2;
    require(n.inputs.size() == arity, where + "takes " + std::to_string(arity) + " inputs, has " +
                                          std::to_string(n.inputs.size()));
    require(!n.shape.empty() && checked_count(n.shape) >= 1,
            where + "empty shape " + to_string(n.shape));
    require(checked_count(n.shape) <= (std::size_t{1} << 26),
            where + "tensor " + to_string(n.shape) + " is too large (at most 2^26 elements)");
    const Shape* in0 = n.inputs.empty() ? nullptr : &nodes_[n.inputs[0]].shape;
    const std::size_t numel = element_count(n.shape);
    switch (n.op) {
      case OpKind::kInput:
        require(n.declared_range.lo <= n.declared_range.hi, where + "declared range is empty");
        require(n.declared_range.lo > -(std::int64_t{1} << 40) &&
                    n.declared_range.hi < (std::int64_t{1} << 40),
                where + "declared range exceeds ±2^40");
        break;
      case OpKind::kAdd:
      case OpKind::kSub:
      case OpKind::kMul:
        require(*in0 == nodes_[n.inputs[1]].shape && n.shape == *in0,
                where + "shapes " + to_string(*in0) + " and " +
                    to_string(nodes_[n.inputs[1]].shape) + " differ");
        break;
      case OpKind::kAddConstant:
      case OpKind::kMulConstant:
        require(n.shape == *in0, where + "shape differs from its input");
        require(n.weights.size() == 1 || n.weights.size() == numel,
                where + std::to_string(n.weights.size()) + " constants for " +
                    std::to_string(numel) + " elements (need 1 or one per element)");
        break;
      case OpKind::kDense: {
        require(n.shape.size() == 1, where + "output must be a vector");
        const std::size_t in = element_count(*in0);
        require(n.weights.size() == checked_mul(n.shape[0], in),
                where + std::to_string(n.weights.size()) + " weights, expected " +
                    std::to_string(n.shape[0]) + "x" + std::to_string(in));
        require(n.bias.size() == n.shape[0], where + std::to_string(n.bias.size()) +
                                                 " biases for " + std::to_string(n.shape[0]) +
                                                 " outputs");
        break;
      }
      case OpKind::kConv2d: {
        const Shape expect = conv2d_output_shape(*in0, n.shape.at(0), n.conv);
        require(n.shape == expect,
                where + "shape " + to_string(n.shape) + ", expected " + to_string(expect));
        const std::size_t count = checked_mul(checked_mul(n.shape[0], (*in0)[0]),
                                              checked_mul(n.conv.kernel_h, n.conv.kernel_w));
        require(n.weights.size() == count, where + std::to_string(n.weights.size()) +
                                               " weights, expected " + std::to_string(count));
        require(n.bias.size() == n.shape[0], where + std::to_string(n.bias.size()) +
                                                 " biases for " + std::to_string(n.shape[0]) +
                                                 " channels");
        break;
      }
      case OpKind::kSumPool: {
        const Shape expect = pool_output_shape(*in0, n.pool);
        require(n.shape == expect,
                where + "shape " + to_string(n.shape) + ", expected " + to_string(expect));
        break;
      }
      case OpKind::kLookup:
        require(n.shape == *in0, where + "shape differs from its input");
        require(n.functions.size() == 1 || n.functions.size() == n.shape[0],
                where + std::to_string(n.functions.size()) + " functions for " +
                    std::to_string(n.shape[0]) + " channels (need 1 or one per channel)");
        require(n.round_bits <= 40,
                where + "round_bits " + std::to_string(n.round_bits) + " is out of range");
        if (!n.channel_round_bits.empty()) {
          require(n.functions.size() > 1 && n.channel_round_bits.size() == n.functions.size(),
                  where + "per-channel round bits need one function per channel");
          for (unsigned k : n.channel_round_bits) {
            require(k <= n.round_bits, where + "a channel rounds " + std::to_string(k) +
                                           " bits, more than the node's " +
                                           std::to_string(n.round_bits));
          }
        }
        break;
      case OpKind::kRound:
        require(n.shape == *in0, where + "shape differs from its input");
        require(n.round_bits >= 1 && n.round_bits <= 40,
                where + "round bits must be 1..40, got " + std::to_string(n.round_bits));
        break;
    }
  }
}

std::size_t linear_term_count(const Node& n, const Shape& in0) {
  const std::size_t numel = element_count(n.shape);
  std::size_t per_element = 0;
  switch (n.op) {
    case OpKind::kAdd:
    case OpKind::kSub:
      per_element = 2;
      break;
    case OpKind::kAddConstant:
    case OpKind::kMulConstant:
      per_element = 1;
      break;
    case OpKind::kDense:
      per_element = element_count(in0);
      break;
    case OpKind::kConv2d:
      per_element = checked_mul(in0.at(0), checked_mul(n.conv.kernel_h, n.conv.kernel_w));
      break;
    case OpKind::kSumPool:
      per_element = checked_mul(n.pool.kernel_h, n.pool.kernel_w);
      break;
    case OpKind::kInput:
    case OpKind::kLookup:
    case OpKind::kRound:
    case OpKind::kMul:
      return 0;
  }
  return checked_mul(numel, per_element);
}

CircuitWork circuit_work(const Circuit& circuit) {
  CircuitWork w;
  const auto add = [](std::size_t a, std::size_t b) {
    std::size_t out = 0;
    return __builtin_add_overflow(a, b, &out) ? SIZE_MAX : out;
  };
  for (const Node& n : circuit.nodes()) {
    w.elements = add(w.elements, checked_count(n.shape));
    if (is_linear(n.op)) {
      w.linear_terms =
          add(w.linear_terms, linear_term_count(n, circuit.node(n.inputs.at(0)).shape));
    }
  }
  return w;
}

}  // namespace lutfhe::compiler