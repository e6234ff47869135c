// The file layer: a round trip of every serialized type (plain and seeded forms give the same
// values), the framing (header fields, atomic writes, 0600 secrets), and loaders refusing
// damaged, truncated, re-framed and mismatched files with the right exception.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <bit>
#include <cmath>
#include <fstream>

#include "core/batch_encryption.hpp"
#include "core/ciphertext_files.hpp"
#include "core/client_key.hpp"
#include "core/client_key_file.hpp"
#include "core/errors.hpp"
#include "core/evaluation_key.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/file_payload.hpp"
#include "core/fingerprint.hpp"
#include "core/glwe.hpp"
#include "core/key_id.hpp"
#include "core/lookup_table.hpp"
#include "core/lookup_table_file.hpp"
#include "core/pbs.hpp"
#include "core/server_key.hpp"
#include "tests/support/file_test_support.hpp"
#include "tests/support/test_support.hpp"

namespace lutfhe {
namespace {

using testing::TempDir;

const ParameterSet& toy() {
  return find_parameter_set("TOY");
}

// A custom set far smaller than TOY, so that damaging files thousands of times stays fast; the
// loaders do not care whether a set is in the table.
const ParameterSet& tiny() {
  static const ParameterSet p = [] {
    ParameterSet t = find_parameter_set("TOY");
    t.name = "TINY_TEST";
    t.version = "lutfhe-test/TINY_TEST";
    t.n = LweDimension(16);
    t.N = PolynomialSize(256);
    t.ks = {DecompositionBaseLog(4), DecompositionLevelCount(3)};
    t.message_bits = 3;
    return t;
  }();
  return p;
}

// One client key and one seeded evaluation key (mask seed recorded) per set and process.
struct Keys {
  explicit Keys(const ParameterSet& p) : client(p, test_seed(301)) {}
  ClientKey client;
  EvaluationKey eval = generate_evaluation_key(client);
};
Keys& toy_keys() {
  static Keys keys(toy());
  return keys;
}
Keys& tiny_keys() {
  static Keys keys(tiny());
  return keys;
}

void expect_same_parameters(const ParameterSet& a, const ParameterSet& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.k, b.k);
  EXPECT_EQ(a.N, b.N);
  EXPECT_EQ(a.pbs, b.pbs);
  EXPECT_EQ(a.ks, b.ks);
  for (auto [x, y] : {std::pair{&a.lwe_noise, &b.lwe_noise}, {&a.glwe_noise, &b.glwe_noise}}) {
    EXPECT_EQ(x->kind, y->kind);
    EXPECT_EQ(x->std_dev, y->std_dev);
    EXPECT_EQ(x->log2_bound, y->log2_bound);
  }
  EXPECT_EQ(a.message_bits, b.message_bits);
  EXPECT_EQ(a.boolean, b.boolean);
  EXPECT_EQ(a.insecure, b.insecure);
  EXPECT_EQ(a.claimed_security_bits, b.claimed_security_bits);
  EXPECT_EQ(a.security_source, b.security_source);
  EXPECT_EQ(a.source, b.source);
  EXPECT_TRUE(a.published_log2_pfail == b.published_log2_pfail ||
              (std::isnan(a.published_log2_pfail) && std::isnan(b.published_log2_pfail)));
  EXPECT_EQ(parameter_fingerprint(a), parameter_fingerprint(b));
}

void expect_same_evaluation_key(const EvaluationKey& a, const EvaluationKey& b) {
  expect_same_parameters(a.params, b.params);
  EXPECT_EQ(a.key_id, b.key_id);
  ASSERT_EQ(a.keyswitch_key.data().size(), b.keyswitch_key.data().size());
  EXPECT_TRUE(std::equal(a.keyswitch_key.data().begin(), a.keyswitch_key.data().end(),
                         b.keyswitch_key.data().begin()));
  ASSERT_EQ(a.bootstrap_key.input_dimension(), b.bootstrap_key.input_dimension());
  for (std::size_t i = 0; i < a.bootstrap_key.input_dimension().value(); ++i) {
    const auto x = a.bootstrap_key.ggsw(i).data();
    const auto y = b.bootstrap_key.ggsw(i).data();
    ASSERT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << "GGSW " << i;
  }
}

mode_t file_mode(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// ---------------------------------------------------------------------------------------------

TEST(SerializationRoundTrip, ParametersEverySet) {
  TempDir dir;
  for (const auto& p : parameter_sets()) {
    SCOPED_TRACE(p.name);
    const auto path = dir / (p.name + ".params");
    save_parameters(path, p);
    const ParameterSet q = load_parameters(path);
    expect_same_parameters(p, q);
    const FileHeader h = read_file_header(path);
    EXPECT_EQ(h.kind, ObjectKind::kParameters);
    EXPECT_EQ(h.version, kFormatVersion);
    EXPECT_EQ(h.flags, 0U);
    EXPECT_EQ(h.parameters, parameter_fingerprint(p));
    EXPECT_EQ(file_mode(path) & 0077, file_mode(path) & 0077 & ~0022);  // not secret-only
  }
}

TEST(SerializationRoundTrip, FingerprintsTellSetsApart) {
  const auto sets = parameter_sets();
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (std::size_t j = i + 1; j < sets.size(); ++j) {
      EXPECT_NE(parameter_fingerprint(sets[i]), parameter_fingerprint(sets[j]))
          << sets[i].name << " vs " << sets[j].name;
    }
  }
  // The name is not cryptographic content; the noise is.
  ParameterSet renamed = toy();
  renamed.name = "RENAMED";
  EXPECT_EQ(parameter_fingerprint(renamed), parameter_fingerprint(toy()));
  ParameterSet noisier = toy();
  noisier.glwe_noise = NoiseDistribution::gaussian(std::ldexp(1.0, -49));
  EXPECT_NE(parameter_fingerprint(noisier), parameter_fingerprint(toy()));
}

TEST(SerializationRoundTrip, ClientKeyIsSecretAndExact) {
  TempDir dir;
  for (const char* name : {"TOY", "BOOL_128", "PBS_4BIT"}) {
    SCOPED_TRACE(name);
    const ClientKey key(find_parameter_set(name), test_seed(7));
    const auto path = dir / (std::string(name) + ".ck");
    // A world-readable file already at the name must be replaced, not reused.
    testing::write_bytes(path, {1, 2, 3});
    ::chmod(path.c_str(), 0644);
    // Even with a permissive umask the secret is 0600.
    const mode_t old = ::umask(0);
    save_client_key(path, key);
    ::umask(old);
    EXPECT_EQ(file_mode(path), 0600U);
    const ClientKey back = load_client_key(path);
    expect_same_parameters(back.parameters(), key.parameters());
    EXPECT_EQ(back.key_id(), key.key_id());
    EXPECT_TRUE(std::ranges::equal(back.small_key().bits(), key.small_key().bits()));
    EXPECT_TRUE(std::ranges::equal(back.glwe_key().bits(), key.glwe_key().bits()));
    EXPECT_TRUE(std::ranges::equal(back.big_key().bits(), key.big_key().bits()));
    EXPECT_EQ(read_file_header(path).key_id, key.key_id());
  }
  EXPECT_EQ(dir.entries().size(), 3U) << "temporary files left behind";
}

TEST(SerializationRoundTrip, EvaluationKeyPlainAndSeeded) {
  TempDir dir;
  const auto& keys = toy_keys();
  ASSERT_TRUE(keys.eval.mask_seed.has_value());
  save_evaluation_key(dir / "plain.sk", keys.eval, false);
  save_evaluation_key(dir / "seeded.sk", keys.eval, true);
  EXPECT_EQ(read_file_header(dir / "plain.sk").flags, 0U);
  EXPECT_EQ(read_file_header(dir / "seeded.sk").flags, kFlagSeeded);
  EXPECT_EQ(file_mode(dir / "plain.sk") & 0044, file_mode(dir / "plain.sk") & 0044);
  const EvaluationKey plain = load_evaluation_key(dir / "plain.sk");
  const EvaluationKey seeded = load_evaluation_key(dir / "seeded.sk");
  expect_same_evaluation_key(plain, keys.eval);
  expect_same_evaluation_key(seeded, keys.eval);
  EXPECT_FALSE(plain.mask_seed.has_value());
  ASSERT_TRUE(seeded.mask_seed.has_value());
  EXPECT_EQ(*seeded.mask_seed, *keys.eval.mask_seed);
  // The seeded form keeps only bodies: about 1/(n+1) of the key switching key and 1/(k+1) of
  // the bootstrapping key.
  const auto plain_size = std::filesystem::file_size(dir / "plain.sk");
  const auto seeded_size = std::filesystem::file_size(dir / "seeded.sk");
  EXPECT_LT(seeded_size * 2, plain_size);
  // A key reloaded from a seeded file can be stored seeded again, byte for byte.
  save_evaluation_key(dir / "again.sk", seeded, true);
  EXPECT_EQ(testing::read_bytes(dir / "again.sk"), testing::read_bytes(dir / "seeded.sk"));
  // A key without a recorded seed cannot be stored seeded.
  EXPECT_THROW(save_evaluation_key(dir / "x.sk", plain, true), InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.sk"));
}

TEST(SerializationRoundTrip, ServerKeyLoadsLikeEvaluationKey) {
  TempDir dir;
  const auto& keys = toy_keys();
  save_evaluation_key(dir / "plain.sk", keys.eval, false);
  save_evaluation_key(dir / "seeded.sk", keys.eval, true);
  const ServerKey reference(load_evaluation_key(dir / "plain.sk"));
  std::size_t progress_calls = 0;
  std::size_t last_done = 0;
  const ServerKey streamed =
      load_server_key(dir / "seeded.sk", [&](std::size_t done, std::size_t total) {
        ++progress_calls;
        EXPECT_EQ(total, toy().n.value());
        EXPECT_GT(done, last_done);
        last_done = done;
      });
  EXPECT_EQ(progress_calls, toy().n.value());
  EXPECT_EQ(streamed.key_id(), keys.client.key_id());
  const ServerKey streamed_plain = load_server_key(dir / "plain.sk");

  const unsigned bits = 4;
  std::vector<std::uint64_t> table(16);
  for (std::uint64_t m = 0; m < 16; ++m) table[m] = (m * 7 + 3) % 16;
  const LookupTable lut = make_lookup_table(toy().N, bits, table, bits);
  std::vector<std::uint64_t> messages(16);
  for (std::uint64_t m = 0; m < 16; ++m) messages[m] = m;
  const CiphertextBatch in = encrypt_batch(keys.client, messages, {false, bits}, false);
  for (const ServerKey* key : {&reference, &streamed, &streamed_plain}) {
    std::vector<LweCiphertext> out(in.ciphertexts.size(), LweCiphertext(toy().big_dimension()));
    keyswitch_bootstrap_batch(out, in.ciphertexts, lut, *key, 1);
    std::vector<LweCiphertext> ref(in.ciphertexts.size(), LweCiphertext(toy().big_dimension()));
    keyswitch_bootstrap_batch(ref, in.ciphertexts, lut, reference, 1);
    for (std::size_t i = 0; i < messages.size(); ++i) {
      EXPECT_EQ(keys.client.decrypt(out[i], bits), table[messages[i]]) << "input " << i;
      EXPECT_EQ(out[i], ref[i]) << "the same key must give the same bootstrap, input " << i;
    }
  }
}

TEST(SerializationRoundTrip, CiphertextsPlainAndSeeded) {
  TempDir dir;
  const auto& keys = toy_keys();
  testing::TestRng rng(41);
  for (unsigned bits : {1U, 3U, 7U}) {
    SCOPED_TRACE(bits);
    std::vector<std::uint64_t> messages(37);
    for (auto& m : messages) m = rng.below(std::uint64_t{1} << bits);
    const CiphertextBatch batch = encrypt_batch(keys.client, messages, {false, bits}, true);
    ASSERT_TRUE(batch.mask_seed.has_value());
    save_ciphertexts(dir / "plain.ct", batch, false);
    save_ciphertexts(dir / "seeded.ct", batch, true);
    for (const char* name : {"plain.ct", "seeded.ct"}) {
      SCOPED_TRACE(name);
      const CiphertextBatch back = load_ciphertexts(dir / name);
      expect_same_parameters(back.params, toy());
      EXPECT_EQ(back.key_id, keys.client.key_id());
      EXPECT_EQ(back.encoding, batch.encoding);
      ASSERT_EQ(back.ciphertexts.size(), messages.size());
      for (std::size_t i = 0; i < messages.size(); ++i) {
        EXPECT_EQ(back.ciphertexts[i], batch.ciphertexts[i]) << i;
        EXPECT_EQ(keys.client.decrypt(back.ciphertexts[i], bits), messages[i]) << i;
      }
    }
    EXPECT_EQ(std::filesystem::file_size(dir / "seeded.ct") * 100,
              std::filesystem::file_size(dir / "seeded.ct") * 100);
    EXPECT_LT(std::filesystem::file_size(dir / "seeded.ct") * 20,
              std::filesystem::file_size(dir / "plain.ct"));
  }
  // Booleans, and the empty batch.
  const std::vector<std::uint64_t> bools = {1, 0, 0, 1, 1};
  const CiphertextBatch b = encrypt_batch(keys.client, bools, {true, 0}, true);
  save_ciphertexts(dir / "bool.ct", b, true);
  const CiphertextBatch bb = load_ciphertexts(dir / "bool.ct");
  EXPECT_TRUE(bb.encoding.boolean);
  for (std::size_t i = 0; i < bools.size(); ++i) {
    EXPECT_EQ(bb.ciphertexts[i], b.ciphertexts[i]);
    EXPECT_EQ(keys.client.decrypt_bool(bb.ciphertexts[i]), bools[i] != 0);
  }
  const CiphertextBatch empty = encrypt_batch(keys.client, {}, {false, 2}, false);
  save_ciphertexts(dir / "empty.ct", empty, false);
  EXPECT_TRUE(load_ciphertexts(dir / "empty.ct").ciphertexts.empty());
  // Unseeded batches cannot be stored seeded.
  const CiphertextBatch unseeded = encrypt_batch(keys.client, bools, {true, 0}, false);
  EXPECT_THROW(save_ciphertexts(dir / "x.ct", unseeded, true), InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.ct"));
}

// A batch written and read a chunk at a time is the file save_ciphertexts writes and the batch
// load_ciphertexts reads; a wrong count leaves no file; a consumer's error reaches the caller
// as it is; a damaged file is refused before any chunk is handed over.
TEST(SerializationRoundTrip, CiphertextsInChunks) {
  TempDir dir;
  const auto& keys = toy_keys();
  testing::TestRng rng(43);
  std::vector<std::uint64_t> messages(37);
  for (auto& m : messages) m = rng.below(8);
  const CiphertextBatch batch = encrypt_batch(keys.client, messages, {false, 3}, true);
  for (bool seeded : {false, true}) {
    SCOPED_TRACE(seeded);
    save_ciphertexts(dir / "whole.ct", batch, seeded);
    const CiphertextBatchInfo info{batch.params, batch.key_id, batch.encoding,
                                   batch.ciphertexts.size(),
                                   seeded ? batch.mask_seed : std::nullopt};
    write_ciphertexts_in_chunks(dir / "chunks.ct", info, [&](const CiphertextChunkSink& emit) {
      for (std::size_t first = 0; first < batch.ciphertexts.size(); first += 5) {
        const auto begin = batch.ciphertexts.begin() + static_cast<std::ptrdiff_t>(first);
        emit({begin, begin + static_cast<std::ptrdiff_t>(
                                 std::min<std::size_t>(5, batch.ciphertexts.size() - first))});
      }
    });
    EXPECT_EQ(testing::read_bytes(dir / "chunks.ct"), testing::read_bytes(dir / "whole.ct"));
    const CiphertextBatchInfo back = read_ciphertexts_info(dir / "whole.ct");
    EXPECT_EQ(back.count, messages.size());
    EXPECT_EQ(back.key_id, batch.key_id);
    EXPECT_EQ(back.mask_seed.has_value(), seeded);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, std::size_t{37}, std::size_t{100}}) {
      std::vector<LweCiphertext> all;
      std::vector<std::size_t> sizes;
      read_ciphertexts_in_chunks(dir / "whole.ct", chunk,
                                 [&](const CiphertextBatchInfo& i, std::vector<LweCiphertext>&& c) {
                                   EXPECT_EQ(i.count, messages.size());
                                   sizes.push_back(c.size());
                                   for (auto& ct : c) all.push_back(std::move(ct));
                                 });
      EXPECT_EQ(all, batch.ciphertexts) << "chunk " << chunk;
      ASSERT_EQ(sizes.size(), (messages.size() + chunk - 1) / chunk);
      for (std::size_t i = 0; i + 1 < sizes.size(); ++i) EXPECT_EQ(sizes[i], chunk);
    }
  }
  // Fewer or more ciphertexts than announced: an error, and no file.
  CiphertextBatchInfo info{batch.params, batch.key_id, batch.encoding, 36, std::nullopt};
  EXPECT_THROW(write_ciphertexts_in_chunks(
                   dir / "short.ct", info,
                   [&](const CiphertextChunkSink& emit) {
                     emit({batch.ciphertexts.begin(), batch.ciphertexts.begin() + 35});
                   }),
               InvalidArgument);
  EXPECT_THROW(
      write_ciphertexts_in_chunks(
          dir / "long.ct", info, [&](const CiphertextChunkSink& emit) { emit(batch.ciphertexts); }),
      InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir / "short.ct"));
  EXPECT_FALSE(std::filesystem::exists(dir / "long.ct"));
  // The consumer's own error, from the second chunk, is not renamed a file format error.
  std::size_t calls = 0;
  EXPECT_THROW(
      read_ciphertexts_in_chunks(dir / "whole.ct", 10,
                                 [&](const CiphertextBatchInfo&, std::vector<LweCiphertext>&&) {
                                   if (++calls == 2) throw KeyMismatch("consumer");
                                 }),
      KeyMismatch);
  EXPECT_EQ(calls, 2u);
  // A flipped payload byte: refused before any chunk.
  auto bytes = testing::read_bytes(dir / "whole.ct");
  bytes[bytes.size() - 3] ^= 0x10;
  testing::write_bytes(dir / "bad.ct", bytes);
  calls = 0;
  EXPECT_THROW(read_ciphertexts_in_chunks(
                   dir / "bad.ct", 10,
                   [&](const CiphertextBatchInfo&, std::vector<LweCiphertext>&&) { ++calls; }),
               FileFormatError);
  EXPECT_EQ(calls, 0u);
}

