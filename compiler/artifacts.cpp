#include "compiler/artifacts.hpp"

#include <cmath>

#include "compiler/bootstrap_tables.hpp"
#include "compiler/fhe_plan.hpp"
#include "core/encoding.hpp"
#include "core/errors.hpp"
#include "core/file_format.hpp"
#include "core/file_payload.hpp"
#include "core/fingerprint.hpp"

namespace lutfhe::compiler {
namespace {

using payload::InArchive;
using payload::OutArchive;

// Reads one artifact payload, checking every count against what the payload can hold.
class Reader {
 public:
  Reader(InArchive& ar, const std::filesystem::path& path, std::uint64_t payload_size)
      : ar_(ar), path_(path), budget_(payload_size) {}

  template <class T>
  T get() {
    T v{};
    ar_(v);
    return v;
  }
  // A count of items of at least `item_bytes` each.
  std::uint64_t count(std::uint64_t item_bytes, const char* what) {
    const auto n = get<std::uint64_t>();
    if (item_bytes > 0 && n > budget_ / item_bytes) {
      fail(std::string(what) + ": count " + std::to_string(n) + " cannot fit in the payload");
    }
    return n;
  }
  std::string string(const char* /*what*/) { return payload::get_string(ar_, path_); }
  std::vector<std::int64_t> int_vector(const char* what) {
    std::vector<std::int64_t> v(count(8, what));
    for (auto& x : v) x = get<std::int64_t>();
    return v;
  }
  Shape shape(const char* what) {
    const auto rank = count(8, what);
    if (rank < 1 || rank > 8) fail(std::string(what) + ": rank " + std::to_string(rank));
    Shape s(rank);
    std::size_t elements = 1;
    for (auto& d : s) {
      d = get<std::uint64_t>();
      if (d < 1 || d > (1U << 26)) fail(std::string(what) + ": dimension " + std::to_string(d));
      if (__builtin_mul_overflow(elements, d, &elements) || elements > (std::size_t{1} << 26)) {
        fail(std::string(what) + ": " + to_string(s) + " has more than 2^26 elements");
      }
    }
    return s;
  }
  [[noreturn]] void fail(const std::string& message) const {
    throw FileFormatError(path_.string() + ": " + message);
  }

