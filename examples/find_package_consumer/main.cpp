// Encrypts, bootstraps through a lookup table and decrypts on the TOY set, using lutfhe as an
// installed package. TOY is INSECURE: it is here because its keys take a fraction of a second.
#include <cstdint>
#include <cstdio>

#include "core/client_key.hpp"
#include "core/lookup_table.hpp"
#include "core/parameters.hpp"
#include "core/pbs.hpp"
#include "core/server_key.hpp"

int main() {
  using namespace lutfhe;
  const ParameterSet& params = find_parameter_set("TOY");
  const unsigned bits = 4;

  const ClientKey client = ClientKey::generate(params);
  auto rng = EncryptionRandomness::from_os();
  const ServerKey server(generate_evaluation_key(client, rng));
  Scratch scratch = server.make_scratch();

  const LookupTable plus_three = make_lookup_table(
      params.N, bits, [](std::uint64_t m) { return (m + 3) % 16; }, bits);
  int failures = 0;
  for (std::uint64_t m = 0; m < 16; ++m) {
    const LweCiphertext in = client.encrypt(m, bits, rng);
    LweCiphertext out(in.dimension());
    keyswitch_bootstrap(out, in, plus_three, server, scratch);
    const std::uint64_t got = client.decrypt(out, bits);
    if (got != (m + 3) % 16) ++failures;
  }
  std::printf("%s: (m + 3) mod 16 on 16 encrypted inputs, %d wrong\n",
              params.display_name().c_str(), failures);
  return failures == 0 ? 0 : 1;
}
