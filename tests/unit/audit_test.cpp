// The audit trail: admin changes (tokens, users, webhooks) recorded without their secrets,
// GET /v1/audit with its filters and derived "before" values, the security headers of API
// answers, and verification of a real SQLite journal and admin log that were edited, reordered
// or cut short.
//
// Each test runs a durable engine on a SQLite journal in a fresh data directory behind a real
// HTTP server on loopback.
#include "http/audit.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "http/api.hpp"
#include "http/server.hpp"
#include "http_client.hpp"
#include "service/audit.hpp"
#include "service/calendar.hpp"
#include "service/data_dir.hpp"
#include "service/engine.hpp"
#include "service/recovery.hpp"
#include "service/tokens.hpp"
#include "service/users.hpp"
#include "service/webhooks.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace creditline::http {
namespace {

using namespace test_client;  // NOLINT: the client and its Response.

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/creditline-audit-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    Result<service::NewToken> admin = service::TokenStore::Initialize(dir_, 0);
    ASSERT_TRUE(admin.ok());
    admin_ = admin->secret;
    admin_actor_ = "token:" + admin->record.token_id;
    tokens_ = std::move(service::TokenStore::Open(dir_).value());
    users_ = std::move(service::UserStore::Open(dir_).value());
    auto store = store::OpenSqliteStore(service::JournalPath(dir_), true);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    Start();
  }
  void TearDown() override {
    Stop();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start() {
    auto reader = store_->OpenReader();
    ASSERT_TRUE(reader.ok());
    State state;
    Result<service::RecoveryReport> report = service::Recover(**reader, &state, nullptr);
    ASSERT_TRUE(report.ok()) << report.error().message;
    service::Durability durability;
    durability.writer = store_->OpenWriter().value();
    durability.tip = report->tip;
    durability.feed_reader = std::move(*reader);
    durability.snapshots = {0, 0, false};
    engine_ = std::make_unique<service::Engine>(*service::BusinessCalendar::ForZone("UTC"),
                                                std::move(state), std::move(durability));
    webhooks_ = std::make_unique<service::WebhookDispatcher>(*engine_, dir_ + "/webhooks.json");
    ASSERT_TRUE(webhooks_->Load().ok());
    ConsoleOptions console;
    console.users = users_.get();
    api_ = std::make_unique<Api>(*engine_, *tokens_, std::move(console));
    api_->set_webhooks(webhooks_.get());
    auto log = service::AdminAuditLog::Open(dir_);
    ASSERT_TRUE(log.ok()) << log.error().message;
    admin_log_ = std::move(*log);
    api_->set_admin_audit_log(admin_log_.get());
    server_ = std::make_unique<Server>(
        [this](HttpRequest request, Reply reply) { api_->Handle(std::move(request), reply); });
    engine_->Start();
    ASSERT_TRUE(server_->Start("127.0.0.1:0", 2).ok());
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  void Stop() {
    client_.reset();
    if (server_) server_->Stop();
    if (engine_) engine_->Stop();
    server_.reset();
    if (api_) api_->set_admin_audit_log(nullptr);
    api_.reset();
    admin_log_.reset();
    webhooks_.reset();
    engine_.reset();
  }

  Response Send(const std::string& method, const std::string& target, const std::string& body) {
    return client_->Send(method, target, body,
                         {{"Authorization", "Bearer " + admin_},
                          {"Idempotency-Key", "audit-" + std::to_string(++keys_)}});
  }
  void Sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(service::JournalPath(dir_).c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &message), SQLITE_OK)
        << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
  }
  // The verify result of the journal as it is now: "" when intact, else the error message.
  std::string VerifyError(bool* anchored = nullptr) {
    auto reader = store_->OpenReader();
    EXPECT_TRUE(reader.ok());
    Result<service::VerifyReport> report = service::Verify(**reader, StateOptions{}, nullptr);
    if (!report.ok()) return report.error().message;
    Result<bool> head = service::CheckJournalHead(*store_);
    if (!head.ok()) return head.error().message;
    if (anchored != nullptr) *anchored = *head;
    return "";
  }
  std::string AdminLogError() {
    Result<uint64_t> entries = service::VerifyAdminAuditLog(dir_);
    return entries.ok() ? "" : entries.error().message;
  }
  // Ten customers: events 1 to 10.
  void CreateCustomers() {
    for (int i = 1; i <= 10; ++i) {
      std::string id = "C" + std::to_string(i);
      ASSERT_EQ(Send("POST", "/v1/customers",
                     json::serialize(json::value{{"customer_id", id},
                                                 {"name", "Customer " + id},
                                                 {"currency", "CNY"},
                                                 {"limit_minor", 100}}))
                    .status,
                201u);
    }
  }

  std::string dir_, admin_, admin_actor_;
  std::unique_ptr<service::TokenStore> tokens_;
  std::unique_ptr<service::UserStore> users_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<service::Engine> engine_;
  std::unique_ptr<service::WebhookDispatcher> webhooks_;
  std::unique_ptr<service::AdminAuditLog> admin_log_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
  int keys_ = 0;
};

