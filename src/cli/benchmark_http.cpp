// `creditline benchmark http`: a real server on loopback driven by keep-alive connections.
//
// The client is asynchronous (one thread, many connections) so that on a small machine it
// takes as little CPU from the server as it can. Prints human-readable lines and, last, one
// JSON object.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/tokens.hpp"

namespace creditline::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Orders per batch request: the endpoint's maximum, the way a bulk ERP sync would send them.
constexpr int kBatchSize = 1'000;

struct HttpBenchmarkOptions {
  int customers = 10'000;
  int requests = 200'000;
  int connections = 32;
  int batches = 200;
  int batch_connections = 2;
  int server_threads = 2;
};

// The body of request `n` of the run.
using BodyMaker = std::function<std::string(uint64_t n)>;

struct LoadResult {
  double seconds = 0;
  uint64_t ok = 0, failed = 0;
  std::vector<int64_t> latencies_us;
};

// One keep-alive connection sending requests back to back until the shared counter runs out.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, tcp::endpoint endpoint, std::string target, std::string token,
             std::string key_prefix, const BodyMaker& make_body, uint64_t& next, uint64_t total,
             LoadResult& result)
      : stream_(io),
        endpoint_(endpoint),
        target_(std::move(target)),
        token_(std::move(token)),
        key_prefix_(std::move(key_prefix)),
        make_body_(make_body),
        next_(next),
        total_(total),
        result_(result) {}

  void Start() {
    stream_.async_connect(endpoint_, [self = shared_from_this()](beast::error_code error) {
      if (error) return self->Fail();
      self->stream_.socket().set_option(tcp::no_delay(true));
      self->Send();
    });
  }

 private:
  void Send() {
    if (next_ >= total_) return;
    uint64_t n = next_++;
    request_ = {bhttp::verb::post, target_, 11};
    request_.set(bhttp::field::host, "127.0.0.1");
    request_.set(bhttp::field::authorization, "Bearer " + token_);
    request_.set(bhttp::field::content_type, "application/json");
    request_.set("Idempotency-Key", key_prefix_ + std::to_string(n));
    request_.body() = make_body_(n);
    request_.prepare_payload();
    started_ = Clock::now();
    bhttp::async_write(stream_, request_, [self = shared_from_this()](beast::error_code e, size_t) {
      if (e) return self->Fail();
      self->response_ = {};
      bhttp::async_read(self->stream_, self->buffer_, self->response_,
                        [self](beast::error_code error, size_t) { self->OnResponse(error); });
    });
  }

  void OnResponse(beast::error_code error) {
    if (error) return Fail();
    result_.latencies_us.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count());
    if (response_.result_int() == 200 || response_.result_int() == 201) {
      ++result_.ok;
    } else {
      ++result_.failed;
    }
    Send();
  }

  void Fail() { ++result_.failed; }

  beast::tcp_stream stream_;
  tcp::endpoint endpoint_;
  std::string target_, token_, key_prefix_;
  const BodyMaker& make_body_;
  uint64_t& next_;
  uint64_t total_;
  LoadResult& result_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response<bhttp::string_body> response_;
  Clock::time_point started_;
};

LoadResult Drive(uint16_t port, const std::string& token, const std::string& target,
                 const std::string& key_prefix, int connections, uint64_t total,
                 const BodyMaker& make_body) {
  asio::io_context io;
  LoadResult result;
  result.latencies_us.reserve(total);
  uint64_t next = 0;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  for (int i = 0; i < connections; ++i) {
    std::make_shared<Connection>(io, endpoint, target, token, key_prefix, make_body, next, total,
                                 result)
        ->Start();
  }
  Clock::time_point begin = Clock::now();
  io.run();
  result.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return result;
}

double PercentileMs(std::vector<int64_t> values, double fraction) {
  if (values.empty()) return 0;
  size_t index = std::min(values.size() - 1, static_cast<size_t>(values.size() * fraction));
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return static_cast<double>(values[index]) / 1000.0;
}

std::string OrderBody(uint64_t n, int customers, const char* prefix) {
  return std::string("{\"order_id\":\"") + prefix + std::to_string(n) + "\",\"customer_id\":\"C" +
         std::to_string(n % customers) + "\",\"amount_minor\":" + std::to_string(100 + n % 9000) +
         ",\"currency\":\"CNY\"}";
}

std::string BatchBody(uint64_t batch, int size, int customers, const char* op,
                      const std::function<std::string(uint64_t)>& item) {
  std::string body = "{\"commands\":[";
  for (int i = 0; i < size; ++i) {
    if (i > 0) body += ",";
    body += std::string("{\"op\":\"") + op + "\",\"body\":" + item(batch * size + i) + "}";
  }
  (void)customers;
  return body + "]}";
}

