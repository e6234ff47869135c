// Training as a job kind of the service (docs/SERVICE.md, "Training jobs"): a TOY training step
// served from the folder `lutfhe train-encrypted compile` writes, a job of kind "train" whose
// input is the file `train-encrypted encrypt --out-job` writes; the decrypted final weights
// equal those of `lutfhe train-encrypted run` on the same data (and so do those `lutfhe client
// train` prints), progress counts the steps, and another client sees nothing of the job.
#include <gtest/gtest.h>

#include <fstream>

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
  const fs::path dir = fresh_dir("training");
  const fs::path models = dir / "models";
  const fs::path step = models / "sgd";
  // 6 samples, 4 features in [-1, 1]: 3 steps of batches of 2.
  std::ofstream(dir / "train.csv") << "0.5,-1,0.25,1\n-0.75,0.5,1,-0.5\n1,1,-1,0\n"
                                      "-1,-0.25,0.5,0.75\n0.25,0.75,-0.5,-1\n-0.5,0,1,0.5\n";
  std::ofstream(dir / "labels.csv") << "1\n0\n1\n0\n1\n0\n";
  lutfhe_ok({"train-encrypted", "compile", "--features", "4", "--batch", "2", "--params", "TOY",
             "--out", step.string()});
  const fs::path spec = step / "step.spec";
  const fs::path client_key = dir / "client.key";
  const fs::path eval_key = dir / "eval.key";
  lutfhe_ok({"keygen", "--spec", spec.string(), "--client-key", client_key.string(), "--server-key",
             eval_key.string(), "--seeded", "-q"});
  lutfhe_ok({"train-encrypted", "encrypt", "--spec", spec.string(), "--client-key",
             client_key.string(), "--train", (dir / "train.csv").string(), "--train-labels",
             (dir / "labels.csv").string(), "--out-batches", (dir / "batches.ct").string(),
             "--out-weights", (dir / "weights.ct").string(), "--out-job", (dir / "job.ct").string(),
             "-q"});
  // The reference: the server's side run by the CLI on the separate files.
  lutfhe_ok({"train-encrypted", "run", "--circuit", (step / "step.circuit").string(),
             "--server-key", eval_key.string(), "--batches", (dir / "batches.ct").string(),
             "--weights", (dir / "weights.ct").string(), "--out", (dir / "reference.ct").string(),
             "--threads", "1", "-q"});
  const std::string expected =
      lutfhe_ok({"train-encrypted", "decrypt", "--spec", spec.string(), "--client-key",
                 client_key.string(), "--weights", (dir / "reference.ct").string()});

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
  const std::string weights =
      lutfhe_ok({"train-encrypted", "decrypt", "--spec", spec.string(), "--client-key",
                 client_key.string(), "--weights", (dir / "final.ct").string()});
  EXPECT_EQ(weights, expected);

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

}  // namespace
}  // namespace lutfhe::testing
