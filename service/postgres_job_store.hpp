// The job store on PostgreSQL, for `lutfhe worker` processes on other machines: workers claim
// jobs with FOR UPDATE SKIP LOCKED under a lease they renew by heartbeat; a job whose worker
// died is claimed again once its lease has passed, and only the holder of the latest attempt
// can complete it. Leases use the database's clock. The bytes (keys, inputs, results) live in a
// folder every process mounts at the same path (docs/SERVICE.md).
#pragma once

#include <memory>
#include <string>

#include "service/job_store.hpp"

namespace lutfhe::service {

// `url`: a libpq connection URI (postgresql://user@host:port/db). The schema is created when
// missing. FileAccessError when the database cannot be reached (the message never repeats the
// URL, which may hold a password).
std::unique_ptr<JobStore> open_postgres_job_store(const std::string& url);

}  // namespace lutfhe::service
