#include "tests/service/service_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "core/file_format.hpp"
#include "core/hex.hpp"
#include "service/json.hpp"
#include "tests/support/cli_runner.hpp"
#include "tests/support/file_test_support.hpp"

extern char** environ;

namespace lutfhe::testing {

std::string to_hex_id(const fs::path& file) {
  return to_hex(read_file_header(file).key_id);
}

fs::path fresh_dir(const std::string& name) {
  static TempDir root("lutfhe-service-test");
  static int counter = 0;
  const fs::path dir = root.path() / (name + "-" + std::to_string(++counter));
  fs::create_directories(dir);
  return dir;
}

Process::Process(const std::vector<std::string>& args, const fs::path& log, const std::string& user)
    : log_(log) {
  std::vector<std::string> full = args;
  if (!user.empty()) {
    // setpriv execs the program itself (no extra parent), so signals reach it directly.
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw) throw std::runtime_error("no user " + user);
    full.insert(full.begin(), {"/usr/bin/setpriv", "--reuid=" + std::to_string(pw->pw_uid),
                               "--regid=" + std::to_string(pw->pw_gid), "--clear-groups", "--"});
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, full[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + full[0] + ": " + std::strerror(rc));
}

Process::~Process() {
  if (!reaped_) {
    kill9();
    wait(10);
  }
}

void Process::signal(int sig) {
  if (!reaped_ && pid_ > 0) ::kill(pid_, sig);
}

void Process::kill9() {
  if (!reaped_ && pid_ > 0) ::kill(pid_, SIGKILL);
}

bool Process::running() {
  if (reaped_) return false;
  const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) reaped_ = true;
  return !reaped_;
}

int Process::wait(double seconds) {
  eventually(seconds, [&] { return !running(); });
  if (!reaped_) return -1000;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return WIFSIGNALED(status_) ? -WTERMSIG(status_) : -999;
}

std::string Process::log_text() const {
  return file_bytes(log_);
}

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string lutfhe_ok(const std::vector<std::string>& args) {
  const CliResult r = run_cli(args);
  if (r.exit_code != 0) {
    std::string line = "lutfhe";
    for (const auto& a : args) line += " " + a;
    ADD_FAILURE() << line << ": " << r.describe();
  }
  return r.out;
}

bool eventually(double seconds, const std::function<bool()>& done) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

namespace {

std::string csv_rows(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += std::to_string(i % 4) + "," + std::to_string((i / 4) % 4) + "," +
           std::to_string((i * 3) % 4) + ".5," + std::to_string((i * 7) % 3) + "\n";
  }
  return out;
}

TinyModel make_tiny_model() {
  TinyModel m;
  m.dir = fresh_dir("tiny-model");
  const fs::path compiled = m.dir / "compiled";
  m.models = m.dir / "models";
  fs::create_directories(m.models / "tiny");
  fs::create_directories(m.dir / "client");
  std::ofstream(m.dir / "calibration.csv") << csv_rows(48);
  lutfhe_ok({"compile", "--model",
             std::string(LUTFHE_SOURCE_DIR) + "/examples/models/tiny_mlp.json", "--calibration",
             (m.dir / "calibration.csv").string(), "--out", compiled.string(), "--params", "TOY",
             "--rounding-bits", "5", "-q"});
  m.spec = m.models / "tiny" / "client.spec";
  m.circuit = m.models / "tiny" / "server.circuit";
  fs::copy_file(compiled / "client.spec", m.spec);
  fs::copy_file(compiled / "server.circuit", m.circuit);
  m.client_key = m.dir / "client" / "client.key";
  m.eval_key = m.dir / "client" / "eval.key";
  lutfhe_ok({"keygen", "--spec", m.spec.string(), "--client-key", m.client_key.string(),
             "--server-key", m.eval_key.string(), "--seeded", "-q"});
  m.input_csv = m.dir / "x.csv";
  std::ofstream(m.input_csv) << "1.0,0.5,0.25,2.0\n3,0,0,0.5\n0,3.5,1,1\n";
  m.input = m.dir / "in.ct";
  lutfhe_ok({"encrypt", "--spec", m.spec.string(), "--client-key", m.client_key.string(), "--input",
             m.input_csv.string(), "--out", m.input.string(), "-q"});
  m.big_samples = 60;
  std::ofstream(m.dir / "big.csv") << csv_rows(m.big_samples);
  m.big_input = m.dir / "big.ct";
  lutfhe_ok({"encrypt", "--spec", m.spec.string(), "--client-key", m.client_key.string(), "--input",
             (m.dir / "big.csv").string(), "--out", m.big_input.string(), "-q"});
  m.key_id = to_hex(read_file_header(m.eval_key).key_id);
  return m;
}

}  // namespace

