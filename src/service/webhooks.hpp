// Webhooks: every alert the state raises is POSTed as JSON to each configured receiver, signed
// with HMAC-SHA256, retried with exponential backoff, and recorded in a delivery log.
//
// The dispatcher runs on its own thread. It polls the engine for alerts newer than the last it
// saw (a short read task), queues one delivery per alert and webhook in a bounded queue, and
// delivers over HTTP or HTTPS with Boost.Beast with a short timeout (HTTPS verifies the
// receiver's certificate and host name against the system CA store or a configured CA file); a slow
// or dead receiver delays only other deliveries, never a credit check. Webhook configuration is
// kept in DATA/webhooks.json (written atomically), or in memory only when there is no data
// directory. Alerts raised while the server was down are not delivered after a restart (they stay
// in GET /v1/alerts). All public methods are thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/monitor.hpp"
#include "service/engine.hpp"

namespace creditline::service {

// Deliveries waiting beyond this are dropped (and logged): a dead receiver cannot grow memory.
inline constexpr size_t kWebhookQueueMax = 10'000;
// The delivery log keeps this many recent attempts.
inline constexpr size_t kWebhookLogMax = 1'000;
inline constexpr size_t kWebhooksMax = 20;  // Receivers; each alert costs one POST per receiver.
inline constexpr size_t kWebhookSecretBytesMin = 16;

struct WebhookOptions {
  int64_t poll_ms = 250;             // How often the engine is asked for new alerts.
  int64_t timeout_ms = 5'000;        // Connect plus request plus response, per attempt.
  int64_t backoff_first_ms = 1'000;  // Wait before the second attempt; doubles each time.
  int attempts_max = 6;              // 1 s, 2 s, 4 s, 8 s, 16 s: about half a minute in all.
  // PEM CA certificates that https:// receivers' certificates must chain to, for a private CA;
  // empty: the system's CA store.
  std::string ca_file;
};

struct Webhook {
  std::string webhook_id, url, secret;
  bool active = true;
};

struct DeliveryRecord {
  uint64_t delivery_id = 0, alert_id = 0;
  std::string webhook_id;
  int attempt = 0;
  TimeMs time = 0;
  unsigned status = 0;  // HTTP status; 0 when no response.
  std::string outcome;  // "delivered", "retry", "failed", "dropped".
  std::string error;
};

// The signature header's value: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>".
std::string SignWebhook(const std::string& secret, int64_t unix_seconds, const std::string& body);
// The JSON body of an alert.
std::string AlertJson(const Alert& alert);

class WebhookDispatcher {
 public:
  // `config_path` empty: configuration in memory only.
  WebhookDispatcher(Engine& engine, std::string config_path, WebhookOptions options = {});
  ~WebhookDispatcher();
  Status Load();
  void Start();
  void Stop();

  Status Put(Webhook webhook);  // Creates or replaces by id.
  Status Remove(const std::string& webhook_id);
  std::vector<Webhook> List() const;
  std::vector<DeliveryRecord> Deliveries(size_t limit) const;  // Newest first.

 private:
  struct Delivery {
    uint64_t delivery_id = 0, alert_id = 0;
    Webhook webhook;
    std::string body;
    int attempt = 0;
    TimeMs due = 0;
  };
  void Loop();
  void Poll();
  void Attempt(Delivery delivery);
  Status Save() const;  // REQUIRES: mutex_ held.
  void Log(const Delivery& delivery, unsigned status, std::string outcome, std::string error);

  Engine& engine_;
  std::string config_path_;
  WebhookOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<Webhook> webhooks_;
  std::deque<Delivery> queue_;
  std::deque<DeliveryRecord> log_;
  std::optional<uint64_t> cursor_;  // The last alert id seen.
  uint64_t next_delivery_id_ = 1;
  std::thread thread_;
};

}  // namespace creditline::service
