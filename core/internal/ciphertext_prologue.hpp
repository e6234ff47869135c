// Shared by the ciphertext loader and describe_file: the part of a batch file in front of the
// ciphertexts, checked against the payload size.
#pragma once

#include <filesystem>
#include <istream>

#include "core/ciphertext_files.hpp"
#include "core/file_payload.hpp"

namespace lutfhe {

CiphertextPrologue read_ciphertext_prologue(payload::InArchive& ar, std::istream& is,
                                            const FileHeader& h, const std::filesystem::path& path);

}  // namespace lutfhe