const TinyModel& tiny_model() {
  static const TinyModel m = make_tiny_model();
  return m;
}

std::string reference_result(const fs::path& input, const fs::path& out) {
  const TinyModel& m = tiny_model();
  lutfhe_ok({"run", "--circuit", m.circuit.string(), "--server-key", m.eval_key.string(), "--in",
             input.string(), "--out", out.string(), "--threads", "1", "-q"});
  return file_bytes(out);
}

ServerProcess::ServerProcess(const fs::path& data, std::vector<std::string> extra, fs::path models)
    : data_(data), extra_(std::move(extra)), models_(std::move(models)) {
  if (models_.empty()) models_ = tiny_model().models;
  start();
}

ServerProcess::~ServerProcess() = default;

void ServerProcess::start() {
  fs::create_directories(data_);
  const fs::path port_file = data_ / ("port-" + std::to_string(++starts_));
  std::vector<std::string> args = {
      cli_path().string(), "serve",  "--models", models_.string(), "--data",
      data_.string(),      "--port", "0",        "--port-file",    port_file.string(),
      "--threads-per-job", "1"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  process_ = std::make_unique<Process>(args, data_ / "serve.log");
  const bool up = eventually(60, [&] { return fs::exists(port_file) || !process_->running(); });
  if (!up || !fs::exists(port_file)) {
    throw std::runtime_error("lutfhe serve did not start: " + process_->log_text());
  }
  port_ = std::stoi(file_bytes(port_file));
}

void ServerProcess::restart() {
  process_->kill9();
  process_->wait();
  start();
}

std::string new_token(const fs::path& data, const std::string& name, const std::string& queue) {
  std::vector<std::string> args = {"token", "--data", data.string(), "--name", name};
  if (!queue.empty()) args.insert(args.end(), {"--queue", queue});
  std::string out = lutfhe_ok(args);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::unique_ptr<service::ServiceClient> connect(const std::string& url, const std::string& token) {
  service::ClientOptions o;
  o.token = token;
  o.timeout_seconds = 30;
  return std::make_unique<service::ServiceClient>(url, o);
}

std::string submit_job(service::ServiceClient& client, const fs::path& input,
                       const std::string& idempotency_key) {
  const TinyModel& m = tiny_model();
  if (client.get("/v1/keys/" + m.key_id).status != 200) {
    service::ServiceClient::require(
        client.put_file("/v1/keys/" + m.key_id + "?model=tiny", m.eval_key), 201, 200);
  }
  const auto created = client.post_json(
      "/v1/jobs", "{\"model\":\"tiny\",\"key_id\":\"" + m.key_id + "\"}", idempotency_key);
  service::ServiceClient::require(created, 201, 200);
  rapidjson::Document doc;
  std::string error, id, state;
  service::parse_json_object(created.body, doc, error);
  service::string_member(doc, "job_id", id, error);
  service::string_member(doc, "state", state, error);
  if (state == "created") {
    service::ServiceClient::require(client.put_file("/v1/jobs/" + id + "/input", input), 202);
  }
  return id;
}

std::string job_state(service::ServiceClient& client, const std::string& job, double wait) {
  const auto a = client.get("/v1/jobs/" + job + (wait > 0 ? "?wait=" + std::to_string(wait) : ""));
  if (a.status != 200) return "http-" + std::to_string(a.status);
  rapidjson::Document doc;
  std::string error, state;
  service::parse_json_object(a.body, doc, error);
  service::string_member(doc, "state", state, error);
  return state;
}

std::string wait_done(service::ServiceClient& client, const std::string& job, double seconds) {
  std::string state;
  eventually(seconds, [&] {
    state = job_state(client, job, 2);
    return state == "done" || state == "failed";
  });
  return state;
}

RawAnswer raw_request(int port, const std::string& bytes, bool shutdown_write, double seconds) {
  RawAnswer a;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return a;
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  if (shutdown_write) ::shutdown(fd, SHUT_WR);
  std::string in;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          end - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      a.closed = true;
      break;
    }
    in.append(buf, static_cast<std::size_t>(n));
    // One answer is enough once its body (Content-Length) is complete.
    const auto head_end = in.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const auto cl = in.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) {
        const auto len = std::stoul(in.substr(cl + 16));
        if (in.size() >= head_end + 4 + len) break;
      }
    }
  }
  ::close(fd);
  const auto head_end = in.find("\r\n\r\n");
  a.head = in.substr(0, head_end);
  if (head_end != std::string::npos) a.body = in.substr(head_end + 4);
  if (in.rfind("HTTP/1.1 ", 0) == 0 && in.size() >= 12) a.status = std::stoi(in.substr(9, 3));
  return a;
}

