// The key cache, and the SQLite job store on its own: idempotent creation, isolation between
// clients, fair claims, leases, and completion exactly once. (The PostgreSQL store runs the same
// contract in test_service_recovery.cpp against a real server.)
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "service/ids.hpp"
#include "service/key_cache.hpp"
#include "service/sqlite_job_store.hpp"
#include "tests/service/service_fixture.hpp"

namespace lutfhe::service {
namespace {

using testing::fresh_dir;

JobRecord job_for(std::int64_t client, const std::string& idempotency = {}) {
  JobRecord j;
  j.id = new_job_id();
  j.client = client;
  j.model = "tiny";
  j.key_id = std::string(32, 'a');
  j.idempotency_key = idempotency;
  return j;
}

std::string queued_job(JobStore& s, std::int64_t client) {
  const auto [job, created] = s.create_job(job_for(client));
  EXPECT_TRUE(created);
  EXPECT_TRUE(s.queue_job(job.id, "jobs/" + job.id + "/input.ct", 3, 0.5));
  return job.id;
}

TEST(ServiceJobStore, IdsTokensAndShapes) {
  const std::string a = new_job_id(), b = new_job_id();
  EXPECT_TRUE(is_hex_id(a));
  EXPECT_NE(a, b);
  const std::string token = new_token();
  EXPECT_EQ(token.size(), 67u);
  EXPECT_EQ(token_digest(token), token_digest(token));
  EXPECT_NE(token_digest(token), token_digest(new_token()));
  EXPECT_EQ(token_digest(token).find(token.substr(3, 16)), std::string::npos);
  for (const char* bad : {"", "..", "../etc/passwd", "ABCDEF0123456789abcdef0123456789",
                          "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0"}) {
    EXPECT_FALSE(is_hex_id(bad)) << bad;
  }
  EXPECT_TRUE(is_model_name("mnist_v2.1-x"));
  EXPECT_FALSE(is_model_name(".."));
  EXPECT_FALSE(is_model_name("a/b"));
  EXPECT_FALSE(is_idempotency_key("with space"));
}

TEST(ServiceJobStore, ClientsKeysAndJobsAreIsolated) {
  auto s = open_sqlite_job_store(fresh_dir("store") / "service.db");
  const auto alice = s->add_client("alice", token_digest("ta"));
  const auto bob = s->add_client("bob", token_digest("tb"));
  EXPECT_THROW(s->add_client("alice", token_digest("tc")), InvalidArgument);
  EXPECT_EQ(s->client_by_token(token_digest("tb"))->id, bob.id);
  EXPECT_FALSE(s->client_by_token(token_digest("nope")));

  const KeyRecord key{alice.id, std::string(32, 'b'), "fp", "TOY", "keys/1/b.key", 10, 0, 0};
  EXPECT_TRUE(s->put_key(key).second);
  EXPECT_FALSE(s->put_key(key).second) << "a key is stored once per key id";
  EXPECT_TRUE(s->find_key(alice.id, key.key_id));
  EXPECT_FALSE(s->find_key(bob.id, key.key_id));
  EXPECT_FALSE(s->delete_key(bob.id, key.key_id));

  const std::string id = queued_job(*s, alice.id);
  EXPECT_TRUE(s->find_job(alice.id, id));
  EXPECT_FALSE(s->find_job(bob.id, id));
  EXPECT_FALSE(s->delete_job(bob.id, id));
  EXPECT_EQ(s->list_jobs(bob.id, 10).size(), 0u);
  EXPECT_EQ(s->list_jobs(alice.id, 10).size(), 1u);
  EXPECT_TRUE(s->delete_job(alice.id, id));
  EXPECT_FALSE(s->find_job(alice.id, id));
  EXPECT_TRUE(s->remove_client("bob"));
  EXPECT_FALSE(s->client_by_token(token_digest("tb"))) << "a revoked token no longer works";
  EXPECT_FALSE(s->remove_client("bob"));
}

TEST(ServiceJobStore, IdempotencyKeyReturnsTheSameJob) {
  auto s = open_sqlite_job_store(fresh_dir("store") / "service.db");
  const auto alice = s->add_client("alice", token_digest("ta"));
  const auto bob = s->add_client("bob", token_digest("tb"));
  const auto [first, created1] = s->create_job(job_for(alice.id, "retry-1"));
  const auto [second, created2] = s->create_job(job_for(alice.id, "retry-1"));
  EXPECT_TRUE(created1);
  EXPECT_FALSE(created2);
  EXPECT_EQ(first.id, second.id);
  const auto [other, created3] = s->create_job(job_for(bob.id, "retry-1"));
  EXPECT_TRUE(created3) << "idempotency keys are per client";
  EXPECT_NE(other.id, first.id);
}

TEST(ServiceJobStore, ClaimsAreFairAcrossClients) {
  auto s = open_sqlite_job_store(fresh_dir("store") / "service.db");
  const auto alice = s->add_client("alice", token_digest("ta"));
  const auto bob = s->add_client("bob", token_digest("tb"));
  for (int i = 0; i < 4; ++i) queued_job(*s, alice.id);
  queued_job(*s, bob.id);
  queued_job(*s, bob.id);
  // Alice queued four jobs first; Bob's two must not wait behind all of them.
  std::vector<std::int64_t> order;
  while (auto j = s->claim_job("w", 60)) {
    order.push_back(j->client);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct claim times
  }
  ASSERT_EQ(order.size(), 6u);
  EXPECT_EQ(order[0], alice.id);
  EXPECT_EQ(order[1], bob.id);
  EXPECT_EQ(order[2], alice.id);
  EXPECT_EQ(order[3], bob.id);
}

TEST(ServiceJobStore, CompletionHappensOnceAndOnlyForTheLeaseHolder) {
  auto s = open_sqlite_job_store(fresh_dir("store") / "service.db");
  const auto alice = s->add_client("alice", token_digest("ta"));
  const std::string id = queued_job(*s, alice.id);
  const auto first = s->claim_job("w1", 0.05);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->attempt, 1);
  EXPECT_FALSE(s->claim_job("w2", 60)) << "the lease still holds";
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  const auto second = s->claim_job("w2", 60);
  ASSERT_TRUE(second) << "an expired lease is taken over";
  EXPECT_EQ(second->id, id);
  EXPECT_EQ(second->attempt, 2);
  EXPECT_FALSE(s->heartbeat(id, "w1", 1, 60, 1)) << "the first worker lost its lease";
  EXPECT_FALSE(s->complete_job(id, "w1", 1, "r1", 7));
  EXPECT_TRUE(s->heartbeat(id, "w2", 2, 60, 2));
  EXPECT_TRUE(s->complete_job(id, "w2", 2, "r2", 7));
  EXPECT_FALSE(s->complete_job(id, "w2", 2, "r2", 7)) << "completes exactly once";
  const auto done = s->find_job(alice.id, id);
  EXPECT_EQ(done->state, JobState::kDone);
  EXPECT_EQ(done->result_path, "r2");
  EXPECT_EQ(s->counts().bootstraps, 7u);
  EXPECT_EQ(s->counts().by_state[static_cast<int>(JobState::kDone)], 1u);
}

TEST(ServiceJobStore, RequeueAfterCrashAndRetention) {
  const auto dir = fresh_dir("store");
  std::string id;
  {
    auto s = open_sqlite_job_store(dir / "service.db");
    const auto alice = s->add_client("alice", token_digest("ta"));
    id = queued_job(*s, alice.id);
    ASSERT_TRUE(s->claim_job("w1", 3600));
  }
  auto s = open_sqlite_job_store(dir / "service.db");  // the process died; the file remains
  EXPECT_EQ(s->requeue_running(), 1u);
  const auto again = s->claim_job("w2", 60);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, id);
  EXPECT_TRUE(s->complete_job(id, "w2", again->attempt, "r", 1));
  EXPECT_TRUE(s->expired_jobs(s->now() - 3600, 0).empty());
  EXPECT_EQ(s->expired_jobs(s->now() + 1, 0).size(), 1u);
}

}  // namespace
}  // namespace lutfhe::service