std::string FileText(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

TEST_F(AuditTest, AdminChangesAreJournaledWithoutTheirSecrets) {
  Response token =
      Send("POST", "/v1/tokens", R"({"role":"sales","name":"erp","reason":"ERP go-live"})");
  ASSERT_EQ(token.status, 201u) << token.body;
  std::string secret = token.Str("/token"), token_id = token.Str("/token_id");
  ASSERT_EQ(Send("DELETE", "/v1/tokens/" + token_id + "?reason=rotated", "").status, 200u);
  ASSERT_EQ(Send("POST", "/v1/users",
                 R"({"username":"li.wei","password":"first-password-1","role":"analyst"})")
                .status,
            201u);
  ASSERT_EQ(Send("PATCH", "/v1/users/li.wei",
                 R"({"role":"credit_manager","password":"second-password-2","reason":"promoted"})")
                .status,
            200u);
  Response hook = Send("PUT", "/v1/webhooks/ops",
                       R"({"url":"http://127.0.0.1:9/hook","secret":"hook-secret-xyz-1"})");
  ASSERT_EQ(hook.status, 200u) << hook.body;
  ASSERT_EQ(Send("DELETE", "/v1/webhooks/ops", "").status, 200u);

  Response audit = Send("GET", "/v1/audit?source=admin&actor=" + admin_actor_, "");
  ASSERT_EQ(audit.status, 200u) << audit.body;
  ASSERT_EQ(audit.Size("/entries"), 6u) << audit.body;
  EXPECT_EQ(audit.Int("/entries/0/seq"), 1);
  EXPECT_EQ(audit.Str("/entries/0/command"), "token_created");
  EXPECT_EQ(audit.Str("/entries/0/after/role"), "sales");
  EXPECT_EQ(audit.Str("/entries/2/command"), "user_created");
  EXPECT_EQ(audit.Str("/entries/0/subject"), token_id);
  EXPECT_EQ(audit.Str("/entries/0/reason"), "ERP go-live");
  EXPECT_EQ(audit.Str("/entries/0/actor"), admin_actor_);
  EXPECT_FALSE(audit.At("/entries/1/before/revoked").as_bool());
  EXPECT_TRUE(audit.At("/entries/1/after/revoked").as_bool());
  EXPECT_EQ(audit.Str("/entries/1/reason"), "rotated");
  EXPECT_EQ(audit.Str("/entries/3/before/role"), "analyst");
  EXPECT_EQ(audit.Str("/entries/3/after/role"), "credit_manager");
  EXPECT_TRUE(audit.At("/entries/3/after/password_changed").as_bool());
  EXPECT_TRUE(audit.At("/entries/4/after/secret_changed").as_bool());
  EXPECT_EQ(audit.Str("/entries/5/before/url"), "http://127.0.0.1:9/hook");
  EXPECT_EQ(audit.Str("/entries/5/command"), "webhook_deleted");

  Response page = Send("GET", "/v1/audit?source=admin&after=4&limit=1", "");
  ASSERT_EQ(page.Size("/entries"), 1u);
  EXPECT_EQ(page.Int("/entries/0/seq"), 5);
  EXPECT_EQ(page.Int("/next_after"), 5);
  EXPECT_EQ(Send("GET", "/v1/audit?source=admin&customer_id=C1", "").Size("/entries"), 0u);

  // No secret reaches the journal, the admin log or the audit answer.
  Stop();
  std::string journal = FileText(service::JournalPath(dir_)) +
                        FileText(service::JournalPath(dir_) + "-wal") +
                        FileText(dir_ + "/admin-audit.jsonl") + audit.body;
  for (const std::string& leaked :
       {secret, std::string("first-password-1"), std::string("second-password-2"),
        std::string("hook-secret-xyz-1")}) {
    EXPECT_EQ(journal.find(leaked), std::string::npos) << leaked;
  }
  bool anchored = false;
  EXPECT_EQ(VerifyError(&anchored), "");
  EXPECT_TRUE(anchored);
  EXPECT_EQ(AdminLogError(), "");
  EXPECT_EQ(service::VerifyAdminAuditLog(dir_).value(), 6u);
}

TEST_F(AuditTest, VerifyFindsAnEditedReorderedOrCutAdminLog) {
  for (const char* role : {"viewer", "sales", "analyst", "credit_manager"}) {
    ASSERT_EQ(Send("POST", "/v1/tokens", std::string(R"({"role":")") + role + "\"}").status, 201u);
  }
  Stop();
  ASSERT_EQ(AdminLogError(), "");
  const std::string log_path = dir_ + "/admin-audit.jsonl", head_path = dir_ + "/admin-audit.head";
  std::string intact = FileText(log_path), intact_head = FileText(head_path);
  std::vector<std::string> lines;
  for (size_t start = 0; start < intact.size();) {
    size_t end = intact.find('\n', start);
    lines.push_back(intact.substr(start, end + 1 - start));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 4u);
  auto write = [](const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  };
  struct Case {
    const char* what;
    std::string log, head, message;
  };
  std::string edited = lines[1];
  edited.replace(edited.find("sales"), 5, "admin");
  const Case kCases[] = {
      {"an edited entry", lines[0] + edited + lines[2] + lines[3], intact_head,
       "entry 2 was changed after it was written"},
      {"a deleted entry in the middle", lines[0] + lines[2] + lines[3], intact_head,
       "entry 2 is missing or out of order"},
      {"reordered entries", lines[0] + lines[2] + lines[1] + lines[3], intact_head,
       "entry 2 is missing or out of order"},
      {"a deleted last entry", lines[0] + lines[1] + lines[2], intact_head,
       "the log ends at entry 3 but its head anchor says 4: entries 4 to 4 were deleted"},
      {"a deleted log", "", intact_head, "the log ends at entry 0 but its head anchor says 4"},
      {"a deleted head anchor", intact, "", "the head anchor admin-audit.head is missing"},
      {"a head anchor that names another entry", intact, "4 " + std::string(64, '0') + "\n",
       "entry 4 is not the one the head anchor names"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.what);
    write(log_path, c.log);
    if (c.head.empty()) {
      std::filesystem::remove(head_path);
    } else {
      write(head_path, c.head);
    }
    std::string error = AdminLogError();
    EXPECT_NE(error.find(c.message), std::string::npos) << error;
  }
  write(log_path, intact);
  write(head_path, intact_head);
  EXPECT_EQ(AdminLogError(), "");
  // A crash between writing an entry and moving the anchor leaves the entry past the anchor:
  // it still chains, so it is accepted.
  std::string third_hash(json::parse(lines[2]).at("hash").as_string());
  write(head_path, "3 " + third_hash + "\n");
  EXPECT_EQ(AdminLogError(), "");
}

TEST_F(AuditTest, RefusedAdminChangesAreNotRecorded) {
  EXPECT_TRUE(IsError(Send("DELETE", "/v1/tokens/tok_missing", ""), 404, "not_found"));
  EXPECT_TRUE(IsError(Send("POST", "/v1/tokens", R"({"role":"boss"})"), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Send("POST", "/v1/tokens", R"({"role":"sales","reason":7})"), 400,
                      "invalid_argument"));
  EXPECT_TRUE(IsError(Send("DELETE", "/v1/webhooks/nothing", ""), 404, "not_found"));
  EXPECT_TRUE(IsError(Send("DELETE", "/v1/tokens/x?reason=" + std::string(600, 'r'), ""), 400,
                      "invalid_argument"));
  Response audit = Send("GET", "/v1/audit?source=admin", "");
  ASSERT_EQ(audit.status, 200u);
  EXPECT_EQ(audit.Size("/entries"), 0u) << audit.body;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/admin-audit.jsonl"));
  EXPECT_TRUE(IsError(Send("GET", "/v1/audit?source=files", ""), 400, "invalid_argument"));
}

TEST_F(AuditTest, FiltersPagesAndDerivesBeforeFromThePreviousValue) {
  CreateCustomers();
  for (int limit : {200, 300}) {
    ASSERT_EQ(Send("PUT", "/v1/customers/C3/limit",
                   R"({"limit_minor":)" + std::to_string(limit) +
                       R"(,"currency":"CNY","reason":"review )" + std::to_string(limit) + "\"}")
                  .status,
              200u);
  }
  Response c3 = Send("GET", "/v1/audit?customer_id=C3", "");
  ASSERT_EQ(c3.status, 200u) << c3.body;
  ASSERT_EQ(c3.Size("/entries"), 3u) << c3.body;
  EXPECT_EQ(c3.Str("/entries/0/command"), "customer_created");
  EXPECT_EQ(c3.Str("/entries/1/command"), "limit_set");
  EXPECT_TRUE(c3.At("/entries/1/before").is_null());
  EXPECT_EQ(c3.Int("/entries/2/before/limit/amount_minor"), 200) << c3.body;
  EXPECT_EQ(c3.Int("/entries/2/after/limit/amount_minor"), 300);
  EXPECT_EQ(c3.Str("/entries/2/reason"), "review 300");

  Response page = Send("GET", "/v1/audit?after=4&limit=3", "");
  ASSERT_EQ(page.status, 200u);
  ASSERT_EQ(page.Size("/entries"), 3u);
  EXPECT_EQ(page.Int("/entries/0/seq"), 5);
  EXPECT_EQ(page.Int("/next_after"), 7);
  EXPECT_EQ(Send("GET", "/v1/audit?actor=user:nobody", "").Size("/entries"), 0u);

  EXPECT_TRUE(IsError(Send("GET", "/v1/audit?limit=0", ""), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Send("GET", "/v1/audit?limit=501", ""), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Send("GET", "/v1/audit?after=-1", ""), 400, "invalid_argument"));
  EXPECT_TRUE(IsError(Send("GET", "/v1/audit?customer_id=a%20b", ""), 400, "invalid_id"));
  EXPECT_TRUE(IsError(Send("GET", "/v1/audit?actor=", ""), 400, "missing_field"));
}

TEST_F(AuditTest, ApiAnswersCarryTheSecurityHeaders) {
  for (const Response& response :
       {Send("GET", "/v1/holds", ""), Send("GET", "/v1/nothing", ""),
        client_->Send("GET", "/v1/holds", "", {}), client_->Send("GET", "/healthz", "", {})}) {
    EXPECT_EQ(response.Header("Cache-Control"), "no-store") << response.body;
    EXPECT_EQ(response.Header("Content-Security-Policy"),
              "default-src 'none'; frame-ancestors 'none'");
    EXPECT_EQ(response.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(response.Header("X-Frame-Options"), "DENY");
    EXPECT_EQ(response.Header("Referrer-Policy"), "no-referrer");
  }
}

TEST_F(AuditTest, VerifyFindsEditedReorderedAndDeletedEntries) {
  CreateCustomers();
  Stop();
  Sql("PRAGMA wal_checkpoint(TRUNCATE)");
  bool anchored = false;
  ASSERT_EQ(VerifyError(&anchored), "");
  EXPECT_TRUE(anchored);
  const std::string kBackup = dir_ + "/intact.db";
  std::filesystem::copy_file(service::JournalPath(dir_), kBackup);
  auto restore = [&] {
    store_.reset();
    std::filesystem::remove(service::JournalPath(dir_) + "-wal");
    std::filesystem::remove(service::JournalPath(dir_) + "-shm");
    std::filesystem::copy_file(kBackup, service::JournalPath(dir_),
                               std::filesystem::copy_options::overwrite_existing);
    store_ = std::move(store::OpenSqliteStore(service::JournalPath(dir_), false).value());
  };
  struct Case {
    const char* what;
    std::string sql;
    std::string message;
  };
  const Case kCases[] = {
      {"an edited body",
       "UPDATE journal SET body = CAST(substr(body, 1, length(body) - 1) || 'x' AS BLOB) "
       "WHERE seq = 4",
       "journal record 4 is corrupted"},
      {"an edited hash", "UPDATE journal SET hash = hash + 1 WHERE seq = 6",
       "journal record 6 is corrupted"},
      {"a deleted entry in the middle", "DELETE FROM journal WHERE seq = 5",
       "journal record 5 is missing"},
      {"two reordered entries",
       "UPDATE journal SET seq = -3 WHERE seq = 3; UPDATE journal SET seq = 3 WHERE seq = 4; "
       "UPDATE journal SET seq = 4 WHERE seq = -3",
       "journal record 3 does not follow"},
      {"deleted entries at the end", "DELETE FROM journal WHERE seq > 8",
       "the journal ends at record 8 but its head anchor says 10: records 9 to 10 were deleted"},
      {"a last entry that is not the anchored one", "UPDATE journal_head SET hash = hash + 1",
       "the journal ends at record 10 but that record is not the one the head anchor names"},
      {"an entry appended outside Creditline",
       "INSERT INTO journal SELECT 11, time_ms, type, hash, hash, body FROM journal WHERE seq = 10",
       "journal record 11 is corrupted"},
      {"an anchor moved back with the end deleted",
       "DELETE FROM journal WHERE seq = 10; UPDATE journal_head SET seq = 9",
       "the journal ends at record 9 but that record is not the one the head anchor names"},
  };
  for (const Case& c : kCases) {
    restore();
    Sql(c.sql);
    std::string error = VerifyError();
    SCOPED_TRACE(c.what);
    EXPECT_NE(error, "");
    EXPECT_NE(error.find(c.message), std::string::npos) << error;
  }
  // Without its anchor, the check cannot see a cut-off end; it says so (audit verify fails).
  restore();
  Sql("DROP TABLE journal_head; DELETE FROM journal WHERE seq = 10");
  EXPECT_EQ(VerifyError(&anchored), "");
  EXPECT_FALSE(anchored);
  restore();
  EXPECT_EQ(VerifyError(&anchored), "");
  EXPECT_TRUE(anchored);
}

}  // namespace
}  // namespace creditline::http
