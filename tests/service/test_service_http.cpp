// The service through real processes: results equal `lutfhe run` bit for bit (HTTP API, step
// commands and `lutfhe client predict`), idempotent submits, keys stored once, deletion,
// metrics; eight concurrent clients that see only their own jobs; the OpenAPI document
// against the routes the server really answers.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "service/json.hpp"
#include "service/routes.hpp"
#include "tests/service/service_fixture.hpp"
#include "tests/support/cli_runner.hpp"

namespace lutfhe::testing {
namespace {

std::string field(const std::string& json, const char* name) {
  rapidjson::Document doc;
  std::string error, out;
  EXPECT_TRUE(service::parse_json_object(json, doc, error)) << error << ": " << json;
  if (doc.IsObject()) service::string_member(doc, name, out, error);
  return out;
}

std::string fetch_result(service::ServiceClient& client, const std::string& job,
                         const fs::path& out) {
  std::string error;
  EXPECT_EQ(client.download("/v1/jobs/" + job + "/result", out, error), 200) << error;
  return file_bytes(out);
}

TEST(ServiceEndToEnd, ResultsEqualLutfheRunBitForBit) {
  const TinyModel& m = tiny_model();
  const fs::path dir = fresh_dir("e2e");
  const std::string expected = reference_result(m.input, dir / "reference.ct");
  ASSERT_FALSE(expected.empty());
  ServerProcess server(dir / "data");
  const std::string token = new_token(dir / "data", "alice");
  auto client = connect(server.url(), token);

  // The HTTP API.
  const std::string job = submit_job(*client, m.input);
  ASSERT_EQ(wait_done(*client, job, 60), "done");
  EXPECT_EQ(fetch_result(*client, job, dir / "api.ct"), expected);

  // The step-by-step client commands.
  const std::vector<std::string> conn = {"--server", server.url(), "--token", token, "-q"};
  auto args = [&](std::vector<std::string> a) {
    a.insert(a.end(), conn.begin(), conn.end());
    return a;
  };
  lutfhe_ok(args({"client", "spec", "--model", "tiny", "--out", (dir / "spec").string()}));
  EXPECT_EQ(file_bytes(dir / "spec"), file_bytes(m.spec));
  std::string key_id =
      lutfhe_ok(args({"client", "upload-key", "--model", "tiny", "--key", m.eval_key.string()}));
  EXPECT_EQ(key_id, m.key_id + "\n");
  std::string step_job =
      lutfhe_ok(args({"client", "submit", "--model", "tiny", "--in", m.input.string()}));
  step_job.pop_back();
  lutfhe_ok(args({"client", "wait", "--job", step_job}));
  lutfhe_ok(args({"client", "fetch", "--job", step_job, "--out", (dir / "step.ct").string()}));
  EXPECT_EQ(file_bytes(dir / "step.ct"), expected);

  // predict: its own keys (cached), so other ciphertexts, the same decrypted values.
  const std::string clear =
      lutfhe_ok({"decrypt", "--spec", m.spec.string(), "--client-key", m.client_key.string(),
                 "--in", (dir / "reference.ct").string()});
  const auto predict = args({"client", "predict", "--model", "tiny", "--input",
                             m.input_csv.string(), "--cache", (dir / "cache").string()});
  EXPECT_EQ(lutfhe_ok(predict), clear);
  const auto first_key =
      file_bytes(dir / "cache" / ("http___127.0.0.1_" + std::to_string(server.port())) / "tiny" /
                 "client.key");
  EXPECT_EQ(lutfhe_ok(predict), clear) << "second predict reuses the cached key";
  EXPECT_EQ(file_bytes(dir / "cache" / ("http___127.0.0.1_" + std::to_string(server.port())) /
                       "tiny" / "client.key"),
            first_key);
}

TEST(ServiceEndToEnd, IdempotencyKeysDeletionAndMetrics) {
  const TinyModel& m = tiny_model();
  const fs::path dir = fresh_dir("idem");
  ServerProcess server(dir / "data");
  auto client = connect(server.url(), new_token(dir / "data", "alice"));
  EXPECT_EQ(client->get("/v1/health").status, 200);

  const std::string a = submit_job(*client, m.input, "order-42");
  const std::string b = submit_job(*client, m.input, "order-42");
  EXPECT_EQ(a, b) << "a retried submit returns the same job";
  const std::string c = submit_job(*client, m.input, "order-43");
  EXPECT_NE(a, c);
  ASSERT_EQ(wait_done(*client, a, 60), "done");
  ASSERT_EQ(wait_done(*client, c, 60), "done");
  const auto status = client->get("/v1/jobs/" + a);
  EXPECT_EQ(field(status.body, "state"), "done");
  EXPECT_NE(status.body.find("\"progress\":1"), std::string::npos) << status.body;
  EXPECT_NE(status.body.find("\"eta_seconds\":0"), std::string::npos) << status.body;

  // The key again: stored once.
  const auto again = client->put_file("/v1/keys/" + m.key_id + "?model=tiny", m.eval_key);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("\"stored\":false"), std::string::npos);
  EXPECT_EQ(client->get("/v1/keys/" + m.key_id).status, 200);