 private:
  InArchive& ar_;
  const std::filesystem::path& path_;
  std::uint64_t budget_;
};

using payload::put_string;

void put_ints(OutArchive& ar, const std::vector<std::int64_t>& v) {
  ar(static_cast<std::uint64_t>(v.size()));
  for (std::int64_t x : v) ar(x);
}
void put_shape(OutArchive& ar, const Shape& s) {
  ar(static_cast<std::uint64_t>(s.size()));
  for (std::size_t d : s) ar(static_cast<std::uint64_t>(d));
}

void put_tensor_info(OutArchive& ar, const ClientTensor& t) {
  put_string(ar, t.name);
  put_shape(ar, t.shape);
  ar(t.range.lo, t.range.hi, static_cast<std::int32_t>(t.scale_log2));
  ar(t.quantization.scale, t.quantization.zero_point);
}

ClientTensor get_tensor_info(Reader& r) {
  ClientTensor t;
  t.name = r.string("tensor name");
  t.shape = r.shape("tensor shape");
  t.range.lo = r.get<std::int64_t>();
  t.range.hi = r.get<std::int64_t>();
  t.scale_log2 = r.get<std::int32_t>();
  t.quantization.scale = r.get<double>();
  t.quantization.zero_point = r.get<std::int64_t>();
  if (t.range.lo > t.range.hi) r.fail("tensor '" + t.name + "': empty range");
  if (t.scale_log2 < 0 || t.scale_log2 > 63) r.fail("tensor '" + t.name + "': scale out of range");
  if (bit_width_of(t.range.span()) + static_cast<unsigned>(t.scale_log2) > 64) {
    r.fail("tensor '" + t.name + "': its range does not fit its scale");
  }
  if (!std::isfinite(t.quantization.scale) || t.quantization.scale <= 0.0) {
    r.fail("tensor '" + t.name + "': quantization scale must be finite and positive");
  }
  constexpr std::int64_t kMaxMagnitude = std::int64_t{1} << 62;
  if (t.range.lo < -kMaxMagnitude || t.range.hi > kMaxMagnitude ||
      t.quantization.zero_point < -kMaxMagnitude || t.quantization.zero_point > kMaxMagnitude) {
    r.fail("tensor '" + t.name + "': range or zero point beyond ±2^62");
  }
  return t;
}

FileHeader header_for(ObjectKind kind, const ParameterSet& p) {
  return payload::make_header(kind, p, KeyId{}, 0);
}

std::uint32_t check_version(Reader& r) {
  const auto version = r.get<std::uint32_t>();
  if (version == 0 || version > kArtifactVersion) {
    r.fail("artifact version " + std::to_string(version) +
           " is not supported (this lutfhe "
           "reads up to " +
           std::to_string(kArtifactVersion) + ")");
  }
  return version;
}

void put_node(OutArchive& ar, const Node& n) {
  ar(static_cast<std::uint8_t>(n.op));
  ar(static_cast<std::uint64_t>(n.inputs.size()));
  for (NodeId in : n.inputs) ar(static_cast<std::uint32_t>(in));
  put_shape(ar, n.shape);
  put_string(ar, n.name);
  ar(n.declared_range.lo, n.declared_range.hi);
  put_ints(ar, n.weights);
  put_ints(ar, n.bias);
  for (std::size_t v :
       {n.conv.kernel_h, n.conv.kernel_w, n.conv.stride_h, n.conv.stride_w, n.conv.pad_h,
        n.conv.pad_w, n.pool.kernel_h, n.pool.kernel_w, n.pool.stride_h, n.pool.stride_w}) {
    ar(static_cast<std::uint64_t>(v));
  }
  ar(static_cast<std::uint32_t>(n.round_bits));
  ar(static_cast<std::uint64_t>(n.functions.size()));
  for (const LookupFunction& f : n.functions) {
    if (!f.is_table()) {
      throw InvalidArgument("save_server_circuit: lookup '" + n.name +
                            "' holds a C++ function; compile the circuit first");
    }
    ar(f.first(), f.step());
    put_ints(ar, f.values());
  }
  // Version 2: per-channel round bits.
  ar(static_cast<std::uint64_t>(n.channel_round_bits.size()));
  for (unsigned k : n.channel_round_bits) ar(static_cast<std::uint32_t>(k));
}

Node get_node(Reader& r, std::uint32_t version) {
  Node n;
  const auto op = r.get<std::uint8_t>();
  if (op > kLastOpKind) r.fail("unknown op " + std::to_string(op));
  n.op = static_cast<OpKind>(op);
  n.inputs.resize(r.count(4, "node inputs"));
  if (n.inputs.size() > 2) r.fail("a node has " + std::to_string(n.inputs.size()) + " inputs");
  for (auto& in : n.inputs) in = r.get<std::uint32_t>();
  n.shape = r.shape("node shape");
  n.name = r.string("node name");
  n.declared_range.lo = r.get<std::int64_t>();
  n.declared_range.hi = r.get<std::int64_t>();
  n.weights = r.int_vector("weights");
  n.bias = r.int_vector("bias");
  std::uint64_t a[10];
  for (auto& x : a) {
    x = r.get<std::uint64_t>();
    if (x > (1U << 16)) r.fail("convolution or pooling attribute out of range");
  }
  n.conv = {a[0], a[1], a[2], a[3], a[4], a[5]};
  n.pool = {a[6], a[7], a[8], a[9]};
  n.round_bits = r.get<std::uint32_t>();
  const auto functions = r.count(24, "lookup functions");
  for (std::uint64_t i = 0; i < functions; ++i) {
    const auto first = r.get<std::int64_t>();
    const auto step = r.get<std::int64_t>();
    std::vector<std::int64_t> values = r.int_vector("lookup table");
    try {
      n.functions.push_back(LookupFunction::table(first, std::move(values), step));
    } catch (const InvalidArgument& e) {
      r.fail(e.what());
    }
  }
  if (version >= 2) {
    n.channel_round_bits.resize(r.count(4, "channel round bits"));
    for (auto& k : n.channel_round_bits) k = r.get<std::uint32_t>();
  }
  return n;
}

void put_ranges(OutArchive& ar, const std::vector<Range>& ranges) {
  ar(static_cast<std::uint64_t>(ranges.size()));
  for (const Range& x : ranges) ar(x.lo, x.hi);
}

std::vector<Range> get_ranges(Reader& r, const char* what) {
  std::vector<Range> out(r.count(16, what));
  for (Range& x : out) {
    x.lo = r.get<std::int64_t>();
    x.hi = r.get<std::int64_t>();
    if (x.lo > x.hi) r.fail(std::string(what) + ": empty range");
  }
  return out;
}

}  // namespace

void save_client_spec(const std::filesystem::path& path, const ClientSpec& spec) {
  write_object_file(path, header_for(ObjectKind::kClientSpec, spec.params), false,
                    [&](std::ostream& os) {
                      OutArchive ar(os);
                      ar(kArtifactVersion);
                      payload::put_params(ar, spec.params);
                      put_string(ar, spec.description);
                      ar(static_cast<std::uint64_t>(spec.inputs.size()));
                      for (const auto& t : spec.inputs) put_tensor_info(ar, t);
                      ar(static_cast<std::uint64_t>(spec.outputs.size()));
                      for (const auto& t : spec.outputs) put_tensor_info(ar, t);
                      ar(static_cast<std::uint8_t>(spec.needs_bootstrapping ? 1 : 0));  // v2
                    });
}

ClientSpec load_client_spec(const std::filesystem::path& path) {
  std::optional<ClientSpec> out;
  read_object_file(path, ObjectKind::kClientSpec, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    Reader r(ar, path, h.payload_size);
    const std::uint32_t version = check_version(r);
    ParameterSet params = payload::get_checked_params(ar, h, path);
    out.emplace(ClientSpec{std::move(params), {}, {}, r.string("description")});
    const auto inputs = r.count(64, "inputs");
    for (std::uint64_t i = 0; i < inputs; ++i) out->inputs.push_back(get_tensor_info(r));
    const auto outputs = r.count(64, "outputs");
    for (std::uint64_t i = 0; i < outputs; ++i) out->outputs.push_back(get_tensor_info(r));
    if (out->inputs.empty() || out->outputs.empty()) r.fail("a spec needs inputs and outputs");
    // Version 1 did not say; its circuits were always given a bootstrapping key.
    if (version >= 2) {
      const auto flag = r.get<std::uint8_t>();
      if (flag > 1) r.fail("bootstrapping flag " + std::to_string(flag) + " is not 0 or 1");
      out->needs_bootstrapping = flag == 1;
    }
    // One sample's values, in and out, sized before any batch is made from the spec.
    const auto too_many = [](const std::vector<Shape>& shapes) {
      std::size_t total = 0;
      for (const Shape& shape : shapes) {
        if (__builtin_add_overflow(total, element_count(shape), &total)) return true;
      }
      return total > (std::size_t{1} << 26);
    };
    if (too_many(out->input_shapes()) || too_many(out->output_shapes())) {
      r.fail("a sample would hold more than 2^26 values");
    }
  });
  return std::move(*out);
}

