#include "core/client_key_file.hpp"

#include <optional>

#include "core/errors.hpp"
#include "core/file_payload.hpp"
#include "core/secure_memory.hpp"

namespace lutfhe {
namespace {

using namespace payload;

// Bits packed eight to a byte, in wiped buffers.
void put_bits(OutArchive& ar, std::span<const Torus> bits) {
  SecureVector<std::uint8_t> packed((bits.size() + 7) / 8, 0);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    packed[i / 8] |= static_cast<std::uint8_t>((bits[i] & 1) << (i % 8));
  }
  ar(cereal::binary_data(packed.data(), packed.size()));
}
SecureVector<Torus> get_bits(InArchive& ar, std::size_t count) {
  SecureVector<std::uint8_t> packed((count + 7) / 8, 0);
  ar(cereal::binary_data(packed.data(), packed.size()));
  SecureVector<Torus> bits(count, 0);
  for (std::size_t i = 0; i < count; ++i) bits[i] = (packed[i / 8] >> (i % 8)) & 1;
  return bits;
}

}  // namespace

using namespace payload;

void write_client_key(AtomicFile& out, const ClientKey& key) {
  const ParameterSet& p = key.parameters();
  write_object_file(out, make_header(ObjectKind::kClientKey, p, key.key_id(), 0),
                    [&](std::ostream& os) {
                      OutArchive ar(os);
                      put_params(ar, p);
                      put_key_id(ar, key.key_id());
                      put_bits(ar, key.small_key().bits());
                      put_bits(ar, key.glwe_key().bits());
                    });
}

void save_client_key(const std::filesystem::path& path, const ClientKey& key) {
  AtomicFile out(path, true);
  write_client_key(out, key);
  out.commit();
}

void save_key_pair(const std::filesystem::path& client_path, const ClientKey& client,
                   const std::filesystem::path& evaluation_path, const EvaluationKey& evaluation,
                   bool seeded) {
  if (evaluation.key_id != client.key_id()) {
    throw KeyMismatch("save_key_pair: the evaluation key was not made from this client key");
  }
  AtomicFile eval_file(evaluation_path, false);
  write_evaluation_key(eval_file, evaluation, seeded);
  AtomicFile client_file(client_path, true);
  write_client_key(client_file, client);
  commit_together({&eval_file, &client_file});
}

ClientKey load_client_key(const std::filesystem::path& path) {
  std::optional<ClientKey> out;
  read_object_file(path, ObjectKind::kClientKey, [&](const FileHeader& h, std::istream& is) {
    require_no_flags(h, path);
    InArchive ar(is);
    const ParameterSet p = get_checked_params(ar, h, path);
    const KeyId id = get_key_id(ar, h, path);
    LweSecretKey small(get_bits(ar, p.n.value()));
    GlweSecretKey glwe(p.k, p.N, get_bits(ar, p.big_dimension().value()));
    out.emplace(p, std::move(small), std::move(glwe), id);
  });
  return std::move(*out);
}

std::uint64_t client_key_file_size(const ParameterSet& p) {
  return kHeaderSize + parameters_prefix_bytes(p) + sizeof(KeyId) + (p.n.value() + 7) / 8 +
         (p.big_dimension().value() + 7) / 8;
}

}  // namespace lutfhe