  const std::string metrics = client->get("/v1/metrics").body;
  for (const char* name :
       {"lutfhe_queue_depth 0", "lutfhe_jobs{state=\"done\"} 2", "lutfhe_bootstraps_per_second",
        "lutfhe_key_cache_bytes", "lutfhe_key_cache_requests_total{result=\"hit\"}",
        "lutfhe_store_bootstraps_total"}) {
    EXPECT_NE(metrics.find(name), std::string::npos) << name << " missing in\n" << metrics;
  }

  EXPECT_EQ(client->del("/v1/jobs/" + a).status, 204);
  EXPECT_EQ(client->get("/v1/jobs/" + a).status, 404);
  EXPECT_EQ(client->get("/v1/jobs/" + a + "/result").status, 404);
  EXPECT_FALSE(fs::exists(dir / "data" / "jobs" / a));
  EXPECT_EQ(client->del("/v1/keys/" + m.key_id).status, 204);
  EXPECT_EQ(client->get("/v1/keys/" + m.key_id).status, 404);
  EXPECT_FALSE(fs::exists(dir / "data" / "keys" / "1" / (m.key_id + ".key")));

  lutfhe_ok({"token", "--data", (dir / "data").string(), "--revoke", "alice"});
  EXPECT_EQ(client->get("/v1/jobs").status, 401) << "a revoked token is refused";
}

TEST(ServiceConcurrency, EightClientsThreeJobsEachSeeOnlyTheirOwn) {
  const TinyModel& m = tiny_model();
  const fs::path dir = fresh_dir("concurrent");
  const std::string expected = reference_result(m.input, dir / "reference.ct");
  ServerProcess server(dir / "data", {"--workers", "2"});
  constexpr int kClients = 8, kJobs = 3;
  std::vector<std::string> tokens;
  for (int i = 0; i < kClients; ++i)
    tokens.push_back(new_token(dir / "data", "c" + std::to_string(i)));
  std::vector<std::vector<std::string>> jobs(kClients);
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      try {
        auto client = connect(server.url(), tokens[i]);
        for (int j = 0; j < kJobs; ++j) jobs[i].push_back(submit_job(*client, m.input));
        for (const auto& job : jobs[i]) {
          if (wait_done(*client, job, 120) != "done") failures[i] += "job " + job + " not done; ";
          std::string error;
          const fs::path out = dir / ("r-" + job);
          if (client->download("/v1/jobs/" + job + "/result", out, error) != 200 ||
              file_bytes(out) != expected) {
            failures[i] += "job " + job + " result differs; ";
          }
        }
      } catch (const std::exception& e) {
        failures[i] += e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(failures[i], "") << "client " << i;
    ASSERT_EQ(jobs[i].size(), static_cast<std::size_t>(kJobs));
  }
  for (int i = 0; i < kClients; ++i) {
    auto client = connect(server.url(), tokens[i]);
    const std::string list = client->get("/v1/jobs").body;
    std::size_t listed = 0;
    for (std::size_t at = 0; (at = list.find("\"job_id\"", at)) != std::string::npos; ++at)
      ++listed;
    EXPECT_EQ(listed, static_cast<std::size_t>(kJobs)) << list;
    for (const auto& own : jobs[i]) EXPECT_NE(list.find(own), std::string::npos);
    const auto& other = jobs[(i + 1) % kClients];
    for (const auto& job : other) {
      EXPECT_EQ(list.find(job), std::string::npos) << "client " << i << " sees a foreign job";
      EXPECT_EQ(client->get("/v1/jobs/" + job).status, 404);
      EXPECT_EQ(client->get("/v1/jobs/" + job + "/result").status, 404);
      EXPECT_EQ(client->del("/v1/jobs/" + job).status, 404);
    }
  }
  auto owner = connect(server.url(), tokens[1]);
  EXPECT_EQ(job_state(*owner, jobs[1][0]), "done") << "a foreign delete removed nothing";
}

// The OpenAPI document names exactly the routes of route_table(), and the server answers each
// of them (anything but the "no such route" 404 that an unknown path gets).
TEST(ServiceOpenApi, DocumentMatchesTheRoutesTheServerServes) {
  const std::string text = file_bytes(fs::path(LUTFHE_SOURCE_DIR) / "service" / "openapi.json");
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  ASSERT_FALSE(doc.HasParseError());
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("openapi") && doc.HasMember("paths"));
  EXPECT_EQ(std::string(doc["openapi"].GetString()).rfind("3.", 0), 0u);
  std::set<std::pair<std::string, std::string>> documented, served;
  for (const auto& path : doc["paths"].GetObject()) {
    for (const auto& op : path.value.GetObject()) {
      std::string method = op.name.GetString();
      if (method == "parameters") continue;
      for (auto& ch : method) ch = static_cast<char>(std::toupper(ch));
      documented.insert({method, path.name.GetString()});
    }
  }
  for (const auto& r : service::route_table()) served.insert({r.method, r.path});
  EXPECT_EQ(documented, served);