// docs/FILES.md quotes these formulas for the large sets; here they meet real files.
TEST(SerializationRoundTrip, FileSizesMatchTheFormulas) {
  TempDir dir;
  for (Keys* keys : {&toy_keys(), &tiny_keys()}) {
    const ParameterSet& p = keys->client.parameters();
    SCOPED_TRACE(p.name);
    save_client_key(dir / "ck", keys->client);
    EXPECT_EQ(std::filesystem::file_size(dir / "ck"), client_key_file_size(p));
    for (bool seeded : {false, true}) {
      save_evaluation_key(dir / "sk", keys->eval, seeded);
      EXPECT_EQ(std::filesystem::file_size(dir / "sk"), evaluation_key_file_size(p, seeded));
      for (std::size_t count : {0, 1, 5}) {
        const CiphertextBatch b =
            encrypt_batch(keys->client, std::vector<std::uint64_t>(count, 1), {false, 2}, true);
        save_ciphertexts(dir / "ct", b, seeded);
        EXPECT_EQ(std::filesystem::file_size(dir / "ct"), ciphertexts_file_size(p, count, seeded))
            << count << (seeded ? " seeded" : " plain");
      }
    }
  }
  // A fresh ciphertext costs 8·(k·N + 1) bytes, or 8 bytes seeded.
  EXPECT_EQ(ciphertexts_file_size(toy(), 1001, false) - ciphertexts_file_size(toy(), 1000, false),
            8 * (toy().big_dimension().value() + 1));
  EXPECT_EQ(ciphertexts_file_size(toy(), 1001, true) - ciphertexts_file_size(toy(), 1000, true),
            8U);
}

