// `lutfhe info FILE`: what a file is (kind, format version, parameter set, sizes, seeded or
// not, key id prefix), after checking its digests. It never prints secret values.
#include <sys/stat.h>

#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "core/describe_file.hpp"
#include "core/fingerprint.hpp"
#include "core/hex.hpp"

namespace lutfhe::cli {
namespace {

struct InfoOptions {
  std::string file;
  bool quiet = false;
};

int run_info(const InfoOptions& o) {
  const FileSummary s = describe_file(o.file);
  const FileHeader& h = s.header;
  const bool seeded = (h.flags & kFlagSeeded) != 0;
  const auto row = [](const std::string& label, const std::string& value) {
    std::cout << label << std::string(label.size() < 13 ? 13 - label.size() : 1, ' ') << value
              << '\n';
  };
  row("file", o.file + " (" + std::to_string(s.file_size) + " bytes)");
  row("kind", kind_name(h.kind));
  row("format", "lutfhe file format version " + std::to_string(h.version));
  row("checksums", "header and payload BLAKE2b digests OK (" + std::to_string(h.payload_size) +
                       "-byte payload)");
  const ParameterSet* known = find_parameter_set_by_fingerprint(h.parameters);
  if (s.params) {
    const ParameterSet& p = *s.params;
    std::string line = p.display_name() + " (" + p.version + "): n=" + std::to_string(p.n.value()) +
                       " k=" + std::to_string(p.k.value()) + " N=" + std::to_string(p.N.value());
    if (known == nullptr) {
      line += "; not a built-in set";
    } else if (known->name != p.name) {
      line += "; same content as built-in set " + known->name;
    }
    row("parameters", line);
  } else {
    row("parameters", known ? "fingerprint of built-in set " + known->display_name()
                            : "fingerprint " + to_hex(h.parameters, 8) + "...");
  }
  const bool has_key = h.key_id != Fingerprint16{};
  if (has_key) row("key id", to_hex(h.key_id, 6) + "...");
  switch (h.kind) {
    case ObjectKind::kClientKey: {
      struct stat st {};
      std::string secrecy = "SECRET: keep it on the client";
      if (::stat(o.file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
        secrecy += std::string("; WARNING: mode ") + mode + " lets other users read it";
      }
      row("contents", "LWE and GLWE secret keys (values not shown); " + secrecy);
      break;
    }
    case ObjectKind::kEvaluationKey:
      row("contents", "bootstrapping key and key-switching key (public; for the server)");
      row("form", seeded ? "seeded: masks stored as a 32-byte seed, bodies in full"
                         : "plain: masks and bodies in full");
      break;
    case ObjectKind::kLweCiphertexts:
      if (s.count && s.encoding && s.params) {
        row("contents",
            std::to_string(*s.count) + " LWE ciphertext" + (*s.count == 1 ? "" : "s") +
                " of dimension " + std::to_string(s.params->big_dimension().value()) + ", " +
                (s.encoding->boolean ? std::string("booleans")
                                     : std::to_string(s.encoding->bits) + "-bit integers"));
      }
      row("form", seeded ? "seeded: masks stored as a 32-byte seed, 8 bytes per ciphertext"
                         : "plain: masks and bodies in full");
      break;
    case ObjectKind::kLookupTable:
      if (s.table_input_bits && s.table_functions) {
        row("contents", *s.table_input_bits == 0
                            ? std::string("negacyclic (sign) test polynomial")
                            : std::to_string(*s.table_functions) + " function(s) on " +
                                  std::to_string(*s.table_input_bits) + "-bit inputs");
      }
      break;
    default:
      break;
  }
  return 0;
}

}  // namespace

void add_info_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand("info", "Describe a lutfhe file (never prints secrets)");
  cmd->add_option("FILE", o->file, "Any lutfhe file")->required();
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([&action, o] { action = [o] { return run_info(*o); }; });
}

}  // namespace lutfhe::cli
