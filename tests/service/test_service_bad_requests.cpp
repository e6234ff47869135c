// Bad requests get a 4xx with a JSON body holding one readable line, and the server keeps
// serving everyone else: malformed JSON, truncated, oversized and lying uploads, a client key,
// a key for other parameters, a batch under another key, path tricks, foreign ids, missing
// tokens, slow clients.
#include <gtest/gtest.h>

#include <thread>

#include "service/client_calls.hpp"
#include "service/json.hpp"
#include "tests/service/service_fixture.hpp"
#include "tests/support/cli_runner.hpp"

namespace lutfhe::testing {
namespace {

// A 4xx whose body is {"error": "<one line>"}.
void expect_json_error(const RawAnswer& a, const std::string& what, int status = 0) {
  EXPECT_GE(a.status, 400) << what << ": " << a.head;
  EXPECT_LT(a.status, 500) << what << ": " << a.head << "\n" << a.body;
  if (status) {
    EXPECT_EQ(a.status, status) << what << ": " << a.body;
  }
  rapidjson::Document doc;
  std::string error, message;
  ASSERT_TRUE(service::parse_json_object(a.body, doc, error)) << what << ": " << a.body;
  ASSERT_TRUE(service::string_member(doc, "error", message, error)) << what;
  EXPECT_FALSE(message.empty()) << what;
  EXPECT_EQ(message.find('\n'), std::string::npos) << what << ": " << message;
}

std::string request(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body, const std::string& extra_headers = {},
                    std::size_t content_length = SIZE_MAX) {
  return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") + extra_headers +
         "Content-Length: " +
         std::to_string(content_length == SIZE_MAX ? body.size() : content_length) +
         "\r\nConnection: close\r\n\r\n" + body;
}

class ServiceBadRequests : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fresh_dir("bad"));
    server_ = new ServerProcess(
        *dir_ / "data", {"--read-timeout", "1", "--max-input-mb", "1", "--request-seconds", "20"});
    alice_ = new std::string(new_token(*dir_ / "data", "alice"));
    bob_ = new std::string(new_token(*dir_ / "data", "bob"));
    auto client = connect(server_->url(), *alice_);
    job_ = new std::string(submit_job(*client, tiny_model().input));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    delete alice_;
    delete bob_;
    delete job_;
  }
  // A fresh job of Alice's awaiting its input.
  static std::string created_job() {
    auto client = connect(server_->url(), *alice_);
    const auto a = client->post_json(
        "/v1/jobs", "{\"model\":\"tiny\",\"key_id\":\"" + tiny_model().key_id + "\"}");
    rapidjson::Document doc;
    std::string error, id;
    service::parse_json_object(a.body, doc, error);
    service::string_member(doc, "job_id", id, error);
    return id;
  }
  static int port() { return server_->port(); }
  static inline fs::path* dir_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
  static inline std::string* alice_ = nullptr;
  static inline std::string* bob_ = nullptr;
  static inline std::string* job_ = nullptr;
};

TEST_F(ServiceBadRequests, MalformedJsonAndFields) {
  for (const std::string& body : std::vector<std::string>{
           "{\"model\":", "[1,2]", "not json", "{\"model\":5,\"key_id\":1}", "{\"model\":\"tiny\"}",
           "{\"model\":\"nope\",\"key_id\":\"" + std::string(32, 'a') + "\"}"}) {
    expect_json_error(raw_request(port(), request("POST", "/v1/jobs", *alice_, body), false),
                      "POST /v1/jobs " + body);
  }
  // A chunked body cannot be bounded before it is read.
  expect_json_error(
      raw_request(port(),
                  "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + *alice_ +
                      "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                      "5\r\nhello\r\n0\r\n\r\n",
                  false),
      "chunked");
  expect_json_error(raw_request(port(), request("POST", "/v1/jobs", *alice_, "", "", 0), false),
                    "empty body");
}