TEST(SerializationRoundTrip, GlweCiphertext) {
  TempDir dir;
  const auto& keys = toy_keys();
  testing::TestRng rng(5);
  std::vector<Torus> message = rng.torus_vector(toy().N.value());
  GlweCiphertext ct(toy().k, toy().N);
  EncryptionRandomness er = EncryptionRandomness::from_seed(test_seed(6));
  encrypt_glwe(ct, message, keys.client.glwe_key(), toy().glwe_noise, er);
  save_glwe_ciphertext(dir / "g.ct", toy(), keys.client.key_id(), ct);
  const GlweCiphertext back = load_glwe_ciphertext(dir / "g.ct", toy(), keys.client.key_id());
  EXPECT_EQ(back, ct);
  KeyId other = keys.client.key_id();
  other[0] ^= 1;
  EXPECT_THROW(load_glwe_ciphertext(dir / "g.ct", toy(), other), KeyMismatch);
  EXPECT_THROW(
      load_glwe_ciphertext(dir / "g.ct", find_parameter_set("PBS_4BIT"), keys.client.key_id()),
      KeyMismatch);
}

TEST(SerializationRoundTrip, LookupTables) {
  TempDir dir;
  std::vector<std::uint64_t> table(8);
  for (std::uint64_t m = 0; m < 8; ++m) table[m] = (5 * m + 1) % 8;
  const std::vector<std::vector<std::uint64_t>> two = {table, std::vector<std::uint64_t>(8, 3)};
  for (const LookupTable& lut :
       {make_lookup_table(toy().N, 3, table, 3), make_multi_lookup_table(toy().N, 3, two, 3),
        make_sign_lookup_table(toy().N, Torus{1} << 61)}) {
    save_lookup_table(dir / "t.lut", toy(), lut);
    const LookupTable back = load_lookup_table(dir / "t.lut", toy());
    EXPECT_EQ(back.input_bits(), lut.input_bits());
    EXPECT_EQ(back.lut_count(), lut.lut_count());
    EXPECT_EQ(back.polynomial_size(), lut.polynomial_size());
    EXPECT_TRUE(std::ranges::equal(back.polynomial(), lut.polynomial()));
  }
  EXPECT_THROW(load_lookup_table(dir / "t.lut", find_parameter_set("PBS_4BIT")), KeyMismatch);
}

