// Training as a job kind of the service (docs/SERVICE.md, "Training jobs"): a TOY training step
// served from the folder `lutfhe train-encrypted compile` writes, a job of kind "train" whose
// input is the file `train-encrypted encrypt --out-job` writes; the decrypted final weights
// equal those of `lutfhe train-encrypted run` on the same data (and so do those `lutfhe client
// train` prints), progress counts the steps, and another client sees nothing of the job; a job
// whose server is killed mid-training restarts and completes once with the same weights.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "service/client_calls.hpp"
#include "service/json.hpp"
#include "tests/service/service_fixture.hpp"

namespace lutfhe::testing {
namespace {

std::string status_field(const std::string& json, const char* name) {
  rapidjson::Document doc;
  std::string error, value;
  service::parse_json_object(json, doc, error);
  service::string_member(doc, name, value, error);
  return value;
}

std::uint64_t count_field(const std::string& json, const char* name) {
  rapidjson::Document doc;
  std::string error;
  service::parse_json_object(json, doc, error);
  return doc.HasMember(name) && doc[name].IsUint64() ? doc[name].GetUint64() : 0;
}

TEST(ServiceTraining, ThreeStepsEqualTrainEncryptedRunAndStayPrivate) {
  const Training t = make_training("training", 1);
  const fs::path& dir = t.dir;
  const fs::path& models = t.models;
  const fs::path& eval_key = t.eval_key;
  const std::string& expected = t.expected;
  ASSERT_NE(expected.find(','), std::string::npos) << expected;
  EXPECT_NE(expected, "0,0,0,0,0\n") << "the steps should move the weights";

  const fs::path data = dir / "data";
  ServerProcess server(data, {}, models);
  const auto owner = connect(server.url(), new_token(data, "owner"));
  const auto other = connect(server.url(), new_token(data, "other"));
  const std::string key_id = to_hex_id(eval_key);
  service::ServiceClient::require(owner->put_file("/v1/keys/" + key_id + "?model=sgd", eval_key),
                                  201);
  const auto model = owner->get("/v1/models/sgd");
  EXPECT_EQ(status_field(model.body, "kind"), "train") << model.body;

  // Bad input: the wrong kind, and a batches file without the initial weights.
  const std::string body = "{\"model\":\"sgd\",\"key_id\":\"" + key_id + "\"";
  const auto wrong = owner->post_json("/v1/jobs", body + ",\"kind\":\"evaluate\"}");
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  const auto created = owner->post_json("/v1/jobs", body + ",\"kind\":\"train\"}");
  service::ServiceClient::require(created, 201);
  const std::string job = status_field(created.body, "job_id");
  EXPECT_EQ(status_field(created.body, "kind"), "train") << created.body;
  const auto unpacked = owner->put_file("/v1/jobs/" + job + "/input", dir / "batches.ct");
  EXPECT_EQ(unpacked.status, 400) << unpacked.body;
  EXPECT_NE(status_field(unpacked.body, "error").find("initial weights"), std::string::npos)
      << unpacked.body;

  service::ServiceClient::require(owner->put_file("/v1/jobs/" + job + "/input", dir / "job.ct"),
                                  202);
  EXPECT_EQ(wait_done(*owner, job, 60), "done");
  const auto done = owner->get("/v1/jobs/" + job);
  EXPECT_EQ(count_field(done.body, "samples"), 3u) << done.body;
  EXPECT_EQ(count_field(done.body, "samples_done"), 3u) << done.body;

  service::fetch_result(*owner, job, dir / "final.ct");
  EXPECT_EQ(decrypt(t, dir / "final.ct"), expected);

  // The one-command client: its own keys (cached under --cache), the same data.
  const std::string token = new_token(data, "trainer");
  EXPECT_EQ(lutfhe_ok({"client", "train", "--server", server.url(), "--token", token, "--model",
                       "sgd", "--train", (dir / "train.csv").string(), "--train-labels",
                       (dir / "labels.csv").string(), "--cache", (dir / "cache").string(), "-q"}),
            expected);

  EXPECT_EQ(other->get("/v1/jobs/" + job).status, 404);
  EXPECT_EQ(other->get("/v1/jobs/" + job + "/result").status, 404);
  EXPECT_EQ(other->del("/v1/jobs/" + job).status, 404);
  EXPECT_EQ(other->get("/v1/jobs").body.find(job), std::string::npos);
}

// The checkpoint files of a job in the server's data folder.
std::vector<std::string> checkpoints_of(const fs::path& data, const std::string& job) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data / "jobs" / job, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("checkpoint-", 0) == 0) out.push_back(name);
  }
  return out;
}

// The value of an unlabelled Prometheus sample `name` (0 when absent).
std::uint64_t metric_value(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + name.size() + 2, nullptr, 10);
}

// kill -9 of the server while a training job runs (30 steps), restart: the job resumes from
// its last server-side checkpoint (the restarted process evaluates fewer than 30 steps'
// bootstraps) and completes once, with the weights of `train-encrypted run`; the checkpoints
// are gone once it is done.
TEST(ServiceTraining, KilledWhileTrainingRestartsAndCompletesOnce) {
  const Training t = make_training("training-restart", 10);
  const fs::path data = t.dir / "data";
  ServerProcess server(data, {}, t.models);
  const std::string token = new_token(data, "owner");
  const std::string key_id = to_hex_id(t.eval_key);
  std::string job;
  {
    const auto owner = connect(server.url(), token);
    service::upload_key(*owner, "sgd", t.eval_key);
    job = service::submit_job(*owner, "sgd", t.job_input, "restart-1");
    const bool stepping = eventually(
        30, [&] { return count_field(owner->get("/v1/jobs/" + job).body, "samples_done") >= 1; });
    EXPECT_TRUE(stepping) << "the job should report a step before the kill";
    EXPECT_LT(count_field(owner->get("/v1/jobs/" + job).body, "samples_done"), 30u)
        << "killed too late to test a restart";
  }
  server.kill9();
  EXPECT_FALSE(checkpoints_of(data, job).empty()) << "a checkpoint after the first step";
  server.restart();
  const auto owner = connect(server.url(), token);
  EXPECT_EQ(wait_done(*owner, job, 60), "done");
  const auto done = owner->get("/v1/jobs/" + job);
  EXPECT_EQ(count_field(done.body, "samples_done"), 30u) << done.body;
  EXPECT_GE(count_field(done.body, "attempts"), 2u) << done.body;
  const std::uint64_t per_step =
      count_field(owner->get("/v1/models/sgd").body, "bootstraps_per_sample");
  const std::uint64_t after_restart =
      metric_value(owner->get("/v1/metrics").body, "lutfhe_bootstraps_total");
  ASSERT_GT(per_step, 0u);
  EXPECT_GT(after_restart, 0u);
  EXPECT_LT(after_restart, 30 * per_step) << "the restarted process redid every step";
  EXPECT_TRUE(checkpoints_of(data, job).empty()) << "checkpoints are removed once done";
  service::fetch_result(*owner, job, t.dir / "final.ct");
  EXPECT_EQ(decrypt(t, t.dir / "final.ct"), t.expected);
}

}  // namespace
}  // namespace lutfhe::testing
