// Every header the server side of lutfhe uses: core's server key and the evaluation-key file,
// KS-PBS and gates, ciphertext and table files, and the compiler's server and artifacts (what
// `lutfhe run`, `lutfhe lut` and `lutfhe gate` include), and the training server.
// check_server_side.cmake compiles this file once as it is, which must succeed, and once for each
// secret type with -DLUTFHE_NAME_TYPE=<type>, which must fail: no server-side header may let a
// translation unit name a type that holds a secret key.
#include "compiler/artifacts.hpp"
#include "compiler/client_spec.hpp"
#include "compiler/compiled_circuit.hpp"
#include "compiler/execute.hpp"
#include "compiler/server.hpp"
#include "core/blind_rotate.hpp"
#include "core/ciphertext_files.hpp"
#include "core/evaluation_key.hpp"
#include "core/evaluation_key_file.hpp"
#include "core/gates.hpp"
#include "core/keyswitch.hpp"
#include "core/lookup_table.hpp"
#include "core/lookup_table_file.hpp"
#include "core/lwe.hpp"
#include "core/pbs.hpp"
#include "core/server_key.hpp"
#include "models/training_server.hpp"

#ifdef LUTFHE_NAME_TYPE
const lutfhe::LUTFHE_NAME_TYPE* named_secret = nullptr;
#endif

int main() {
  return 0;
}
