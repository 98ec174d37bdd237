// `creditline init` and `creditline serve`: the data directory and the HTTP/JSON API server
// with the web console; `serve --demo` first seeds a fresh data directory with the demo
// portfolio.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "cli/commands.hpp"
#include "cli/review.hpp"
#include "cli/storage.hpp"
#include "http/api.hpp"
#include "http/audit.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "http/tls.hpp"
#include "service/calendar.hpp"
#include "service/data_dir.hpp"
#include "service/demo_portfolio.hpp"
#include "service/engine.hpp"
#include "service/projector.hpp"
#include "service/standby.hpp"
#include "service/tokens.hpp"
#include "service/users.hpp"
#include "store/chain.hpp"

namespace creditline::cli {
namespace {

// The demo's console users, one per role; their passwords are in the README.
struct DemoUser {
  const char* username;
  service::Role role;
};
constexpr DemoUser kDemoUsers[] = {{"admin", service::Role::kAdmin},
                                   {"manager", service::Role::kCreditManager},
                                   {"analyst", service::Role::kAnalyst},
                                   {"sales", service::Role::kSales},
                                   {"viewer", service::Role::kViewer}};
constexpr const char* kDemoPasswordSuffix = "-demo";  // admin / admin-demo, ...
constexpr const char* kDemoDataDir = "demo-data";
// Seeded events are journaled in transactions of this many.
constexpr size_t kSeedAppendBatch = 10'000;

struct ServeOptions {
  std::string data_dir = "data";
  bool demo = false;
  std::string web_root;  // Empty: web/dist beside the build or the sources.
  bool secure_cookies = false;
  std::string tls_cert, tls_key;  // PEM files; both empty: plain HTTP.
  std::string webhook_ca_file;    // PEM CAs for https:// webhooks; empty: the system store.
  std::string store_url;          // Empty: the SQLite journal in data_dir.
  std::string listen = "127.0.0.1:8080";
  std::string time_zone = "UTC";
  int threads = 2;
  service::SnapshotSchedule snapshots;
  int64_t snapshot_every_seconds = 3'600;
  size_t keep_snapshots = 3;
  bool bi_projection = false;  // Keep the SQL projection for BI tools (PostgreSQL only).
  std::string review_at;       // HH:MM local business time; empty: no daily review.
};

void PrintLine(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void RunInit(const std::string& data_dir, const std::string& store_url) {
  Result<service::NewToken> token =
      service::TokenStore::Initialize(data_dir, service::SystemNowMs());
  if (!token.ok()) return SetExitCode(Fail(token.error()));
  Result<std::unique_ptr<store::Store>> created = OpenStore(data_dir, store_url, true);
  if (!created.ok()) return SetExitCode(Fail(created.error()));
  Result<std::unique_ptr<service::UserStore>> users = service::UserStore::Open(data_dir);
  if (!users.ok()) return SetExitCode(Fail(users.error()));
  std::string password = service::GeneratePassword();
  Result<service::UserRecord> admin =
      (*users)->Create("admin", service::Role::kAdmin, password, service::SystemNowMs());
  if (!admin.ok()) return SetExitCode(Fail(admin.error()));
  RecordAdminChange(data_dir, "token_created", token->record.token_id,
                    {{"role", service::NameOf(token->record.role)}, {"name", token->record.name}});
  RecordAdminChange(data_dir, "user_created", admin->username,
                    {{"role", service::NameOf(admin->role)}, {"disabled", false}});
  std::printf("initialized %s\n", std::filesystem::absolute(data_dir).c_str());
  std::printf("console: log in as admin with password %s (change it under Settings > Users)\n",
              password.c_str());
  std::printf("admin token (shown once; keep it safe):\n%s\n", token->secret.c_str());
}

// Journals the demo portfolio into a fresh data directory, with its users and admin token.
Status SeedDemo(const ServeOptions& options, const service::BusinessCalendar& calendar) {
  TimeMs now = service::SystemNowMs();
  std::printf("demo: creating %s with a year of generated credit history...\n",
              options.data_dir.c_str());
  std::fflush(stdout);
  CL_ASSIGN_OR_RETURN(service::NewToken token,
                      service::TokenStore::Initialize(options.data_dir, now));
  CL_ASSIGN_OR_RETURN(std::unique_ptr<service::UserStore> users,
                      service::UserStore::Open(options.data_dir));
  RecordAdminChange(options.data_dir, "token_created", token.record.token_id,
                    {{"role", service::NameOf(token.record.role)}, {"name", token.record.name}});
  for (const DemoUser& user : kDemoUsers) {
    CL_RETURN_IF_ERROR(users->Create(user.username, user.role,
                                     std::string(user.username) + kDemoPasswordSuffix, now));
    RecordAdminChange(options.data_dir, "user_created", user.username,
                      {{"role", service::NameOf(user.role)}, {"disabled", false}});
  }
  CL_ASSIGN_OR_RETURN(service::DemoPortfolio portfolio,
                      service::GenerateDemoPortfolio(calendar.Today(now), service::kDemoSeed));
  CL_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> opened,
                      OpenStore(options.data_dir, options.store_url, true));
  CL_ASSIGN_OR_RETURN(std::unique_ptr<store::JournalReader> reader, opened->OpenReader());
  CL_ASSIGN_OR_RETURN(store::JournalTip tip, reader->Tip());
  if (tip.seq != 0) {
    return MakeError(ErrorCode::kInvalidState,
                     "the demo store already holds a journal; use a fresh --data or --store",
                     "store");
  }
  CL_ASSIGN_OR_RETURN(std::unique_ptr<store::JournalWriter> writer, opened->OpenWriter());
  store::ChainSealer sealer(tip);
  std::vector<store::JournalRecord> records;
  for (const Event& event : portfolio.events) {
    records.push_back(sealer.Seal(event));
    if (records.size() == kSeedAppendBatch) {
      CL_RETURN_IF_ERROR(writer->Append(records));
      records.clear();
    }
  }
  if (!records.empty()) CL_RETURN_IF_ERROR(writer->Append(records));
  std::printf(
      "demo: journaled %zu events: %d customers, %d orders, %d invoices, %d payments, %d open "
      "holds\n",
      portfolio.events.size(), portfolio.customers, portfolio.orders, portfolio.invoices,
      portfolio.payments, portfolio.open_holds);
  std::printf("demo: API admin token: %s\n", token.secret.c_str());
  return Status::Ok();
}

// Where the built console is: --web-root, or web/dist beside the build or the sources.
std::string WebRoot(const ServeOptions& options) {
  if (!options.web_root.empty()) return options.web_root;
  std::error_code error;
  std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", error);
  std::vector<std::string> candidates;
  if (!error) candidates.push_back((binary.parent_path().parent_path() / "web/dist").string());
  candidates.push_back(std::string(CREDITLINE_SOURCE_DIR) + "/web/dist");
  candidates.push_back("web/dist");
  return http::StaticFiles::FindRoot(candidates);
}

void PrintDemoLogins(const std::string& url) {
  std::printf("\nCreditline console: %s\nDemo logins (user / password):\n", url.c_str());
  for (const DemoUser& user : kDemoUsers) {
    std::printf("  %-8s / %s%s  (%s)\n", user.username, user.username, kDemoPasswordSuffix,
                std::string(service::NameOf(user.role)).c_str());
  }
  std::printf("\n");
}

// Blocks SIGINT and SIGTERM in every thread, then waits for one of them in this thread.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Where the console is, and for the demo how to log in.
void PrintConsoleUrl(const ServeOptions& options, uint16_t port, const http::StaticFiles& web) {
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::string url =
      (options.tls_cert.empty() ? "http://" : "https://") + host + ":" + std::to_string(port) + "/";
  if (options.demo) {
    PrintDemoLogins(url);
  } else {
    std::printf("console: %s (files from %s)\n", url.c_str(), web.root().c_str());
  }
}

// How often the main thread looks, between signals, whether a server on a shared store lost
// its writer lease (its journal failed).
constexpr int kLeaseWatchMs = 500;

enum class ServeEnd { kStopped, kFailed, kLostLease };

// Waits for SIGINT or SIGTERM; on a shared store also returns when the journal failed, so that
// the server can start over as a standby instead of refusing writes until someone restarts it.
ServeEnd WaitForStop(const sigset_t& signals, const service::Engine& engine, bool shared) {
  timespec every{kLeaseWatchMs / 1000, (kLeaseWatchMs % 1000) * 1'000'000L};
  while (true) {
    int signal = shared ? sigtimedwait(&signals, nullptr, &every) : 0;
    if (!shared) sigwait(&signals, &signal);
    if (signal > 0) {
      std::printf("received %s, shutting down\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
      return ServeEnd::kStopped;
    }
    if (std::optional<Error> failure = engine.failure()) {
      std::printf("the journal failed (%s); starting over: recovery, then active or standby\n",
                  failure->message.c_str());
      return ServeEnd::kLostLease;
    }
  }
}

ServeEnd ServeOnce(const ServeOptions& options, const sigset_t& signals,
                   const service::BusinessCalendar& calendar, service::TokenStore& tokens,
                   service::UserStore& users, const http::StaticFiles* web, int32_t review_minute) {
  Result<OpenedStore> opened = OpenAndRecover(options.data_dir, options.store_url,
                                              options.snapshots, options.keep_snapshots);
  if (!opened.ok()) {
    SetExitCode(Fail(opened.error()));
    return ServeEnd::kFailed;
  }
  bool standby = opened->durability.standby;
  bool shared = opened->store->shared();
  if (options.bi_projection && !shared) {
    SetExitCode(Fail(MakeError(ErrorCode::kInvalidArgument,
                               "--bi-projection needs the PostgreSQL store (--store URL)",
                               "bi-projection")));
    return ServeEnd::kFailed;
  }
  store::JournalTip tip = opened->durability.tip;
  opened->durability.monitor = true;
  service::Engine engine(calendar, std::move(opened->state), std::move(opened->durability));
  std::unique_ptr<service::Standby> follower;
  if (standby) {
    Result<std::unique_ptr<store::JournalReader>> reader = opened->store->OpenReader();
    if (!reader.ok()) {
      SetExitCode(Fail(reader.error()));
      return ServeEnd::kFailed;
    }
    follower = std::make_unique<service::Standby>(*opened->store, std::move(*reader), engine, tip,
                                                  PrintLine);
  }
  std::unique_ptr<service::Projector> projector;
  if (options.bi_projection) {
    projector = std::make_unique<service::Projector>(*opened->store, calendar, PrintLine);
  }
  http::ConsoleOptions console;
  console.users = &users;
  console.web = web;
  // Over TLS the cookie must never travel in the clear.
  console.secure_cookies = options.secure_cookies || !options.tls_cert.empty();
  http::Api api(engine, tokens, std::move(console));
  service::WebhookOptions webhook_options;
  webhook_options.ca_file = options.webhook_ca_file;
  service::WebhookDispatcher webhooks(
      engine, (std::filesystem::path(options.data_dir) / "webhooks.json"), webhook_options);
  Status loaded = webhooks.Load();
  if (!loaded.ok()) {
    SetExitCode(Fail(loaded.error()));
    return ServeEnd::kFailed;
  }
  api.set_webhooks(&webhooks);
  Result<std::unique_ptr<service::AdminAuditLog>> admin_audit =
      service::AdminAuditLog::Open(options.data_dir);
  if (!admin_audit.ok()) {
    SetExitCode(Fail(admin_audit.error()));
    return ServeEnd::kFailed;
  }
  // Detached on every way out of this function, before the log is destroyed.
  struct Detach {
    http::Api& api;
    ~Detach() { api.set_admin_audit_log(nullptr); }
  } detach{api};
  api.set_admin_audit_log(admin_audit->get());
  http::Server server([&api](http::HttpRequest request, http::Reply reply) {
    api.Handle(std::move(request), std::move(reply));
  });
  if (!options.tls_cert.empty()) {
    Status tls = http::ConfigureTls(server, options.tls_cert, options.tls_key);
    if (!tls.ok()) {
      SetExitCode(Fail(tls.error()));
      return ServeEnd::kFailed;
    }
  }
  engine.Start();
  webhooks.Start();
  Status started = server.Start(options.listen, options.threads);
  if (!started.ok()) {
    webhooks.Stop();
    engine.Stop();
    SetExitCode(Fail(started.error()));
    return ServeEnd::kFailed;
  }
  if (follower) follower->Start();
  if (projector) projector->Start();
  std::printf("creditline serving on %s://%s (port %u), data %s, business time zone %s%s\n",
              options.tls_cert.empty() ? "http" : "https", options.listen.c_str(), server.port(),
              options.data_dir.c_str(), options.time_zone.c_str(), standby ? ", as a standby" : "");
  if (web) PrintConsoleUrl(options, server.port(), *web);
  std::fflush(stdout);
  ReviewScheduler scheduler;
  if (review_minute >= 0) scheduler.Start(engine, calendar, review_minute);
  ServeEnd end = WaitForStop(signals, engine, shared);
  scheduler.Stop();
  if (projector) projector->Stop();
  if (follower) follower->Stop();
  server.Stop();
  webhooks.Stop();
  engine.Stop();
  PrintClosingFigures(engine);
  return end;
}

void RunServe(ServeOptions options) {
  sigset_t signals = BlockStopSignals();  // Before any thread starts, so all inherit it.
  int32_t review_minute = -1;
  if (!options.review_at.empty()) {
    Result<int32_t> minute = ParseMinuteOfDay(options.review_at);
    if (!minute.ok()) return SetExitCode(Fail(minute.error()));
    review_minute = *minute;
  }
  Result<service::BusinessCalendar> calendar =
      service::BusinessCalendar::ForZone(options.time_zone);
  if (!calendar.ok()) return SetExitCode(Fail(calendar.error()));
  if (options.demo &&
      !std::filesystem::exists(std::filesystem::path(options.data_dir) / "tokens.tsv")) {
    Status seeded = SeedDemo(options, *calendar);
    if (!seeded.ok()) return SetExitCode(Fail(seeded.error()));
  }
  Result<std::unique_ptr<service::TokenStore>> tokens = service::TokenStore::Open(options.data_dir);
  if (!tokens.ok()) return SetExitCode(Fail(tokens.error()));
  Result<std::unique_ptr<service::UserStore>> users = service::UserStore::Open(options.data_dir);
  if (!users.ok()) return SetExitCode(Fail(users.error()));
  std::unique_ptr<http::StaticFiles> web;
  if (std::string root = WebRoot(options); !root.empty()) {
    Result<std::unique_ptr<http::StaticFiles>> loaded = http::StaticFiles::Load(root);
    if (!loaded.ok()) return SetExitCode(Fail(loaded.error()));
    web = std::move(*loaded);
  } else {
    std::fprintf(stderr,
                 "creditline: warning: the web console is not built (no web/dist); serving the "
                 "API only. Run ./scripts/setup or pass --web-root.\n");
  }
  Result<std::unique_ptr<service::DataDirLock>> lock =
      service::DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) return SetExitCode(Fail(lock.error()));
  options.snapshots.every_ms = options.snapshot_every_seconds * 1000;
  ServeEnd end = ServeEnd::kLostLease;
  while (end == ServeEnd::kLostLease) {
    end = ServeOnce(options, signals, *calendar, **tokens, **users, web.get(), review_minute);
  }
  if (end == ServeEnd::kStopped) std::printf("stopped\n");
}

}  // namespace

void AddServeCommands(CLI::App& app) {
  static std::string init_dir = "data";
  static std::string init_store_url;
  CLI::App* init = app.add_subcommand(
      "init", "Create a data directory and print its first admin API token (last line)");
  init->add_option("--data", init_dir, "Data directory to create")->capture_default_str();
  AddStoreOption(*init, init_store_url);
  init->callback([] { RunInit(init_dir, init_store_url); });

  static ServeOptions options;
  CLI::App* serve = app.add_subcommand("serve", "Serve the HTTP/JSON API");
  CLI::Option* data =
      serve->add_option("--data", options.data_dir, "Data directory (from `creditline init`)")
          ->capture_default_str();
  serve->add_flag("--demo", options.demo,
                  "Start with the demo portfolio: a fresh data directory (default demo-data) is "
                  "seeded with a year of generated history and one console user per role");
  serve->add_option("--web-root", options.web_root,
                    "Directory of the built web console (default: web/dist of this build)");
  serve->add_flag("--secure-cookies", options.secure_cookies,
                  "Mark the console session cookie Secure (when served over HTTPS)");
  CLI::Option* cert =
      serve->add_option("--tls-cert", options.tls_cert,
                        "Serve HTTPS (TLS 1.2+) with this PEM certificate chain (needs --tls-key)");
  CLI::Option* key = serve->add_option("--tls-key", options.tls_key,
                                       "The PEM private key of --tls-cert (needs --tls-cert)");
  cert->needs(key);
  key->needs(cert);
  serve
      ->add_option("--webhook-ca-file", options.webhook_ca_file,
                   "PEM CA certificates that https:// webhook receivers must chain to (a private "
                   "CA); default: the system CA store")
      ->check(CLI::ExistingFile);
  AddStoreOption(*serve, options.store_url);
  serve->add_option("--listen", options.listen, "Address and port to listen on, HOST:PORT")
      ->capture_default_str();
  serve
      ->add_option("--time-zone", options.time_zone,
                   "Business time zone for 'today' (IANA name, UTC, or +HH:MM)")
      ->capture_default_str();
  serve->add_option("--threads", options.threads, "HTTP I/O threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve
      ->add_option("--snapshot-every-events", options.snapshots.every_events,
                   "Take a snapshot after this many events (0: never by count)")
      ->capture_default_str();
  serve
      ->add_option("--snapshot-every-seconds", options.snapshot_every_seconds,
                   "Take a snapshot this often, if anything changed (0: never by time)")
      ->check(CLI::Range(int64_t{0}, int64_t{365} * 24 * 3600))
      ->capture_default_str();
  serve->add_option("--keep-snapshots", options.keep_snapshots, "Snapshots to keep")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  serve->add_flag("--bi-projection", options.bi_projection,
                  "Keep read-only creditline_bi_* tables for BI tools current in the PostgreSQL "
                  "store (of several servers, one writes them)");
  serve
      ->add_option("--review-at", options.review_at,
                   "Run the credit review daily at this local business time, HH:MM")
      ->capture_default_str();
  serve->callback([data] {
    if (options.demo && data->count() == 0) options.data_dir = kDemoDataDir;
    RunServe(options);
  });
  AddUserCommands(app);
  AddStorageCommands(app);
}

}  // namespace creditline::cli