ParameterSet parameters_from_spec(const std::filesystem::path& spec_path) {
  return load_client_spec(spec_path).params;
}

void save_server_circuit(const std::filesystem::path& path, const CompiledCircuit& compiled) {
  write_object_file(
      path, header_for(ObjectKind::kServerCircuit, compiled.params), false, [&](std::ostream& os) {
        OutArchive ar(os);
        ar(kArtifactVersion);
        payload::put_params(ar, compiled.params);
        ar(static_cast<std::uint32_t>(compiled.rounding_bits));
        ar(static_cast<std::uint8_t>(compiled.rounding_mode));
        const auto& nodes = compiled.circuit.nodes();
        ar(static_cast<std::uint64_t>(nodes.size()));
        for (std::size_t i = 0; i < nodes.size(); ++i) {
          put_node(ar, nodes[i]);
          ar(compiled.plans[i].range.lo, compiled.plans[i].range.hi);
          put_ranges(ar, compiled.plans[i].channel_ranges);  // v2
        }
        const auto& outputs = compiled.circuit.outputs();
        ar(static_cast<std::uint64_t>(outputs.size()));
        for (NodeId o : outputs) ar(static_cast<std::uint32_t>(o));
        // v3: loop-carried values.
        const auto& carries = compiled.circuit.carries();
        ar(static_cast<std::uint64_t>(carries.size()));
        for (const Carry& c : carries) {
          ar(static_cast<std::uint32_t>(c.output), static_cast<std::uint32_t>(c.input));
        }
      });
}