  const fs::path dir = fresh_dir("openapi");
  ServerProcess server(dir / "data");
  const std::string token = new_token(dir / "data", "alice");
  const auto probe = [&](const std::string& method, std::string path) {
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"{model}", "tiny"},
                                                          {"{key_id}", std::string(32, '0')},
                                                          {"{job_id}", std::string(32, '0')}}) {
      if (const auto at = path.find(from); at != std::string::npos)
        path.replace(at, from.size(), to);
    }
    const std::string body = method == "PUT" || method == "POST" ? "{}" : "";
    return raw_request(server.port(),
                       method + " " + path + (method == "PUT" ? "?model=tiny" : "") +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                           "\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n\r\n" + body,
                       false);
  };
  for (const auto& [method, path] : documented) {
    const RawAnswer a = probe(method, path);
    EXPECT_NE(a.status, 0) << method << " " << path;
    EXPECT_EQ(a.body.find("no such route"), std::string::npos) << method << " " << path;
  }
  const RawAnswer unknown = probe("GET", "/v1/nothing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("no such route"), std::string::npos) << "the probe can fail";
}

}  // namespace
}  // namespace lutfhe::testing

namespace lutfhe::testing {
namespace {

// HTTPS with a certificate the client is told to trust: the same flow, encrypted transport;
// a client that does not trust the certificate is refused.
TEST(ServiceEndToEnd, TlsWithACertificate) {
  const TinyModel& m = tiny_model();
  const fs::path dir = fresh_dir("tls");
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
      "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << "openssl (scripts/setup installs it)";
  ServerProcess server(dir / "data", {"--tls-cert", cert, "--tls-key", key});
  const std::string token = new_token(dir / "data", "alice");
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port());
  reference_result(m.input, dir / "ref.ct");
  const std::string expected =
      lutfhe_ok({"decrypt", "--spec", m.spec.string(), "--client-key", m.client_key.string(),
                 "--in", (dir / "ref.ct").string()});
  EXPECT_EQ(lutfhe_ok({"client", "predict", "--server", url, "--token", token, "--ca-cert", cert,
                       "--model", "tiny", "--input", m.input_csv.string(), "--cache",
                       (dir / "cache").string(), "-q"}),
            expected);
  const CliResult untrusted = run_cli({"client", "models", "--server", url, "--token", token});
  EXPECT_EQ(untrusted.exit_code, 2) << untrusted.describe();
  const CliResult plain = run_cli({"client", "models", "--server", server.url(), "--token", token});
  EXPECT_NE(plain.exit_code, 0) << "plain HTTP to a TLS port fails";
}

}  // namespace
}  // namespace lutfhe::testing

