// `creditline benchmark http`: a real server on loopback driven by keep-alive connections.
//
// The client is asynchronous (one thread, many connections) and writes and parses HTTP/1.1 by
// hand, so that on a small machine it takes as little CPU from the server as it can. Every
// request is a real POST over TCP with its own Idempotency-Key; every reply is parsed (status
// line, Content-Length) and its body checked (the order's own approval, or every item of a
// batch), and latency runs from the send to the whole reply. Prints human-readable lines and,
// last, one JSON object.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
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
// Whether `body` is the right answer to request `n` (its status was 200 or 201).
using ReplyCheck = std::function<bool(uint64_t n, std::string_view body)>;

// Received bytes are read in steps of at least this much (a batch's reply is about 500 KB).
constexpr size_t kReadStepBytes = 16 << 10;

struct LoadResult {
  double seconds = 0;
  uint64_t ok = 0, failed = 0;
  std::vector<int64_t> latencies_us;
};

// The value of header `name` (lower case, with its colon) in a response head, or "".
std::string_view HeaderValue(std::string_view head, std::string_view name) {
  for (size_t line = head.find("\r\n"); line != std::string_view::npos;
       line = head.find("\r\n", line + 2)) {
    std::string_view rest = head.substr(line + 2);
    if (rest.size() < name.size()) break;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(rest[i])) == name[i];
    }
    if (!same) continue;
    std::string_view value = rest.substr(name.size(), rest.find("\r\n") - name.size());
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    return value;
  }
  return {};
}

// One keep-alive connection sending requests back to back until the shared counter runs out.
// Each request is written whole in one write; the reply is read as it arrives (the connection
// waits for readability, then reads all there is), its status line and Content-Length parsed
// and its body checked. Without Beast's message objects the client spends little of the CPU it
// shares with the server.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, tcp::endpoint endpoint, const std::string& target,
             const std::string& token, std::string key_prefix, const BodyMaker& make_body,
             const ReplyCheck& check, uint64_t& next, uint64_t total, LoadResult& result)
      : socket_(io),
        endpoint_(endpoint),
        head_("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
              "\r\nContent-Type: application/json\r\nIdempotency-Key: " + key_prefix),
        make_body_(make_body),
        check_(check),
        next_(next),
        total_(total),
        result_(result) {}

  void Start() {
    socket_.async_connect(endpoint_, [self = shared_from_this()](beast::error_code error) {
      if (error) return self->Fail();
      self->socket_.set_option(tcp::no_delay(true));
      self->socket_.non_blocking(true);
      self->Send();
    });
  }

 private:
  void Send() {
    if (next_ >= total_) return;
    n_ = next_++;
    std::string body = make_body_(n_);
    request_ = head_;
    request_ += std::to_string(n_);
    request_ += "\r\nContent-Length: ";
    request_ += std::to_string(body.size());
    request_ += "\r\n\r\n";
    request_ += body;
    received_ = 0;
    started_ = Clock::now();
    asio::async_write(socket_, asio::buffer(request_),
                      [self = shared_from_this()](beast::error_code error, size_t) {
                        if (error) return self->Fail();
                        self->Wait();
                      });
  }

  void Wait() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](beast::error_code error) {
                         if (error) return self->Fail();
                         self->Receive();
                       });
  }

  // Reads what has arrived; waits again while the reply is incomplete.
  void Receive() {
    while (true) {
      if (input_.size() - received_ < kReadStepBytes) {
        input_.resize(std::max(input_.size() * 2, received_ + kReadStepBytes));
      }
      beast::error_code error;
      size_t got = socket_.read_some(
          asio::buffer(input_.data() + received_, input_.size() - received_), error);
      if (error == asio::error::would_block) return Wait();
      if (error) return Fail();
      received_ += got;
      int done = Parse();
      if (done < 0) return Fail();
      if (done > 0) return Send();
    }
  }

  // 1: a whole reply, counted; 0: more to read; -1: not a valid reply.
  int Parse() {
    std::string_view text(input_.data(), received_);
    size_t head_end = text.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return 0;
    std::string_view head = text.substr(0, head_end + 2);
    std::string_view length_text = HeaderValue(head, "content-length:");
    size_t length = 0;
    auto [end, error] =
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (head.substr(0, 9) != "HTTP/1.1 " || head.size() < 12 || error != std::errc() ||
        end != length_text.data() + length_text.size()) {
      return -1;
    }
    size_t total = head_end + 4 + length;
    if (received_ < total) return 0;
    if (received_ > total) return -1;  // One request, one reply: nothing may follow it.
    result_.latencies_us.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count());
    std::string_view status = head.substr(9, 3);
    if ((status == "200" || status == "201") && check_(n_, text.substr(head_end + 4))) {
      ++result_.ok;
    } else {
      ++result_.failed;
    }
    return 1;
  }

  void Fail() { ++result_.failed; }

  tcp::socket socket_;
  tcp::endpoint endpoint_;
  const std::string head_;  // The request up to the idempotency key's number.
  const BodyMaker& make_body_;
  const ReplyCheck& check_;
  uint64_t& next_;
  uint64_t total_;
  LoadResult& result_;
  uint64_t n_ = 0;  // The request in flight.
  std::string request_, input_;
  size_t received_ = 0;
  Clock::time_point started_;
};

