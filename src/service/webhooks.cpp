#include "service/webhooks.hpp"

#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "core/ids.hpp"
#include "service/tokens.hpp"

namespace creditline::service {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;

// Alerts fetched from the engine per poll; the next poll takes the rest.
constexpr size_t kAlertsPerPollMax = 256;

struct Url {
  bool tls = false;
  std::string host, port, target;
};

Result<Url> ParseUrl(const std::string& url) {
  constexpr std::string_view kHttp = "http://", kHttps = "https://";
  bool tls = url.starts_with(kHttps);
  if ((!tls && !url.starts_with(kHttp)) || url.size() > 2048) {
    return MakeError(ErrorCode::kInvalidArgument, "url must be an http:// or https:// URL", "url");
  }
  std::string rest = url.substr(tls ? kHttps.size() : kHttp.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  Url out{tls, authority, tls ? "443" : "80",
          slash == std::string::npos ? "/" : rest.substr(slash)};
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos)
    out.host = authority.substr(0, colon), out.port = authority.substr(colon + 1);
  if (out.host.empty() || out.port.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "url has no host", "url");
  }
  return out;
}

// Writes the request and reads the response on a connected stream, plain or TLS.
template <class Stream>
unsigned Exchange(Stream& stream, const Url& url, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> request{http::verb::post, url.target, 11};
  request.set(http::field::host, url.host);
  request.set(http::field::content_type, "application/json");
  request.set(http::field::user_agent, "creditline-webhooks");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return response.result_int();
}

// The TLS client side: the peer's certificate chain must verify against `ca_file` (PEM) or,
// when it is empty, the system's CA store. Set on the context before a stream is made from it:
// a stream copies the verify mode when it is made.
Status LoadTrust(ssl::context& context, const std::string& ca_file) {
  boost::system::error_code error;
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context.set_verify_mode(ssl::verify_peer);
  if (ca_file.empty()) {
    context.set_default_verify_paths(error);
  } else {
    context.load_verify_file(ca_file, error);
  }
  if (error) {
    return MakeError(ErrorCode::kInternal,
                     "cannot load the CA certificates of " +
                         (ca_file.empty() ? std::string("the system store") : ca_file) + ": " +
                         error.message());
  }
  return Status::Ok();
}

// The certificate must also name the URL's host (a DNS name, or an IP address in an IP SAN);
// SNI carries the host name.
Status NameHost(SSL* ssl, const Url& url) {
  boost::system::error_code error;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  boost::asio::ip::make_address(url.host, error);
  bool ip = !error;
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str())
               : X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size());
  // SNI names hosts, never addresses (RFC 6066).
  if (set != 1 || (!ip && SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1)) {
    return MakeError(ErrorCode::kInternal, "cannot set up TLS for host " + url.host);
  }
  return Status::Ok();
}

// One POST; the HTTP status, or an error for no response.
Result<unsigned> Post(const Url& url, const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      int64_t timeout_ms, const std::string& ca_file) {
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    if (!url.tls) {
      beast::tcp_stream stream(io);
      stream.expires_after(std::chrono::milliseconds(timeout_ms));
      stream.connect(resolver.resolve(url.host, url.port));
      unsigned status = Exchange(stream, url, body, headers);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return status;
    }
    ssl::context context(ssl::context::tls_client);
    CL_RETURN_IF_ERROR(LoadTrust(context, ca_file));
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    CL_RETURN_IF_ERROR(NameHost(stream.native_handle(), url));
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(timeout_ms));
    beast::get_lowest_layer(stream).connect(resolver.resolve(url.host, url.port));
    beast::error_code error;
    stream.handshake(ssl::stream_base::client, error);
    if (error) {
      long verify = SSL_get_verify_result(stream.native_handle());
      std::string reason = verify != X509_V_OK ? std::string("certificate verification failed: ") +
                                                     X509_verify_cert_error_string(verify)
                                               : error.message();
      return MakeError(ErrorCode::kInternal,
                       "TLS handshake with " + url.host + " failed: " + reason);
    }
    unsigned status = Exchange(stream, url, body, headers);
    // The answer is in: close without waiting for the receiver's close_notify, which a
    // receiver keeping the connection alive would not send.
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, error);
    return status;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, e.what());
  }
}

}  // namespace

std::string SignWebhook(const std::string& secret, int64_t unix_seconds, const std::string& body) {
  std::string message = std::to_string(unix_seconds) + "." + body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return "t=" + std::to_string(unix_seconds) + ",v1=" + HexOf(digest, length);
}

