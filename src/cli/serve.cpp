// `creditline init` and `creditline serve`: the data directory and the HTTP/JSON API server.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.hpp"
#include "cli/storage.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "service/calendar.hpp"
#include "service/data_dir.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"

namespace creditline::cli {
namespace {

struct ServeOptions {
  std::string data_dir = "data";
  std::string store_url;  // Empty: the SQLite journal in data_dir.
  std::string listen = "127.0.0.1:8080";
  std::string time_zone = "UTC";
  int threads = 2;
  service::SnapshotSchedule snapshots;
  int64_t snapshot_every_seconds = 3'600;
  size_t keep_snapshots = 3;
};

void RunInit(const std::string& data_dir, const std::string& store_url) {
  Result<service::NewToken> token =
      service::TokenStore::Initialize(data_dir, service::SystemNowMs());
  if (!token.ok()) return SetExitCode(Fail(token.error()));
  Result<std::unique_ptr<store::Store>> created = OpenStore(data_dir, store_url, true);
  if (!created.ok()) return SetExitCode(Fail(created.error()));
  std::printf("initialized %s\n", std::filesystem::absolute(data_dir).c_str());
  std::printf("admin token (shown once; keep it safe):\n%s\n", token->secret.c_str());
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

void RunServe(ServeOptions options) {
  sigset_t signals = BlockStopSignals();  // Before any thread starts, so all inherit it.
  Result<service::BusinessCalendar> calendar =
      service::BusinessCalendar::ForZone(options.time_zone);
  if (!calendar.ok()) return SetExitCode(Fail(calendar.error()));
  Result<std::unique_ptr<service::TokenStore>> tokens = service::TokenStore::Open(options.data_dir);
  if (!tokens.ok()) return SetExitCode(Fail(tokens.error()));
  Result<std::unique_ptr<service::DataDirLock>> lock =
      service::DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) return SetExitCode(Fail(lock.error()));
  options.snapshots.every_ms = options.snapshot_every_seconds * 1000;
  Result<OpenedStore> opened = OpenAndRecover(options.data_dir, options.store_url,
                                              options.snapshots, options.keep_snapshots);
  if (!opened.ok()) return SetExitCode(Fail(opened.error()));
  opened->durability.monitor = true;
  service::Engine engine(*calendar, std::move(opened->state), std::move(opened->durability));
  http::Api api(engine, **tokens);
  service::WebhookDispatcher webhooks(engine,
                                      (std::filesystem::path(options.data_dir) / "webhooks.json"));
  Status loaded = webhooks.Load();
  if (!loaded.ok()) return SetExitCode(Fail(loaded.error()));
  api.set_webhooks(&webhooks);
  http::Server server([&api](http::HttpRequest request, http::Reply reply) {
    api.Handle(std::move(request), std::move(reply));
  });
  engine.Start();
  webhooks.Start();
  Status started = server.Start(options.listen, options.threads);
  if (!started.ok()) {
    webhooks.Stop();
    engine.Stop();
    return SetExitCode(Fail(started.error()));
  }
  std::printf("creditline serving on http://%s (port %u), data %s, business time zone %s\n",
              options.listen.c_str(), server.port(), options.data_dir.c_str(),
              options.time_zone.c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  std::printf("received %s, shutting down\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();
  webhooks.Stop();
  engine.Stop();
  PrintClosingFigures(engine);
  std::printf("stopped\n");
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
  serve->add_option("--data", options.data_dir, "Data directory (from `creditline init`)")
      ->capture_default_str();
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
  serve->callback([] { RunServe(options); });
  AddStorageCommands(app);
}

}  // namespace creditline::cli
