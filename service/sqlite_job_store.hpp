// The default job store: one SQLite file in WAL mode (readers never wait for the writer, a
// commit survives a killed process). One connection behind a mutex: the service's statements
// are short, and evaluation happens outside the store.
#pragma once

#include <filesystem>
#include <memory>

#include "service/job_store.hpp"

namespace lutfhe::service {

// Opens (creating if needed) the database file and its schema. lutfhe::Error with the path and
// SQLite's message when it cannot.
std::unique_ptr<JobStore> open_sqlite_job_store(const std::filesystem::path& file);

}  // namespace lutfhe::service
