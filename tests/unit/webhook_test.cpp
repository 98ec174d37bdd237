// Webhook delivery against a real local HTTP receiver: the signature verifies, a receiver that
// fails first sees the retries, the delivery log records every attempt, and a dead receiver
// never holds up the engine. Over HTTPS (a self-signed certificate made for the test) delivery
// succeeds with the receiver's CA configured and fails verification, retried and logged,
// without it or when the certificate names another host.
#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "service/calendar.hpp"
#include "service/engine.hpp"
#include "service/webhooks.hpp"

namespace creditline::service {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct Received {
  std::string body, signature, attempt;
};

// Answers 500 to the first `failures` requests, then 200; records every request. With `tls`,
// it speaks HTTPS with that server context.
class Receiver {
 public:
  explicit Receiver(int failures, asio::ssl::context* tls = nullptr)
      : failures_(failures), tls_(tls), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void Serve() {
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      if (error || stopping_) continue;
      if (tls_ == nullptr) {
        Answer(socket);
        continue;
      }
      asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
      stream.handshake(asio::ssl::stream_base::server, error);
      if (error) {
        std::lock_guard lock(mutex_);
        ++handshakes_failed_;
        continue;
      }
      Answer(stream);
      stream.shutdown(error);
    }
  }

  template <class Stream>
  void Answer(Stream& socket) {
    boost::system::error_code error;
    {
      boost::beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> request;
      bhttp::read(socket, buffer, request, error);
      if (error) return;
      bool fail;
      {
        std::lock_guard lock(mutex_);
        received_.push_back({request.body(), std::string(request["X-Creditline-Signature"]),
                             std::string(request["X-Creditline-Attempt"])});
        fail = static_cast<int>(received_.size()) <= failures_;
      }
      bhttp::response<bhttp::string_body> response{
          fail ? bhttp::status::internal_server_error : bhttp::status::ok, 11};
      response.body() = "{}";
      response.prepare_payload();
      bhttp::write(socket, response, error);
    }
  }

 public:
  int handshakes_failed() const {
    std::lock_guard lock(mutex_);
    return handshakes_failed_;
  }

 private:
  int failures_;
  asio::ssl::context* tls_;
  int handshakes_failed_ = 0;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  std::thread thread_;
};