std::string AlertJson(const Alert& a) {
  json::object out{{"alert_id", a.alert_id},
                   {"rule", std::string(NameOf(a.rule))},
                   {"customer_id", a.customer_id},
                   {"segment", a.segment},
                   {"subject_id", a.subject_id},
                   {"amount_minor", a.amount_minor},
                   {"currency", a.currency.valid() ? std::string(a.currency.code()) : ""},
                   {"value", a.value},
                   {"detail", a.detail},
                   {"seq", a.seq},
                   {"time", FormatTimestamp(a.time)},
                   {"day", FormatDate(a.day)},
                   {"acknowledged", !a.acknowledged_by.empty()}};
  if (!a.acknowledged_by.empty()) {
    out["acknowledged_by"] = a.acknowledged_by;
    out["acknowledged_at"] = FormatTimestamp(a.acknowledged_at);
  }
  return json::serialize(out);
}

WebhookDispatcher::WebhookDispatcher(Engine& engine, std::string config_path,
                                     WebhookOptions options)
    : engine_(engine), config_path_(std::move(config_path)), options_(options) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

Status WebhookDispatcher::Load() {
  if (config_path_.empty() || !std::filesystem::exists(config_path_)) return Status::Ok();
  std::ifstream in(config_path_);
  std::stringstream text;
  text << in.rdbuf();
  try {
    json::value root = json::parse(text.str());
    std::lock_guard lock(mutex_);
    webhooks_.clear();
    for (const json::value& item : root.at("webhooks").as_array()) {
      const json::object& o = item.as_object();
      webhooks_.push_back(Webhook{
          json::value_to<std::string>(o.at("webhook_id")), json::value_to<std::string>(o.at("url")),
          json::value_to<std::string>(o.at("secret")), o.at("active").as_bool()});
    }
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kCorruptRecord, config_path_ + " is unreadable: " + e.what());
  }
  return Status::Ok();
}

Status WebhookDispatcher::Save() const {
  if (config_path_.empty()) return Status::Ok();
  json::array items;
  for (const Webhook& w : webhooks_) {
    items.push_back(json::object{
        {"webhook_id", w.webhook_id}, {"url", w.url}, {"secret", w.secret}, {"active", w.active}});
  }
  std::string temporary = config_path_ + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json::serialize(json::object{{"webhooks", items}});
    if (!out.flush()) return MakeError(ErrorCode::kStorageError, "cannot write " + temporary);
  }
  std::error_code error;
  std::filesystem::rename(temporary, config_path_, error);
  if (error) return MakeError(ErrorCode::kStorageError, "cannot replace " + config_path_);
  return Status::Ok();
}

Status WebhookDispatcher::Put(Webhook webhook) {
  CL_RETURN_IF_ERROR(ValidateId(webhook.webhook_id, "webhook_id"));
  CL_RETURN_IF_ERROR(ParseUrl(webhook.url));
  if (webhook.secret.size() < kWebhookSecretBytesMin || webhook.secret.size() > 256) {
    return MakeError(ErrorCode::kInvalidArgument, "secret must be 16 to 256 bytes", "secret");
  }
  std::lock_guard lock(mutex_);
  auto found = std::find_if(webhooks_.begin(), webhooks_.end(),
                            [&](const Webhook& w) { return w.webhook_id == webhook.webhook_id; });
  if (found != webhooks_.end()) {
    *found = webhook;
  } else {
    if (webhooks_.size() >= kWebhooksMax) {
      return MakeError(ErrorCode::kInvalidArgument, "at most 20 webhooks", "webhook_id");
    }
    webhooks_.push_back(webhook);
  }
  return Save();
}

Status WebhookDispatcher::Remove(const std::string& webhook_id) {
  std::lock_guard lock(mutex_);
  size_t removed =
      std::erase_if(webhooks_, [&](const Webhook& w) { return w.webhook_id == webhook_id; });
  if (removed == 0) {
    return MakeError(ErrorCode::kRouteNotFound, "no webhook '" + webhook_id + "'", "webhook_id");
  }
  return Save();
}

std::vector<Webhook> WebhookDispatcher::List() const {
  std::lock_guard lock(mutex_);
  return webhooks_;
}

std::vector<DeliveryRecord> WebhookDispatcher::Deliveries(size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<DeliveryRecord> out;
  for (auto it = log_.rbegin(); it != log_.rend() && out.size() < limit; ++it) out.push_back(*it);
  return out;
}

void WebhookDispatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::Loop() {
  TimeMs next_poll = 0;
  while (true) {
    TimeMs now = SystemNowMs();
    if (now >= next_poll) {
      Poll();
      next_poll = now + options_.poll_ms;
    }
    std::optional<Delivery> due;
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      auto found =
          std::min_element(queue_.begin(), queue_.end(),
                           [](const Delivery& a, const Delivery& b) { return a.due < b.due; });
      if (found != queue_.end() && found->due <= now) {
        due = std::move(*found);
        queue_.erase(found);
      } else {
        TimeMs until = next_poll;
        if (found != queue_.end()) until = std::min(until, found->due);
        wake_.wait_for(lock, std::chrono::milliseconds(std::max<TimeMs>(until - now, 1)));
        continue;
      }
    }
    Attempt(std::move(*due));
  }
}

void WebhookDispatcher::Poll() {
  auto promise = std::make_shared<std::promise<std::vector<Alert>>>();
  std::future<std::vector<Alert>> future = promise->get_future();
  std::optional<uint64_t> cursor;
  {
    std::lock_guard lock(mutex_);
    cursor = cursor_;
  }
  auto skipped = std::make_shared<bool>(false);
  bool taken = engine_.Submit([promise, cursor, skipped](EngineContext& context) -> Continuation {
    const MonitorState& m = context.state.monitor();
    // The first poll starts after the newest alert: older ones are in GET /v1/alerts. A
    // standby delivers nothing (the active server does) and keeps up with the newest alert,
    // so that after a takeover it delivers what comes next.
    if (!cursor || context.standby) {
      *skipped = true;
      Alert mark;
      mark.alert_id = m.last_alert_id;
      promise->set_value({mark});
      return nullptr;
    }
    AlertFilter filter;
    filter.after_id = *cursor;
    promise->set_value(context.state.Alerts(filter, kAlertsPerPollMax));
    return nullptr;
  });
  if (!taken || future.wait_for(std::chrono::milliseconds(options_.timeout_ms)) !=
                    std::future_status::ready) {
    return;
  }
  std::vector<Alert> alerts = future.get();
  std::lock_guard lock(mutex_);
  if (*skipped) {
    cursor_ = alerts.empty() ? 0 : alerts.front().alert_id;
    return;
  }
  TimeMs now = SystemNowMs();
  for (const Alert& alert : alerts) {
    cursor_ = alert.alert_id;
    std::string body = AlertJson(alert);
    for (const Webhook& webhook : webhooks_) {
      if (!webhook.active) continue;
      Delivery delivery{next_delivery_id_++, alert.alert_id, webhook, body, 0, now};
      if (queue_.size() >= kWebhookQueueMax) {
        log_.push_back(DeliveryRecord{delivery.delivery_id, alert.alert_id, webhook.webhook_id, 0,
                                      now, 0, "dropped", "the delivery queue is full"});
        if (log_.size() > kWebhookLogMax) log_.pop_front();
        continue;
      }
      queue_.push_back(std::move(delivery));
    }
  }
}

void WebhookDispatcher::Attempt(Delivery delivery) {
  ++delivery.attempt;
  Result<Url> url = ParseUrl(delivery.webhook.url);
  int64_t unix_seconds = SystemNowMs() / 1000;
  std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Creditline-Signature", SignWebhook(delivery.webhook.secret, unix_seconds, delivery.body)},
      {"X-Creditline-Delivery", std::to_string(delivery.delivery_id)},
      {"X-Creditline-Attempt", std::to_string(delivery.attempt)}};
  Result<unsigned> status =
      url.ok() ? Post(*url, delivery.body, headers, options_.timeout_ms, options_.ca_file)
               : Result<unsigned>(url.error());
  if (status.ok() && *status >= 200 && *status < 300) {
    return Log(delivery, *status, "delivered", "");
  }
  std::string error = status.ok() ? "HTTP " + std::to_string(*status) : status.error().message;
  if (delivery.attempt >= options_.attempts_max) {
    return Log(delivery, status.ok() ? *status : 0, "failed", error);
  }
  Log(delivery, status.ok() ? *status : 0, "retry", error);
  delivery.due = SystemNowMs() + (options_.backoff_first_ms << (delivery.attempt - 1));
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(delivery));
}

void WebhookDispatcher::Log(const Delivery& delivery, unsigned status, std::string outcome,
                            std::string error) {
  std::lock_guard lock(mutex_);
  log_.push_back(DeliveryRecord{delivery.delivery_id, delivery.alert_id,
                                delivery.webhook.webhook_id, delivery.attempt, SystemNowMs(),
                                status, std::move(outcome), std::move(error)});
  if (log_.size() > kWebhookLogMax) log_.pop_front();
}

}  // namespace creditline::service