// ---------------------------------------------------------------------------------------------
// Framing

TEST(FileFraming, WrongKindIsAKeyMismatchNamingBoth) {
  TempDir dir;
  const auto& keys = toy_keys();
  save_client_key(dir / "ck", keys.client);
  try {
    load_evaluation_key(dir / "ck");
    FAIL() << "a client key loaded as an evaluation key";
  } catch (const KeyMismatch& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find((dir / "ck").string()), std::string::npos) << m;
    EXPECT_NE(m.find("client key"), std::string::npos) << m;
    EXPECT_NE(m.find("evaluation"), std::string::npos) << m;
  }
  EXPECT_THROW(load_server_key(dir / "ck"), KeyMismatch);
  EXPECT_THROW(load_ciphertexts(dir / "ck"), KeyMismatch);
  save_evaluation_key(dir / "sk", keys.eval, true);
  EXPECT_THROW(load_client_key(dir / "sk"), KeyMismatch);
}

TEST(FileFraming, FailedWriteLeavesNothingAndKeepsTheOldFile) {
  TempDir dir;
  const auto path = dir / "out.bin";
  testing::write_bytes(path, {42});
  FileHeader h;
  h.kind = ObjectKind::kLookupTable;
  EXPECT_THROW(write_object_file(path, h, false,
                                 [](std::ostream& os) {
                                   os << "half a payload";
                                   throw InvalidArgument("writer gave up");
                                 }),
               InvalidArgument);
  EXPECT_EQ(testing::read_bytes(path), std::vector<std::uint8_t>{42});
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.bin"});
  EXPECT_THROW(write_object_file(dir / "missing" / "x", h, false, [](std::ostream&) {}), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST(FileFraming, UnstorableParametersAreRefusedBeforeWriting) {
  TempDir dir;
  ParameterSet bad = toy();
  bad.name = "TWO\nLINES";
  EXPECT_THROW(save_parameters(dir / "p", bad), InvalidArgument);
  bad = toy();
  bad.glwe_noise = NoiseDistribution::gaussian(0.1);
  EXPECT_THROW(save_parameters(dir / "p", bad), InvalidArgument);
  bad = toy();
  bad.n = LweDimension(std::size_t{1} << 17);
  EXPECT_THROW(save_parameters(dir / "p", bad), InvalidArgument);
  EXPECT_TRUE(dir.entries().empty());
}

TEST(FileFraming, MissingAndNonRegularFilesAreRefused) {
  TempDir dir;
  EXPECT_THROW(load_ciphertexts(dir / "absent.ct"), FileAccessError);
  std::filesystem::create_directory(dir / "adir");
  EXPECT_THROW(load_ciphertexts(dir / "adir"), FileAccessError);
  // A FIFO is refused at once, not waited on.
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_THROW(load_ciphertexts(dir / "fifo"), FileAccessError);
  EXPECT_THROW(read_file_header(dir / "fifo"), FileAccessError);
  testing::write_bytes(dir / "empty", {});
  EXPECT_THROW(load_ciphertexts(dir / "empty"), FileFormatError);
  EXPECT_THROW(read_file_header(dir / "empty"), FileFormatError);
}

TEST(FileFraming, NewerVersionIsRefusedAsNewer) {
  TempDir dir;
  save_parameters(dir / "p", toy());
  auto bytes = testing::read_bytes(dir / "p");
  bytes[testing::kOffsetVersion] = 2;
  testing::fix_header_digest(bytes);
  testing::write_bytes(dir / "p", bytes);
  try {
    load_parameters(dir / "p");
    FAIL() << "a version-2 file was accepted";
  } catch (const FileFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST(FileFraming, PayloadMustMatchHeaderFingerprintAndKeyId) {
  TempDir dir;
  const auto& keys = toy_keys();
  save_client_key(dir / "ck", keys.client);
  const testing::SplitFile f = testing::split_file(dir / "ck");
  FileHeader h = f.header;
  h.parameters = parameter_fingerprint(find_parameter_set("PBS_4BIT"));
  testing::reframe(dir / "x", h, f.payload);
  std::string message;
  try {
    load_client_key(dir / "x");
  } catch (const FileFormatError& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("fingerprint"), std::string::npos) << message;
  h = f.header;
  h.key_id[3] ^= 1;
  testing::reframe(dir / "x", h, f.payload);
  message.clear();
  try {
    load_client_key(dir / "x");
  } catch (const FileFormatError& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("key id"), std::string::npos) << message;
}

TEST(FileFraming, UnknownFlagsAndReservedBitsAreRefused) {
  TempDir dir;
  save_parameters(dir / "p", toy());
  const auto good = testing::read_bytes(dir / "p");
  for (std::size_t offset : {testing::kOffsetFlags, testing::kOffsetFlags + 3,
                             testing::kOffsetReserved, testing::kOffsetReserved + 2}) {
    auto bytes = good;
    bytes[offset] ^= 0x40;
    testing::fix_header_digest(bytes);
    testing::write_bytes(dir / "p", bytes);
    EXPECT_THROW(load_parameters(dir / "p"), FileFormatError) << "offset " << offset;
  }
  // The seeded flag on a kind that has no seeded form.
  auto bytes = good;
  bytes[testing::kOffsetFlags] = static_cast<std::uint8_t>(kFlagSeeded);
  testing::fix_header_digest(bytes);
  testing::write_bytes(dir / "p", bytes);
  EXPECT_THROW(load_parameters(dir / "p"), FileFormatError);
}

// ---------------------------------------------------------------------------------------------
// Every loader against damaged files.

struct FileCase {
  std::string name;
  std::function<void(const std::filesystem::path&)> save;
  std::function<void(const std::filesystem::path&)> load;
};

std::vector<FileCase> every_kind() {
  const auto& keys = tiny_keys();
  auto batch = std::make_shared<CiphertextBatch>(
      encrypt_batch(keys.client, std::vector<std::uint64_t>{1, 2, 3, 0, 5}, {false, 3}, true));
  auto glwe = std::make_shared<GlweCiphertext>(tiny().k, tiny().N);
  const std::vector<std::uint64_t> table = {0, 1, 0, 1};
  auto lut = std::make_shared<LookupTable>(make_lookup_table(tiny().N, 2, table, 1));
  const KeyId id = keys.client.key_id();
  return {
      {"parameters", [](auto& p) { save_parameters(p, tiny()); },
       [](auto& p) { load_parameters(p); }},
      {"client key", [&keys](auto& p) { save_client_key(p, keys.client); },
       [](auto& p) { load_client_key(p); }},
      {"evaluation key", [&keys](auto& p) { save_evaluation_key(p, keys.eval, false); },
       [](auto& p) { load_evaluation_key(p); }},
      {"seeded evaluation key", [&keys](auto& p) { save_evaluation_key(p, keys.eval, true); },
       [](auto& p) { load_server_key(p); }},
      {"ciphertexts", [batch](auto& p) { save_ciphertexts(p, *batch, false); },
       [](auto& p) { load_ciphertexts(p); }},
      {"seeded ciphertexts", [batch](auto& p) { save_ciphertexts(p, *batch, true); },
       [](auto& p) { load_ciphertexts(p); }},
      {"GLWE ciphertext", [glwe, id](auto& p) { save_glwe_ciphertext(p, tiny(), id, *glwe); },
       [id](auto& p) { load_glwe_ciphertext(p, tiny(), id); }},
      {"lookup table", [lut](auto& p) { save_lookup_table(p, tiny(), *lut); },
       [](auto& p) { load_lookup_table(p, tiny()); }},
  };
}

// Runs `load` and reports what it threw: "" when it succeeded, the exception's type otherwise.
std::string outcome(const std::function<void(const std::filesystem::path&)>& load,
                    const std::filesystem::path& path, std::string* message = nullptr) {
  try {
    load(path);
    return "";
  } catch (const FileFormatError& e) {
    if (message) *message = e.what();
    return "FileFormatError";
  } catch (const KeyMismatch& e) {
    if (message) *message = e.what();
    return "KeyMismatch";
  } catch (const std::exception& e) {
    if (message) *message = e.what();
    return std::string("other: ") + e.what();
  }
}

TEST(LoaderRejects, TruncatedFiles) {
  TempDir dir;
  for (const auto& c : every_kind()) {
    SCOPED_TRACE(c.name);
    const auto good = dir / "good";
    c.save(good);
    ASSERT_EQ(outcome(c.load, good), "");
    const auto bytes = testing::read_bytes(good);
    for (std::size_t cut : testing::interesting_offsets(bytes.size())) {
      testing::write_bytes(dir / "bad", {bytes.begin(), bytes.begin() + static_cast<long>(cut)});
      std::string message;
      EXPECT_EQ(outcome(c.load, dir / "bad", &message), "FileFormatError") << "cut at " << cut;
      EXPECT_NE(message.find((dir / "bad").string()), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(LoaderRejects, FlippedBytes) {
  TempDir dir;
  for (const auto& c : every_kind()) {
    SCOPED_TRACE(c.name);
    c.save(dir / "good");
    const auto bytes = testing::read_bytes(dir / "good");
    for (std::size_t at : testing::interesting_offsets(bytes.size(), 30)) {
      for (std::uint8_t flip : {0x01, 0x80}) {
        auto bad = bytes;
        bad[at] ^= flip;
        testing::write_bytes(dir / "bad", bad);
        EXPECT_EQ(outcome(c.load, dir / "bad"), "FileFormatError")
            << "byte " << at << " ^ " << int{flip};
      }
    }
    // Trailing garbage.
    auto longer = bytes;
    longer.push_back(0);
    testing::write_bytes(dir / "bad", longer);
    EXPECT_EQ(outcome(c.load, dir / "bad"), "FileFormatError");
  }
}

// Damaged payloads behind valid digests reach the parsers: truncations must be refused, and
// nothing may escape but FileFormatError / KeyMismatch (or success, where a flipped byte is
// just another valid value).
TEST(LoaderRejects, ReframedPayloads) {
  TempDir dir;
  for (const auto& c : every_kind()) {
    SCOPED_TRACE(c.name);
    c.save(dir / "good");
    const testing::SplitFile f = testing::split_file(dir / "good");
    const std::size_t size = f.payload.size();
    // The test's own encoder of the documented layout reproduces the writer's bytes exactly.
    testing::reframe(dir / "same", f.header, f.payload);
    EXPECT_EQ(testing::read_bytes(dir / "same"), testing::read_bytes(dir / "good"));
    EXPECT_EQ(outcome(c.load, dir / "same"), "");
    std::vector<std::size_t> cuts = {0, 1, 2, 9, 17, 100, 200, size / 3, size / 2, size - 1};
    for (std::size_t cut : cuts) {
      if (cut >= size) continue;
      testing::reframe(dir / "bad", f.header, {f.payload.begin(), f.payload.begin() + long(cut)});
      EXPECT_EQ(outcome(c.load, dir / "bad"), "FileFormatError") << "payload cut at " << cut;
    }
    auto longer = f.payload;
    longer.resize(size + 8, 0);
    testing::reframe(dir / "bad", f.header, longer);
    EXPECT_EQ(outcome(c.load, dir / "bad"), "FileFormatError") << "8 trailing payload bytes";
    testing::TestRng rng(99);
    for (std::size_t i = 0; i < 400; ++i) {
      auto bad = f.payload;
      const std::size_t at = i < 300 ? i % std::min<std::size_t>(size, 300) : rng.below(size);
      bad[at] ^= static_cast<std::uint8_t>(1 + rng.below(255));
      testing::reframe(dir / "bad", f.header, bad);
      const std::string r = outcome(c.load, dir / "bad");
      EXPECT_TRUE(r.empty() || r == "FileFormatError" || r == "KeyMismatch")
          << "payload byte " << at << ": " << r;
    }
  }
}

}  // namespace
}  // namespace lutfhe
