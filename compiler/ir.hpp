// The circuit IR: a DAG of tensors of encrypted integers.
//
// Every node holds a tensor (a shape and its elements, row-major). Linear nodes (add, sub,
// add/mul by clear constants, dense, conv2d, sum pooling) combine their inputs with clear
// integer weights; lookups apply a univariate integer function element by element (one
// function, or one per channel = first dimension); round drops low bits. Nodes are appended in
// topological order (an input must exist before its consumers), so the node list is already a
// valid evaluation order.
//
// Semantics, all exact on integers (the clear evaluator implements them; see README.md):
//   round_k(x)       = floor((x + 2^(k−1)) / 2^k)            (round half up; k ≥ 1)
//   mul(x, y)        = x·y element by element (both encrypted; lowered to two lookups by
//                      lower_products before planning, compiler/products.hpp)
//   lookup(x, f, k)  = f(2^k · round_k(x))  when k ≥ 1, f(x) when k = 0
//                      (per channel c, k_c = channel_round_bits[c] when the compiler set them)
// A lookup's round_bits is chosen by the compiler (the model's own lookups have k = 0, which
// is the clear/oracle semantics); an explicit kRound node is part of the model itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lutfhe::compiler {

using NodeId = std::uint32_t;
using Shape = std::vector<std::size_t>;

// The product of the dimensions (LimitExceeded when it overflows).
std::size_t element_count(const Shape& shape);
// "[1, 28, 28]"
std::string to_string(const Shape& shape);

// An inclusive integer interval.
struct Range {
  std::int64_t lo = 0;
  std::int64_t hi = 0;

  bool contains(std::int64_t x) const { return lo <= x && x <= hi; }
  Range hull(const Range& other) const;
  // hi − lo as an unsigned number.
  std::uint64_t span() const;
  friend bool operator==(const Range&, const Range&) = default;
};

// Bits needed to write x (0 for 0): the width of an unsigned value in [0, x].
unsigned bit_width_of(std::uint64_t x);

// round_k(x) = floor((x + 2^(k−1)) / 2^k); identity for k = 0.
std::int64_t round_bits(std::int64_t x, unsigned k);

// A univariate integer function: a table (clamped outside its domain) or a C++ function.
// Tables sample a function on first, first + step, ..., first + (size − 1)·step (step a power
// of two): value(x) = values[clamp(floor((x − first) / step), 0, size − 1)].
class LookupFunction {
 public:
  static LookupFunction table(std::int64_t first, std::vector<std::int64_t> values,
                              std::int64_t step = 1);
  // `description` names the function in reports ("relu then requantize to 3 bits").
  static LookupFunction function(std::function<std::int64_t(std::int64_t)> f,
                                 std::string description);

  std::int64_t operator()(std::int64_t x) const;
  bool is_table() const { return !fn_; }
  std::int64_t first() const { return first_; }
  std::int64_t step() const { return step_; }
  const std::vector<std::int64_t>& values() const { return values_; }
  const std::string& description() const { return description_; }

 private:
  std::function<std::int64_t(std::int64_t)> fn_;
  std::int64_t first_ = 0;
  std::int64_t step_ = 1;
  std::vector<std::int64_t> values_;
  std::string description_;
};

enum class OpKind : std::uint8_t {
  kInput = 0,
  kAdd = 1,
  kSub = 2,
  kAddConstant = 3,
  kMulConstant = 4,
  kDense = 5,
  kConv2d = 6,
  kSumPool = 7,
  kLookup = 8,
  kRound = 9,
  kMul = 10,
};
inline constexpr std::uint8_t kLastOpKind = 10;
std::string_view op_name(OpKind op);
// Every op but input, lookup, round and mul: evaluated on ciphertexts without bootstrapping.
bool is_linear(OpKind op);

// A loop-carried value: after an evaluation, output node `output` is fed unchanged (the same
// ciphertexts, no decryption) to input node `input` of the next evaluation, as the new weights
// of a training step are. The planner gives both the same torus scale, checks that the
// output's range lies within the input's declared range, and gives the input the noise of a
// bootstrap output as well as that of a fresh encryption (the output must be a lookup).
struct Carry {
  NodeId output = 0;
  NodeId input = 0;
  friend bool operator==(const Carry&, const Carry&) = default;
};

struct Conv2dAttributes {
  std::size_t kernel_h = 1;
  std::size_t kernel_w = 1;
  std::size_t stride_h = 1;
  std::size_t stride_w = 1;
  std::size_t pad_h = 0;  // zero padding on each side
  std::size_t pad_w = 0;
  friend bool operator==(const Conv2dAttributes&, const Conv2dAttributes&) = default;
};

struct PoolAttributes {
  std::size_t kernel_h = 2;
  std::size_t kernel_w = 2;
  std::size_t stride_h = 2;
  std::size_t stride_w = 2;
  friend bool operator==(const PoolAttributes&, const PoolAttributes&) = default;
};

struct Node {
  OpKind op = OpKind::kInput;
  std::vector<NodeId> inputs;
  Shape shape;
  std::string name;
  // kInput: the declared range of every element.
  Range declared_range;
  // kDense: [out][in] row-major; kConv2d: [O][C][kh][kw]; kAddConstant / kMulConstant: one
  // value or one per element.
  std::vector<std::int64_t> weights;
  // kDense: one per output; kConv2d: one per output channel.
  std::vector<std::int64_t> bias;
  Conv2dAttributes conv;  // kConv2d
  PoolAttributes pool;    // kSumPool
  // kLookup: one function, or one per channel (shape[0] of the node).
  std::vector<LookupFunction> functions;
  // kLookup: bits rounded away before the lookup (chosen by the compiler); kRound: bits dropped.
  unsigned round_bits = 0;
  // kLookup with one function per channel: the bits rounded away per channel (each ≤
  // round_bits), when the compiler gives each channel its own range; empty: round_bits for all.
  std::vector<unsigned> channel_round_bits;
};