TEST_F(ServiceBadRequests, TruncatedOversizedAndLyingUploads) {
  const std::string input = file_bytes(tiny_model().input);
  // Cut short: the body stops before Content-Length bytes arrived (the server gives up after
  // its read timeout, 1 s here, and answers).
  std::string job = created_job();
  RawAnswer a = raw_request(port(),
                            request("PUT", "/v1/jobs/" + job + "/input", *alice_,
                                    input.substr(0, input.size() / 2), "", input.size()),
                            false);
  expect_json_error(a, "truncated upload");
  auto client = connect(server_->url(), *alice_);
  EXPECT_EQ(job_state(*client, job), "created") << "nothing was queued";
  // Content-Length smaller than the body: the upload is judged on what it announced.
  a = raw_request(
      port(), request("PUT", "/v1/jobs/" + job + "/input", *alice_, input, "", input.size() - 40),
      false);
  expect_json_error(a, "lying (short) Content-Length", 400);
  // Oversized: refused from the header, before the body is read.
  a = raw_request(port(), request("PUT", "/v1/jobs/" + job + "/input", *alice_, "xx", "", 2u << 20),
                  false);
  expect_json_error(a, "oversized input", 413);
  a = raw_request(port(),
                  request("PUT", "/v1/keys/" + tiny_model().key_id + "?model=tiny", *alice_, "", "",
                          99999999999999ull),
                  false);
  expect_json_error(a, "absurd Content-Length", 413);
  a = raw_request(
      port(),
      request("PUT", "/v1/jobs/" + job + "/input", *alice_, "x", "Content-Length: nonsense\r\n"),
      false);
  EXPECT_GE(a.status, 400);
  EXPECT_LT(a.status, 500);
  // Large bodies on routes that take none are refused unread.
  expect_json_error(
      raw_request(port(), request("GET", "/v1/models", *alice_, "", "", 1u << 30), false),
      "body on a GET", 413);
  EXPECT_TRUE(fs::is_empty(*dir_ / "data" / "uploads")) << "no partial upload is left";
}

// The server publishes its upload limits; the client compares a file with them before it
// creates a job or sends a byte (upload_key and submit_job call check_upload_size), so the user
// reads both sizes instead of a broken connection (a 413 answered from Content-Length while the
// client still writes its body).
TEST_F(ServiceBadRequests, ClientRefusesFilesAboveTheServersLimitsBeforeSending) {
  auto client = connect(server_->url(), *alice_);
  const auto health = client->get("/v1/health");
  ASSERT_EQ(health.status, 200);
  rapidjson::Document doc;
  std::string error;
  ASSERT_TRUE(service::parse_json_object(health.body, doc, error)) << health.body;
  ASSERT_TRUE(doc.HasMember("limits")) << health.body;
  const std::uint64_t max_input = doc["limits"]["max_input_bytes"].GetUint64();
  EXPECT_EQ(max_input, 1u << 20);  // --max-input-mb 1
  EXPECT_GT(doc["limits"]["max_key_bytes"].GetUint64(), 0u);
  EXPECT_NO_THROW(service::check_upload_size(*client, service::UploadKind::kInput, max_input));
  try {
    service::check_upload_size(*client, service::UploadKind::kInput, max_input + 1);
    ADD_FAILURE() << "accepted an input above the limit";
  } catch (const service::ServiceError& e) {
    EXPECT_EQ(e.status(), 413);
    const std::string what = e.what();
    EXPECT_NE(what.find(std::to_string(max_input + 1)), std::string::npos) << what;
    EXPECT_NE(what.find(std::to_string(max_input)), std::string::npos) << what;
    EXPECT_NE(what.find("--max-input-bytes"), std::string::npos) << what;
  }
}

TEST_F(ServiceBadRequests, WrongFilesAreRefusedByKindParametersAndKey) {
  const TinyModel& m = tiny_model();
  const fs::path dir = fresh_dir("wrong-files");
  // A client key: refused by its kind before anything is stored.
  const std::string client_key = file_bytes(m.client_key);
  RawAnswer a = raw_request(
      port(), request("PUT", "/v1/keys/" + m.key_id + "?model=tiny", *bob_, client_key), false);
  expect_json_error(a, "client key", 400);
  EXPECT_NE(a.body.find("client key"), std::string::npos) << a.body;
  EXPECT_FALSE(fs::exists(*dir_ / "data" / "keys" / "2")) << "the secret key reached the disk";
  // A key for other parameters (TOY with another n).
  lutfhe_ok({"keygen", "--params", "TOY", "--n", "72", "--client-key", (dir / "ck").string(),
             "--server-key", (dir / "ek").string(), "--seeded", "-q"});
  auto bob = connect(server_->url(), *bob_);
  const std::string other_id = to_hex_id(dir / "ek");
  auto answer = bob->put_file("/v1/keys/" + other_id + "?model=tiny", dir / "ek");
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_NE(answer.body.find("parameters"), std::string::npos) << answer.body;
  // The right kind under another id than the URL says.
  answer = bob->put_file("/v1/keys/" + std::string(32, 'a') + "?model=tiny", m.eval_key);
  EXPECT_EQ(answer.status, 400) << answer.body;
  // A batch made with another key than the job's.
  lutfhe_ok({"keygen", "--spec", m.spec.string(), "--client-key", (dir / "ck2").string(),
             "--server-key", (dir / "ek2").string(), "--seeded", "-q"});
  lutfhe_ok({"encrypt", "--spec", m.spec.string(), "--client-key", (dir / "ck2").string(),
             "--input", m.input_csv.string(), "--out", (dir / "in2.ct").string(), "-q"});
  const std::string job = created_job();
  auto alice = connect(server_->url(), *alice_);
  answer = alice->put_file("/v1/jobs/" + job + "/input", dir / "in2.ct");
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_NE(answer.body.find("key"), std::string::npos) << answer.body;
  // A key file where ciphertexts are expected.
  const std::string head_of_key = file_bytes(m.eval_key).substr(0, 4096);
  a = raw_request(port(), request("PUT", "/v1/jobs/" + job + "/input", *alice_, head_of_key),
                  false);
  expect_json_error(a, "evaluation key as input", 400);
  EXPECT_NE(a.body.find("expected"), std::string::npos) << a.body;
  EXPECT_EQ(job_state(*alice, job), "created");
}