void RunHttpBenchmark(const HttpBenchmarkOptions& options) {
  std::string data_dir =
      (std::filesystem::temp_directory_path() / ("creditline-bench-" + std::to_string(::getpid())))
          .string();
  std::filesystem::remove_all(data_dir);
  Result<service::NewToken> admin =
      service::TokenStore::Initialize(data_dir, service::SystemNowMs());
  auto tokens = service::TokenStore::Open(data_dir);
  auto calendar = service::BusinessCalendar::ForZone("UTC");
  if (!admin.ok() || !tokens.ok() || !calendar.ok()) {
    std::fprintf(stderr, "benchmark setup failed\n");
    return SetExitCode(1);
  }
  service::Engine engine(*calendar);
  http::Api api(engine, **tokens);
  http::Server server([&api](http::HttpRequest r, http::Reply reply) {
    api.Handle(std::move(r), std::move(reply));
  });
  engine.Start();
  if (!server.Start("127.0.0.1:0", options.server_threads).ok()) return SetExitCode(1);
  const std::string& token = admin->secret;
  int customers = options.customers;

  // Customers with limits high enough that every order is approved.
  uint64_t setup_batches = (customers + kBatchSize - 1) / kBatchSize;
  BodyMaker make_customers = [customers](uint64_t batch) {
    std::string body = "{\"commands\":[";
    for (uint64_t i = batch * kBatchSize;
         i < std::min<uint64_t>((batch + 1) * kBatchSize, customers); ++i) {
      if (i % kBatchSize != 0) body += ",";
      body += "{\"op\":\"create_customer\",\"body\":{\"customer_id\":\"C" + std::to_string(i) +
              "\",\"name\":\"Customer " + std::to_string(i) +
              "\",\"currency\":\"CNY\",\"limit_minor\":900000000000000}}";
    }
    return body + "]}";
  };
  Drive(server.port(), token, "/v1/batch", "setup-", 1, setup_batches, make_customers);
  std::fprintf(stderr, "created %d customers\n", customers);

  BodyMaker single = [customers](uint64_t n) { return OrderBody(n, customers, "S"); };
  LoadResult singles = Drive(server.port(), token, "/v1/orders", "s-", options.connections,
                             options.requests, single);
  BodyMaker batch = [customers](uint64_t n) {
    return BatchBody(n, kBatchSize, customers, "create_order",
                     [customers](uint64_t i) { return OrderBody(i, customers, "B"); });
  };
  LoadResult batches = Drive(server.port(), token, "/v1/batch", "b-", options.batch_connections,
                             options.batches, batch);
  server.Stop();
  engine.Stop();
  std::filesystem::remove_all(data_dir);

  double ops_per_sec = singles.ok / singles.seconds;
  double batch_ops_per_sec = batches.ok * kBatchSize / batches.seconds;
  double p50 = PercentileMs(singles.latencies_us, 0.50),
         p99 = PercentileMs(singles.latencies_us, 0.99);
  std::printf("single orders: %llu ok, %llu failed in %.2f s over %d connections\n",
              static_cast<unsigned long long>(singles.ok),
              static_cast<unsigned long long>(singles.failed), singles.seconds,
              options.connections);
  std::printf("batches of %d orders: %llu ok, %llu failed in %.2f s over %d connections\n",
              kBatchSize, static_cast<unsigned long long>(batches.ok),
              static_cast<unsigned long long>(batches.failed), batches.seconds,
              options.batch_connections);
  std::printf(
      "{\"suite\":\"http\",\"customers\":%d,\"connections\":%d,\"requests\":%d,"
      "\"ops_per_sec\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"batch_size\":%d,"
      "\"batch_ops_per_sec\":%.0f,\"batch_p99_ms\":%.3f,\"failed\":%llu}\n",
      customers, options.connections, options.requests, ops_per_sec, p50, p99, kBatchSize,
      batch_ops_per_sec, PercentileMs(batches.latencies_us, 0.99),
      static_cast<unsigned long long>(singles.failed + batches.failed));
  if (singles.failed + batches.failed > 0) SetExitCode(1);
}

}  // namespace

void AddHttpBenchmarkCommand(CLI::App& benchmark) {
  static HttpBenchmarkOptions options;
  CLI::App* http = benchmark.add_subcommand(
      "http", "Orders over HTTP on loopback: single requests and /v1/batch");
  http->add_option("--customers", options.customers, "Customers")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  http->add_option("--requests", options.requests, "Single order requests")
      ->check(CLI::Range(1, 100'000'000))
      ->capture_default_str();
  http->add_option("--connections", options.connections, "Keep-alive connections for singles")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  http->add_option("--batches", options.batches, "Batch requests of 1,000 orders")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  http->add_option("--server-threads", options.server_threads, "Server I/O threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  http->callback([] { RunHttpBenchmark(options); });
}

}  // namespace creditline::cli