std::string Hmac(const std::string& secret, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  char hex[2 * EVP_MAX_MD_SIZE + 1];
  for (unsigned int i = 0; i < length; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return std::string(hex, 2 * length);
}

// Verifies "t=...,v1=..." the way a receiver would.
bool Verify(const std::string& secret, const std::string& header, const std::string& body) {
  size_t comma = header.find(",v1=");
  if (!header.starts_with("t=") || comma == std::string::npos) return false;
  std::string t = header.substr(2, comma - 2);
  return header.substr(comma + 4) == Hmac(secret, t + "." + body);
}

Result<CommandResult> ExecuteOn(Engine& engine, Command command) {
  auto promise = std::make_shared<std::promise<Result<CommandResult>>>();
  auto future = promise->get_future();
  static int key = 0;
  std::string idempotency_key = "k" + std::to_string(++key);
  EXPECT_TRUE(engine.Submit([=](EngineContext& context) -> Continuation {
    Envelope env{idempotency_key, "test", context.stamp.time, context.stamp.today};
    promise->set_value(context.state.Execute(env, command, context.events));
    return nullptr;
  }));
  return future.get();
}

template <class Predicate>
bool WaitFor(Predicate predicate, int timeout_ms = 10'000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return predicate();
}

const Currency kCny = Currency::Of("CNY");
const std::string kSecret = "0123456789abcdef-secret";

TEST(WebhookTest, SignedDeliveryIsRetriedUntilTheReceiverAccepts) {
  Receiver receiver(2);  // Fails twice.
  Engine engine(*BusinessCalendar::ForZone("UTC"));
  engine.Start();
  WebhookOptions options{
      .poll_ms = 20, .timeout_ms = 2'000, .backoff_first_ms = 50, .attempts_max = 5};
  WebhookDispatcher dispatcher(engine, "", options);
  ASSERT_TRUE(dispatcher
                  .Put({"hook-1", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/in",
                        kSecret, true})
                  .ok());
  dispatcher.Start();
  ASSERT_TRUE(WaitFor([&] { return dispatcher.Deliveries(1).empty(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // The first poll sets the start.
  OpenAccount account{AccountRef{"C1", ""}, kCny, 1'000};
  ASSERT_TRUE(ExecuteOn(engine, CreateCustomer{"C1", "Acme", "", "", {}, account}).ok());
  ASSERT_TRUE(ExecuteOn(engine, ReserveOrder{"O1", AccountRef{"C1", ""}, Money{5'000, kCny}})
                  .ok());  // Held.
  ASSERT_TRUE(WaitFor([&] { return receiver.received().size() >= 3; }));
  std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 3u);
  for (const Received& r : got) {
    EXPECT_TRUE(Verify(kSecret, r.signature, r.body)) << r.signature;
    EXPECT_FALSE(Verify("another-secret-xxxx", r.signature, r.body));
    EXPECT_EQ(r.body, got[0].body);  // The same alert each time.
  }
  EXPECT_EQ(got[0].attempt, "1");
  EXPECT_EQ(got[2].attempt, "3");
  boost::json::value alert = boost::json::parse(got[0].body);
  EXPECT_EQ(alert.at("rule").as_string(), "hold_created");
  EXPECT_EQ(alert.at("subject_id").as_string(), "O1");
  ASSERT_TRUE(WaitFor([&] { return dispatcher.Deliveries(10).size() >= 3; }));
  std::vector<DeliveryRecord> log = dispatcher.Deliveries(10);  // Newest first.
  EXPECT_EQ(log[0].outcome, "delivered");
  EXPECT_EQ(log[0].status, 200u);
  EXPECT_EQ(log[1].outcome, "retry");
  EXPECT_EQ(log[2].outcome, "retry");
  EXPECT_EQ(log[2].status, 500u);
  dispatcher.Stop();
  engine.Stop();
}

TEST(WebhookTest, ADeadReceiverNeverSlowsTheEngine) {
  Engine engine(*BusinessCalendar::ForZone("UTC"));
  engine.Start();
  WebhookOptions options{
      .poll_ms = 20, .timeout_ms = 1'000, .backoff_first_ms = 20, .attempts_max = 3};
  WebhookDispatcher dispatcher(engine, "", options);
  // Nothing listens on port 9 of loopback: every attempt fails.
  ASSERT_TRUE(dispatcher.Put({"dead", "http://127.0.0.1:9/", kSecret, true}).ok());
  dispatcher.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  OpenAccount account{AccountRef{"C1", ""}, kCny, 1'000};
  ASSERT_TRUE(ExecuteOn(engine, CreateCustomer{"C1", "Acme", "", "", {}, account}).ok());
  for (int i = 0; i < 50; ++i) {
    auto begin = std::chrono::steady_clock::now();
    ASSERT_TRUE(ExecuteOn(engine, ReserveOrder{"O" + std::to_string(i), AccountRef{"C1", ""},
                                               Money{5'000, kCny}})
                    .ok());
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(500));
  }
  ASSERT_TRUE(WaitFor([&] {
    for (const DeliveryRecord& d : dispatcher.Deliveries(1000)) {
      if (d.outcome == "failed") return true;
    }
    return false;
  }));
  dispatcher.Stop();
  engine.Stop();
}

TEST(WebhookTest, ConfigurationIsValidatedAndKept) {
  Engine engine(*BusinessCalendar::ForZone("UTC"));
  char pattern[] = "/tmp/creditline-webhook-test-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string path = std::string(pattern) + "/webhooks.json";
  {
    WebhookDispatcher dispatcher(engine, path);
    EXPECT_FALSE(dispatcher.Put({"h1", "ftp://example.com/", kSecret, true}).ok());
    EXPECT_FALSE(dispatcher.Put({"h1", "http://example.com/", "short", true}).ok());
    EXPECT_FALSE(dispatcher.Put({"bad id", "http://example.com/", kSecret, true}).ok());
    ASSERT_TRUE(dispatcher.Put({"h1", "http://example.com/hook", kSecret, true}).ok());
    EXPECT_FALSE(dispatcher.Remove("nope").ok());
  }
  WebhookDispatcher reloaded(engine, path);
  ASSERT_TRUE(reloaded.Load().ok());
  ASSERT_EQ(reloaded.List().size(), 1u);
  EXPECT_EQ(reloaded.List()[0].url, "http://example.com/hook");
  EXPECT_EQ(reloaded.List()[0].secret, kSecret);
  std::filesystem::remove_all(pattern);
}

// A self-signed certificate (its own CA) for `san`, made with the openssl CLI in `dir`.
bool MakeCertificate(const std::filesystem::path& dir, const std::string& san) {
  std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=receiver"
      " -addext subjectAltName=" +
      san + " -keyout " + (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() +
      " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

struct TlsDelivery {
  std::vector<Received> received;
  std::vector<DeliveryRecord> log;  // Newest first.
  int handshakes_failed = 0;
};

// Delivers one alert to an HTTPS receiver with a certificate for `san`, the dispatcher
// trusting `ca_file` (empty: the system store), and returns once `attempts` were logged.
TlsDelivery DeliverOverTls(const std::string& san, bool trust_receiver, int attempts) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("creditline-webhook-tls-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  TlsDelivery out;
  EXPECT_TRUE(MakeCertificate(dir, san));
  asio::ssl::context server(asio::ssl::context::tls_server);
  server.use_certificate_chain_file((dir / "cert.pem").string());
  server.use_private_key_file((dir / "key.pem").string(), asio::ssl::context::pem);
  {
    Receiver receiver(0, &server);
    Engine engine(*BusinessCalendar::ForZone("UTC"));
    engine.Start();
    WebhookOptions options{.poll_ms = 20,
                           .timeout_ms = 2'000,
                           .backoff_first_ms = 20,
                           .attempts_max = attempts,
                           .ca_file = trust_receiver ? (dir / "cert.pem").string() : ""};
    WebhookDispatcher dispatcher(engine, "", options);
    EXPECT_TRUE(dispatcher
                    .Put({"tls", "https://127.0.0.1:" + std::to_string(receiver.port()) + "/in",
                          kSecret, true})
                    .ok());
    dispatcher.Start();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // The first poll sets the start.
    OpenAccount account{AccountRef{"C1", ""}, kCny, 1'000};
    EXPECT_TRUE(ExecuteOn(engine, CreateCustomer{"C1", "Acme", "", "", {}, account}).ok());
    EXPECT_TRUE(ExecuteOn(engine, ReserveOrder{"O1", AccountRef{"C1", ""}, Money{5'000, kCny}})
                    .ok());  // Held: an alert.
    EXPECT_TRUE(WaitFor([&] {
      std::vector<DeliveryRecord> log = dispatcher.Deliveries(10);
      return !log.empty() && (log[0].outcome == "delivered" || log[0].outcome == "failed");
    }));
    dispatcher.Stop();
    engine.Stop();
    out.received = receiver.received();
    out.log = dispatcher.Deliveries(10);
    out.handshakes_failed = receiver.handshakes_failed();
  }
  std::filesystem::remove_all(dir);
  return out;
}

TEST(WebhookTest, HttpsDeliveryVerifiesTheReceiverAgainstTheConfiguredCa) {
  TlsDelivery delivered = DeliverOverTls("IP:127.0.0.1", true, 3);
  ASSERT_EQ(delivered.received.size(), 1u);
  EXPECT_TRUE(Verify(kSecret, delivered.received[0].signature, delivered.received[0].body));
  ASSERT_FALSE(delivered.log.empty());
  EXPECT_EQ(delivered.log[0].outcome, "delivered");
  EXPECT_EQ(delivered.log[0].status, 200u);
}

TEST(WebhookTest, HttpsDeliveryFailsWhenTheCertificateIsNotTrusted) {
  // The system store does not know the test's self-signed certificate.
  TlsDelivery untrusted = DeliverOverTls("IP:127.0.0.1", false, 2);
  EXPECT_TRUE(untrusted.received.empty());
  EXPECT_GE(untrusted.handshakes_failed, 2);
  ASSERT_EQ(untrusted.log.size(), 2u);
  EXPECT_EQ(untrusted.log[0].outcome, "failed");
  EXPECT_EQ(untrusted.log[1].outcome, "retry");
  for (const DeliveryRecord& record : untrusted.log) {
    EXPECT_EQ(record.status, 0u);
    EXPECT_NE(record.error.find("certificate verification failed"), std::string::npos)
        << record.error;
  }
}

TEST(WebhookTest, HttpsDeliveryFailsWhenTheCertificateNamesAnotherHost) {
  TlsDelivery mismatch = DeliverOverTls("DNS:receiver.example", true, 2);
  EXPECT_TRUE(mismatch.received.empty());
  ASSERT_FALSE(mismatch.log.empty());
  EXPECT_EQ(mismatch.log[0].outcome, "failed");
  EXPECT_NE(mismatch.log[0].error.find("IP address mismatch"), std::string::npos)
      << mismatch.log[0].error;
}

TEST(WebhookTest, UrlsMustBeHttpOrHttps) {
  Engine engine(*BusinessCalendar::ForZone("UTC"));
  WebhookDispatcher dispatcher(engine, "");
  EXPECT_TRUE(dispatcher.Put({"a", "https://hooks.example.com/in", kSecret, true}).ok());
  EXPECT_TRUE(dispatcher.Put({"b", "http://hooks.example.com:8080/in", kSecret, true}).ok());
  Status ftp = dispatcher.Put({"c", "ftp://hooks.example.com/in", kSecret, true});
  ASSERT_FALSE(ftp.ok());
  EXPECT_EQ(ftp.error().field, "url");
  EXPECT_FALSE(dispatcher.Put({"d", "https://", kSecret, true}).ok());
  EXPECT_EQ(dispatcher.List().size(), 2u);
}

}  // namespace
}  // namespace creditline::service