class Circuit {
 public:
  // Inputs are elements of `range` (the client clamps to it when quantizing).
  NodeId input(Shape shape, Range range, std::string name = {});
  NodeId add(NodeId a, NodeId b, std::string name = {});
  NodeId sub(NodeId a, NodeId b, std::string name = {});
  // `constants` holds one value (broadcast) or one per element.
  NodeId add_constant(NodeId a, std::vector<std::int64_t> constants, std::string name = {});
  NodeId mul_constant(NodeId a, std::vector<std::int64_t> constants, std::string name = {});
  // y[o] = Σ_i w[o·in + i]·x[i] + bias[o], x flattened (row-major) to `in` elements.
  NodeId dense(NodeId x, std::size_t outputs, std::vector<std::int64_t> weights,
               std::vector<std::int64_t> bias, std::string name = {});
  // x: [C, H, W]; weights [O][C][kh][kw]; bias [O]; zero padding.
  NodeId conv2d(NodeId x, std::size_t out_channels, std::vector<std::int64_t> weights,
                std::vector<std::int64_t> bias, Conv2dAttributes attributes, std::string name = {});
  // x: [C, H, W]; sum over each window (no padding).
  NodeId sum_pool2d(NodeId x, PoolAttributes attributes, std::string name = {});
  // Average pooling as an integer op: the window sum, then a lookup that divides by the window
  // size rounding half up (one bootstrap per output). Models usually fold the 1/(kh·kw) into
  // the next layer's scale instead and use sum_pool2d.
  NodeId avg_pool2d(NodeId x, PoolAttributes attributes, std::string name = {});
  NodeId lookup(NodeId x, LookupFunction f, std::string name = {});
  // One function per channel (shape[0] of x).
  NodeId lookup(NodeId x, std::vector<LookupFunction> per_channel, std::string name = {});
  NodeId round(NodeId x, unsigned bits, std::string name = {});
  // x·y element by element, both encrypted, of the same shape.
  NodeId mul(NodeId x, NodeId y, std::string name = {});
  void mark_output(NodeId x);
  // Declares that output `output` feeds input `input` of the next evaluation (Carry). Both
  // must exist: `output` marked as an output and a lookup, `input` an input of the same shape,
  // each in at most one carry.
  void carry(NodeId output, NodeId input);
  const std::vector<Carry>& carries() const { return carries_; }
  // The carry whose input is `id`, if any.
  const Carry* carry_into(NodeId id) const;

  const std::vector<Node>& nodes() const { return nodes_; }
  const Node& node(NodeId id) const;
  Node& mutable_node(NodeId id);
  std::size_t size() const { return nodes_.size(); }
  const std::vector<NodeId>& outputs() const { return outputs_; }
  // Input nodes in creation order (the order in which samples supply them).
  std::vector<NodeId> inputs() const;

  // Checks every node (input ids, shapes, weight counts, functions) and the circuit's work
  // budget (circuit_work). Throws InvalidArgument naming the node.
  void validate() const;
  // Checks one node against the nodes before it.
  void validate_node(NodeId id) const;
  // Adds a node that is already complete (used by loaders); validates it (only it: a loader
  // calls validate() once at the end).
  NodeId append(Node node);

 private:
  NodeId push(Node node);
  std::vector<Node> nodes_;
  std::vector<NodeId> outputs_;
  std::vector<Carry> carries_;
  std::vector<bool> is_output_;  // by node id (grown as outputs are marked)
};

// What evaluating a circuit touches, computed from shapes and attributes alone (so that a
// loaded circuit is sized before any work is done): tensor elements of all nodes, and the
// terms of all linear nodes (for a dense node outputs × inputs, for a convolution outputs ×
// channels × kernel). Sums saturate at SIZE_MAX.
struct CircuitWork {
  std::size_t elements = 0;
  std::size_t linear_terms = 0;
};
CircuitWork circuit_work(const Circuit& circuit);
// The terms of one linear node (0 for the others); `in0` is the shape of its first input.
std::size_t linear_term_count(const Node& n, const Shape& in0);

// Limits of a circuit (Circuit::validate): far above the models lutfhe compiles (the MNIST
// MLP has about 10^5 terms and 10^3 elements), far below what would keep a server busy for
// hours.
inline constexpr std::size_t kMaxCircuitElements = std::size_t{1} << 24;
inline constexpr std::size_t kMaxCircuitLinearTerms = std::size_t{1} << 27;

// The bits a lookup rounds away before reading the table of `channel`.
inline unsigned lookup_round_bits(const Node& n, std::size_t channel) {
  return n.channel_round_bits.empty() ? n.round_bits : n.channel_round_bits[channel];
}

// "node 7 (dense 'fc1')"
std::string describe(const Circuit& circuit, NodeId id);

// Output shape of a conv2d / pooling over an input [C, H, W].
Shape conv2d_output_shape(const Shape& input, std::size_t out_channels, const Conv2dAttributes& a);
Shape pool_output_shape(const Shape& input, const PoolAttributes& a);

// The channel of element e of a tensor (its index along the first dimension).
std::size_t channel_of(const Shape& shape, std::size_t e);

}  // namespace lutfhe::compiler
