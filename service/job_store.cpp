#include "service/job_store.hpp"

#include <filesystem>

#include "core/errors.hpp"
#include "service/postgres_job_store.hpp"
#include "service/sqlite_job_store.hpp"

namespace lutfhe::service {

const char* state_name(JobState s) {
  switch (s) {
    case JobState::kCreated:
      return "created";
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<JobState> parse_state(const std::string& name) {
  for (JobState s : {JobState::kCreated, JobState::kQueued, JobState::kRunning, JobState::kDone,
                     JobState::kFailed}) {
    if (name == state_name(s)) return s;
  }
  return std::nullopt;
}

std::unique_ptr<JobStore> open_job_store(const std::string& queue, const std::string& data_dir) {
  if (queue.empty() || queue == "sqlite") {
    return open_sqlite_job_store(std::filesystem::path(data_dir) / "service.db");
  }
  if (queue.rfind("postgresql://", 0) == 0 || queue.rfind("postgres://", 0) == 0) {
    return open_postgres_job_store(queue);
  }
  throw UsageError("--queue " + queue + ": give sqlite (default) or a postgresql:// URL");
}

}  // namespace lutfhe::service