TEST_F(ServiceBadRequests, PathTricksForeignIdsAndTokens) {
  for (const std::string& path : std::vector<std::string>{
           "/v1/jobs/../../service.db", "/v1/jobs/%2e%2e%2f%2e%2e%2fservice.db",
           "/v1/jobs/..%2F..%2Fkeys", "/v1/jobs/" + std::string(32, 'A'),
           "/v1/jobs/" + *job_ + "%00", "/v1/keys/..%2f1%2f" + tiny_model().key_id,
           "/v1/models/..%2f..%2fetc/client-spec"}) {
    const RawAnswer a = raw_request(port(), request("GET", path, *alice_, ""), false);
    expect_json_error(a, path);
    EXPECT_TRUE(a.status == 404 || a.status == 400) << path << ": " << a.status;
  }
  // Bob asks for Alice's job: exactly the answer of an unknown job.
  const RawAnswer foreign =
      raw_request(port(), request("GET", "/v1/jobs/" + *job_, *bob_, ""), false);
  const RawAnswer unknown =
      raw_request(port(), request("GET", "/v1/jobs/" + std::string(32, '0'), *bob_, ""), false);
  expect_json_error(foreign, "foreign job", 404);
  EXPECT_EQ(foreign.body, unknown.body);
  expect_json_error(raw_request(port(), request("DELETE", "/v1/jobs/" + *job_, *bob_, ""), false),
                    "foreign delete", 404);
  expect_json_error(
      raw_request(port(), request("PUT", "/v1/jobs/" + *job_ + "/input", *bob_, "x"), false),
      "foreign input", 404);
  expect_json_error(
      raw_request(port(), request("GET", "/v1/keys/" + tiny_model().key_id, *bob_, ""), false),
      "foreign key", 404);
  for (const std::string wait : {"abc", "61", "-1", "1e400", ""}) {
    expect_json_error(
        raw_request(port(), request("GET", "/v1/jobs/" + *job_ + "?wait=" + wait, *alice_, ""),
                    false),
        "wait=" + wait, 400);
  }
  // Tokens.
  expect_json_error(raw_request(port(), request("GET", "/v1/jobs", "", ""), false), "no token",
                    401);
  expect_json_error(raw_request(port(), request("GET", "/v1/jobs", "lf_guess", ""), false),
                    "bad token", 401);
  expect_json_error(raw_request(port(),
                                "GET /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
                                "YTpi\r\nConnection: close\r\n\r\n",
                                false),
                    "basic auth", 401);
  expect_json_error(raw_request(port(), request("GET", "/v1/nothing", *alice_, ""), false),
                    "unknown route", 404);
  auto alice = connect(server_->url(), *alice_);
  EXPECT_EQ(wait_done(*alice, *job_, 60), "done") << "Alice's job survived all of it";
}

TEST_F(ServiceBadRequests, SlowClientsAreDroppedWhileOthersAreServed) {
  // Half a request line, then silence: the server drops it after its read timeout (1 s).
  std::vector<std::thread> slow;
  std::vector<RawAnswer> answers(4);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    slow.emplace_back([&, i] {
      const std::string partial =
          i % 2 ? "PUT /v1/keys/" + tiny_model().key_id +
                      "?model=tiny HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + *alice_ +
                      "\r\nContent-Length: 100000\r\n\r\nLUTFHE"
                : std::string("GET /v1/hea");
      answers[i] = raw_request(port(), partial, false, 15);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto alice = connect(server_->url(), *alice_);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(alice->get("/v1/health").status, 200);
  EXPECT_EQ(alice->get("/v1/jobs/" + *job_).status, 200);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0)
      << "others are served while slow clients hang";
  for (auto& t : slow) t.join();
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(waited, 10.0) << "slow connections are dropped, not kept for the client's 15 s";
  for (const auto& a : answers) EXPECT_TRUE(a.closed || a.status >= 400);
  EXPECT_EQ(alice->get("/v1/health").status, 200);
}

}  // namespace
}  // namespace lutfhe::testing