LoadResult Drive(uint16_t port, const std::string& token, const std::string& target,
                 const std::string& key_prefix, int connections, uint64_t total,
                 const BodyMaker& make_body, const ReplyCheck& check) {
  asio::io_context io;
  LoadResult result;
  result.latencies_us.reserve(total);
  uint64_t next = 0;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  for (int i = 0; i < connections; ++i) {
    std::make_shared<Connection>(io, endpoint, target, token, key_prefix, make_body, check, next,
                                 total, result)
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

size_t Occurrences(std::string_view text, std::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// A batch reply must hold one successful result per command: `items` results whose body starts
// with `first_field` (the order's or customer's id), each with the decision expected.
bool BatchReplyIsComplete(std::string_view body, size_t items, std::string_view first_field,
                          std::string_view decision) {
  return body.substr(0, 12) == "{\"results\":[" && body.substr(body.size() - 2) == "]}" &&
         Occurrences(body, first_field) == items &&
         (decision.empty() || Occurrences(body, decision) == items);
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
  ReplyCheck customers_created = [customers](uint64_t batch, std::string_view body) {
    size_t items = std::min<uint64_t>(kBatchSize, customers - batch * kBatchSize);
    return BatchReplyIsComplete(body, items, "{\"status\":201,\"body\":{\"customer_id\":\"C", "");
  };
  LoadResult setup = Drive(server.port(), token, "/v1/batch", "setup-", 1, setup_batches,
                           make_customers, customers_created);
  if (setup.failed > 0) {
    std::fprintf(stderr, "benchmark setup failed: customers not created\n");
    return SetExitCode(1);
  }
  std::fprintf(stderr, "created %d customers\n", customers);

  BodyMaker single = [customers](uint64_t n) { return OrderBody(n, customers, "S"); };
  // The reply must be this order's decision, and an approval (every limit is high enough).
  ReplyCheck single_approved = [](uint64_t n, std::string_view body) {
    std::string start = "{\"order_id\":\"S" + std::to_string(n) + "\",\"decision\":\"approved\",";
    return body.substr(0, start.size()) == start && body.back() == '}';
  };
  LoadResult singles = Drive(server.port(), token, "/v1/orders", "s-", options.connections,
                             options.requests, single, single_approved);
  BodyMaker batch = [customers](uint64_t n) {
    return BatchBody(n, kBatchSize, customers, "create_order",
                     [customers](uint64_t i) { return OrderBody(i, customers, "B"); });
  };
  ReplyCheck batch_approved = [](uint64_t, std::string_view body) {
    return BatchReplyIsComplete(body, kBatchSize, "{\"status\":200,\"body\":{\"order_id\":\"B",
                                "\"decision\":\"approved\"");
  };
  LoadResult batches = Drive(server.port(), token, "/v1/batch", "b-", options.batch_connections,
                             options.batches, batch, batch_approved);
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
