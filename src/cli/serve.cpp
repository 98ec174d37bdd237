// `creditline init` and `creditline serve`: the data directory and the HTTP/JSON API server.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"

namespace creditline::cli {
namespace {

struct ServeOptions {
  std::string data_dir = "data";
  std::string listen = "127.0.0.1:8080";
  std::string time_zone = "UTC";
  int threads = 2;
};

int Fail(const Error& error) {
  std::fprintf(stderr, "creditline: %s\n", error.message.c_str());
  return InfoOf(error.code).cli_exit_code;
}

void RunInit(const std::string& data_dir) {
  Result<service::NewToken> token =
      service::TokenStore::Initialize(data_dir, service::SystemNowMs());
  if (!token.ok()) return SetExitCode(Fail(token.error()));
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

void RunServe(const ServeOptions& options) {
  sigset_t signals = BlockStopSignals();  // Before any thread starts, so all inherit it.
  Result<service::BusinessCalendar> calendar =
      service::BusinessCalendar::ForZone(options.time_zone);
  if (!calendar.ok()) return SetExitCode(Fail(calendar.error()));
  Result<std::unique_ptr<service::TokenStore>> tokens = service::TokenStore::Open(options.data_dir);
  if (!tokens.ok()) return SetExitCode(Fail(tokens.error()));
  service::Engine engine(*calendar);
  http::Api api(engine, **tokens);
  http::Server server([&api](http::HttpRequest request, http::Reply reply) {
    api.Handle(std::move(request), std::move(reply));
  });
  engine.Start();
  Status started = server.Start(options.listen, options.threads);
  if (!started.ok()) {
    engine.Stop();
    return SetExitCode(Fail(started.error()));
  }
  std::printf("creditline serving on http://%s (port %u), data %s, business time zone %s\n",
              options.listen.c_str(), server.port(), options.data_dir.c_str(),
              options.time_zone.c_str());
  std::printf("note: state is kept in memory only; it is lost when the server stops\n");
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  std::printf("received %s, shutting down\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();
  engine.Stop();
  std::printf("stopped\n");
}

}  // namespace

void AddServeCommands(CLI::App& app) {
  static std::string init_dir = "data";
  CLI::App* init = app.add_subcommand(
      "init", "Create a data directory and print its first admin API token (last line)");
  init->add_option("--data", init_dir, "Data directory to create")->capture_default_str();
  init->callback([] { RunInit(init_dir); });

  static ServeOptions options;
  CLI::App* serve = app.add_subcommand("serve", "Serve the HTTP/JSON API");
  serve->add_option("--data", options.data_dir, "Data directory (from `creditline init`)")
      ->capture_default_str();
  serve->add_option("--listen", options.listen, "Address and port to listen on, HOST:PORT")
      ->capture_default_str();
  serve
      ->add_option("--time-zone", options.time_zone,
                   "Business time zone for 'today' (IANA name, UTC, or +HH:MM)")
      ->capture_default_str();
  serve->add_option("--threads", options.threads, "HTTP I/O threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve->callback([] { RunServe(options); });
}

}  // namespace creditline::cli
