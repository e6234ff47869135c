// The service's HTTP routes, version 1. service/openapi.json documents them and a test checks
// that document against route_table() and against a running server.
//
//   GET    /v1/health                          liveness (no token)
//   GET    /v1/metrics                         Prometheus text (no token)
//   GET    /v1/models                          the served models
//   GET    /v1/models/{model}                  one model
//   GET    /v1/models/{model}/client-spec      its client spec (lutfhe file)
//   PUT    /v1/keys/{key_id}?model=M           upload an evaluation key (streamed, idempotent)
//   GET    /v1/keys/{key_id}                   whether the key is stored
//   DELETE /v1/keys/{key_id}
//   POST   /v1/jobs                            {"model","key_id"[,"kind"]} (+ Idempotency-Key)
//   PUT    /v1/jobs/{job_id}/input             the encrypted batch → 202, queued (a training
//                                              step's job: initial weights, then the batches)
//   GET    /v1/jobs                            the caller's jobs
//   GET    /v1/jobs/{job_id}                   state, progress, ETA
//   GET    /v1/jobs/{job_id}/result            the encrypted result (lutfhe file)
//   DELETE /v1/jobs/{job_id}
//
// Every route but health and metrics needs "Authorization: Bearer <token>". Another client's
// key or job, an unknown id and a malformed id all answer 404. Errors are {"error": "..."}.
#pragma once

#include <string>
#include <vector>

#include "service/service.hpp"

namespace httplib {
class Server;
}

namespace lutfhe::service {

struct RouteInfo {
  std::string method;  // GET, PUT, POST, DELETE
  std::string path;    // OpenAPI form: /v1/jobs/{job_id}
};
const std::vector<RouteInfo>& route_table();

// Bodies larger than this are refused before they are read, except on the upload routes.
inline constexpr std::size_t kMaxSmallBody = 64 * 1024;

void register_routes(httplib::Server& server, ServiceContext& ctx);

}  // namespace lutfhe::service