namespace lutfhe::service {
namespace {

// Two TOY evaluation keys that differ (another client key each).
struct TwoKeys {
  testing::fs::path a, b;
};
const TwoKeys& two_keys() {
  static const TwoKeys keys = [] {
    const auto dir = fresh_dir("keys");
    for (const char* name : {"a", "b"}) {
      testing::lutfhe_ok({"keygen", "--params", "TOY", "--client-key",
                          (dir / (std::string(name) + ".ck")).string(), "--server-key",
                          (dir / (std::string(name) + ".ek")).string(), "--seeded", "-q"});
    }
    return TwoKeys{dir / "a.ek", dir / "b.ek"};
  }();
  return keys;
}

TEST(ServiceKeyCache, LoadsOnceEvictsLeastRecentlyUsedUnderItsBudget) {
  const TwoKeys& k = two_keys();
  const std::uint64_t one = [&] {
    KeyCache probe(1ull << 40);
    probe.get(k.a);
    return probe.stats().bytes;
  }();
  ASSERT_GT(one, 1000000u);
  KeyCache cache(one + one / 2);  // room for one key only
  // Two threads want the same key at once: one load.
  std::shared_ptr<const ServerKey> x, y;
  std::thread t1([&] { x = cache.get(k.a); });
  std::thread t2([&] { y = cache.get(k.a); });
  t1.join();
  t2.join();
  EXPECT_EQ(x.get(), y.get());
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().hits, 1u);
  const auto b = cache.get(k.b);
  EXPECT_NE(b->key_id(), x->key_id());
  EXPECT_EQ(cache.stats().evictions, 1u) << "a made room for b";
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_LE(cache.stats().bytes, cache.stats().budget);
  EXPECT_EQ(x->key_id(), cache.get(k.a)->key_id()) << "the evicted key is loaded again";
  EXPECT_EQ(cache.stats().misses, 3u);
  cache.forget(k.a);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_THROW(cache.get(k.a.parent_path() / "a.ck"), KeyMismatch) << "a client key is refused";
}

}  // namespace
}  // namespace lutfhe::service