std::string decrypt(const Training& t, const fs::path& weights) {
  return lutfhe_ok({"train-encrypted", "decrypt", "--spec", t.spec.string(), "--client-key",
                    t.client_key.string(), "--weights", weights.string()});
}

Training make_training(const std::string& name, int epochs) {
  Training t;
  t.dir = fresh_dir(name);
  t.models = t.dir / "models";
  t.step = t.models / "sgd";
  const fs::path& dir = t.dir;
  std::ofstream(dir / "train.csv") << "0.5,-1,0.25,1\n-0.75,0.5,1,-0.5\n1,1,-1,0\n"
                                      "-1,-0.25,0.5,0.75\n0.25,0.75,-0.5,-1\n-0.5,0,1,0.5\n";
  std::ofstream(dir / "labels.csv") << "1\n0\n1\n0\n1\n0\n";
  lutfhe_ok({"train-encrypted", "compile", "--features", "4", "--batch", "2", "--params", "TOY",
             "--out", t.step.string()});
  t.spec = t.step / "step.spec";
  t.client_key = dir / "client.key";
  t.eval_key = dir / "eval.key";
  t.job_input = dir / "job.ct";
  lutfhe_ok({"keygen", "--spec", t.spec.string(), "--client-key", t.client_key.string(),
             "--server-key", t.eval_key.string(), "--seeded", "-q"});
  lutfhe_ok({"train-encrypted", "encrypt", "--spec", t.spec.string(), "--client-key",
             t.client_key.string(), "--train", (dir / "train.csv").string(), "--train-labels",
             (dir / "labels.csv").string(), "--epochs", std::to_string(epochs), "--out-batches",
             (dir / "batches.ct").string(), "--out-weights", (dir / "weights.ct").string(),
             "--out-job", t.job_input.string(), "-q"});
  // The reference: the server's side run by the CLI on the separate files.
  lutfhe_ok({"train-encrypted", "run", "--circuit", (t.step / "step.circuit").string(),
             "--server-key", t.eval_key.string(), "--batches", (dir / "batches.ct").string(),
             "--weights", (dir / "weights.ct").string(), "--out", (dir / "reference.ct").string(),
             "--threads", "1", "-q"});
  t.expected = decrypt(t, dir / "reference.ct");
  return t;
}

}  // namespace lutfhe::testing