CompiledCircuit load_server_circuit(const std::filesystem::path& path) {
  std::optional<CompiledCircuit> out;
  read_object_file(path, ObjectKind::kServerCircuit, [&](const FileHeader& h, std::istream& is) {
    InArchive ar(is);
    Reader r(ar, path, h.payload_size);
    const std::uint32_t version = check_version(r);
    ParameterSet params = payload::get_checked_params(ar, h, path);
    const auto rounding_bits = r.get<std::uint32_t>();
    if (rounding_bits < 1 || rounding_bits > kMaxMessageBits) {
      r.fail("rounding bits " + std::to_string(rounding_bits) + " out of range");
    }
    const auto mode = r.get<std::uint8_t>();
    if (mode > static_cast<std::uint8_t>(RoundingMode::kApproximate)) {
      r.fail("unknown rounding mode " + std::to_string(mode));
    }
    Circuit circuit;
    std::vector<Range> ranges;
    std::vector<std::vector<Range>> channel_ranges;
    const auto count = r.count(64, "nodes");
    for (std::uint64_t i = 0; i < count; ++i) {
      Node n = get_node(r, version);
      Range range{r.get<std::int64_t>(), r.get<std::int64_t>()};
      if (range.lo > range.hi) r.fail("node " + std::to_string(i) + ": empty range");
      channel_ranges.push_back(version >= 2 ? get_ranges(r, "channel ranges")
                                            : std::vector<Range>{});
      try {
        circuit.append(std::move(n));
      } catch (const InvalidArgument& e) {
        r.fail(e.what());
      }
      ranges.push_back(range);
    }
    const auto outputs = r.count(4, "outputs");
    if (outputs == 0) r.fail("the circuit has no outputs");
    try {
      for (std::uint64_t i = 0; i < outputs; ++i) circuit.mark_output(r.get<std::uint32_t>());
      if (version >= 3) {
        const auto carries = r.count(8, "carries");
        for (std::uint64_t i = 0; i < carries; ++i) {
          const auto output = r.get<std::uint32_t>();
          circuit.carry(output, r.get<std::uint32_t>());
        }
      }
      // The whole circuit, its work budget included, before anything is planned.
      circuit.validate();
      for (NodeId id = 0; id < circuit.size(); ++id) {
        const Node& n = circuit.node(id);
        if (n.op == OpKind::kLookup && n.round_bits > 40) r.fail("round bits out of range");
      }
      Plan plan = plan_circuit(circuit, ranges, rounding_bits, static_cast<RoundingMode>(mode),
                               channel_ranges);
      const unsigned log2_n = params.log2_two_n() - 1;
      for (const NoiseSite& s : plan.sites) {
        if (s.bootstraps() && s.precision + 1 > log2_n) {
          r.fail("a " + std::to_string(s.precision) +
                 "-bit table does not fit N=" + std::to_string(params.N.value()));
        }
      }
      out.emplace(CompiledCircuit{std::move(circuit), std::move(plan.plans), std::move(plan.sites),
                                  std::move(params), rounding_bits,
                                  static_cast<RoundingMode>(mode)});
      check_bootstrap_table_memory(*out);
    } catch (const InvalidArgument& e) {
      r.fail(e.what());
    }
  });
  return std::move(*out);
}

}  // namespace lutfhe::compiler