namespace lutfhe::testing {
namespace {

// Retention: finished jobs (and their files) and unused keys disappear after their time.
TEST(ServiceEndToEnd, RetentionRemovesFinishedJobsAndUnusedKeys) {
  const TinyModel& m = tiny_model();
  const fs::path dir = fresh_dir("retention");
  ServerProcess server(dir / "data", {"--retention-hours", "0.0005", "--key-retention-hours",
                                      "0.001", "--cleanup-seconds", "0.5"});
  auto client = connect(server.url(), new_token(dir / "data", "alice"));
  const std::string job = submit_job(*client, m.input);
  ASSERT_EQ(wait_done(*client, job, 60), "done");
  EXPECT_TRUE(eventually(20, [&] { return client->get("/v1/jobs/" + job).status == 404; }))
      << "a finished job outlived its retention (1.8 s)";
  // The row goes first, then its files: the sweep removes them right after.
  EXPECT_TRUE(eventually(5, [&] { return !fs::exists(dir / "data" / "jobs" / job); }));
  EXPECT_TRUE(eventually(20, [&] { return client->get("/v1/keys/" + m.key_id).status == 404; }))
      << "an unused key outlived its retention (3.6 s)";
  EXPECT_TRUE(eventually(
      5, [&] { return !fs::exists(dir / "data" / "keys" / "1" / (m.key_id + ".key")); }));
}

}  // namespace
}  // namespace lutfhe::testing

namespace lutfhe::testing {
namespace {

// Two uploads of one job's input at once: one queues the job, the other is refused, and the
// job computes from an intact input.
TEST(ServiceConcurrency, RacingInputsForOneJob) {
  const TinyModel& m = tiny_model();
  const fs::path dir = fresh_dir("race");
  const std::string expected = reference_result(m.input, dir / "reference.ct");
  ServerProcess server(dir / "data");
  const std::string token = new_token(dir / "data", "alice");
  auto client = connect(server.url(), token);
  submit_job(*client, m.input);  // stores the key
  for (int round = 0; round < 5; ++round) {
    const auto created =
        client->post_json("/v1/jobs", "{\"model\":\"tiny\",\"key_id\":\"" + m.key_id + "\"}");
    ASSERT_EQ(created.status, 201);
    rapidjson::Document doc;
    std::string error, id;
    service::parse_json_object(created.body, doc, error);
    service::string_member(doc, "job_id", id, error);
    int statuses[2] = {0, 0};
    std::vector<std::thread> uploads;
    for (int i = 0; i < 2; ++i) {
      uploads.emplace_back([&, i] {
        auto c = connect(server.url(), token);
        statuses[i] = c->put_file("/v1/jobs/" + id + "/input", m.input).status;
      });
    }
    for (auto& t : uploads) t.join();
    EXPECT_EQ((statuses[0] == 202) + (statuses[1] == 202), 1) << statuses[0] << " " << statuses[1];
    EXPECT_TRUE(statuses[0] == 409 || statuses[1] == 409) << statuses[0] << " " << statuses[1];
    ASSERT_EQ(wait_done(*client, id, 60), "done");
    std::string dl_error;
    ASSERT_EQ(client->download("/v1/jobs/" + id + "/result", dir / "r.ct", dl_error), 200);
    EXPECT_EQ(file_bytes(dir / "r.ct"), expected);
  }
}

}  // namespace
}  // namespace lutfhe::testing
