// `creditline benchmark durable` and `creditline benchmark recovery`: the journal's speed.
//
// durable: in-process clients submit check-and-reserve commands through the engine (the service
// API every HTTP handler uses) with the journal on (SQLite, or PostgreSQL with --store); a command
// counts once its reply is released, which happens only after its batch is committed. Prints
// ops/s and ack latency.
//
// recovery: builds a journal of N events (reserves, cancels, invoices and payments with
// idempotency keys), then times the recovery a restart does, and checks the recovered state's
// hash against the state that wrote the journal.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "cli/storage.hpp"
#include "core/codec.hpp"
#include "core/snapshot.hpp"
#include "core/state.hpp"
#include "service/engine.hpp"
#include "service/recovery.hpp"
#include "store/chain.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace creditline::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr TimeMs kBenchmarkStartTime = 1'790'000'000'000;  // 2026-09-21, a fixed instant.
// Records appended per transaction while the recovery benchmark builds its journal.
constexpr size_t kBuildCommitRecords = 16'384;

double SecondsSince(Clock::time_point begin) {
  return std::chrono::duration<double>(Clock::now() - begin).count();
}

double PercentileMs(std::vector<int64_t>& values_us, double fraction) {
  if (values_us.empty()) return 0;
  size_t index = std::min(values_us.size() - 1, static_cast<size_t>(values_us.size() * fraction));
  std::nth_element(values_us.begin(), values_us.begin() + index, values_us.end());
  return values_us[index] / 1000.0;
}

// A scratch data directory, removed at the end unless kept.
struct ScratchDir {
  explicit ScratchDir(std::string given, const char* suite) : keep(!given.empty()) {
    path = keep ? std::move(given)
                : (std::filesystem::temp_directory_path() /
                   ("creditline-" + std::string(suite) + "-" + std::to_string(::getpid())))
                      .string();
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    if (!keep) std::filesystem::remove_all(path);
  }
  std::string path;
  bool keep;
};

Envelope At(TimeMs time, std::string key) {
  Envelope envelope;
  envelope.idempotency_key = std::move(key);
  envelope.actor = "benchmark";
  envelope.time = time;
  envelope.today = DateOf(time, 0);
  return envelope;
}

std::vector<Command> AccountCommands(size_t accounts) {
  std::vector<Command> commands;
  for (size_t i = 0; i < accounts; ++i) {
    std::string id = "C" + std::to_string(i);
    commands.push_back(CreateCustomer{id, "Customer " + id, "", "", {}});
    OpenAccount open;
    open.account = AccountRef{id, ""};
    open.currency = Currency::Of("CNY");
    open.limit_minor = 900'000'000'000'000;  // Every order is approved.
    commands.push_back(open);
  }
  return commands;
}

// --- durable ------------------------------------------------------------------------------------

struct DurableOptions {
  size_t accounts = 10'000;
  uint64_t operations = 1'000'000;
  int clients = 4;
  int window = 1'024;  // Commands each client keeps in flight.
  uint64_t snapshot_every_events = 1'000'000;
  std::string data_dir;
  std::string store_url;  // Empty: SQLite in the scratch directory.
};

// One in-process client: keeps `window` commands in flight and records each ack's latency.
class DurableClient {
 public:
  DurableClient(service::Engine& engine, int id, const DurableOptions& options)
      : engine_(engine), id_(id), options_(options) {
    latencies_us_.reserve(options.operations / options.clients + 1);
  }

  void Run(uint64_t operations) {
    std::mt19937_64 random(id_);
    for (uint64_t i = 0; i < operations; ++i) {
      {
        std::unique_lock lock(mutex_);
        if (in_flight_ == options_.window) {
          room_.wait(lock, [&] { return in_flight_ <= options_.window / 2; });
        }
        ++in_flight_;
      }
      ReserveOrder reserve;
      reserve.order_id = "O" + std::to_string(id_) + "-" + std::to_string(i);
      reserve.account.customer_id = "C" + std::to_string(random() % options_.accounts);
      reserve.amount = Money{static_cast<int64_t>(random() % 1'000'000) + 1, Currency::Of("CNY")};
      std::string key = "k" + std::to_string(id_) + "-" + std::to_string(i);
      while (!engine_.Submit(Task(std::move(reserve), std::move(key)))) std::this_thread::yield();
    }
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return in_flight_ == 0; });
  }

  std::vector<int64_t>& latencies_us() { return latencies_us_; }
  uint64_t failed() const { return failed_; }

 private:
  service::EngineTask Task(ReserveOrder reserve, std::string key) {
    Clock::time_point submitted = Clock::now();
    return [this, reserve = std::move(reserve), key = std::move(key),
            submitted](service::EngineContext& context) -> service::Continuation {
      Result<CommandResult> result =
          context.state.Execute(At(context.stamp.time, key), reserve, context.events);
      bool ok = result.ok();
      return [this, submitted, ok](bool durable) { Acked(submitted, ok && durable); };
    };
  }

  void Acked(Clock::time_point submitted, bool ok) {
    int64_t us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - submitted).count();
    std::lock_guard lock(mutex_);
    latencies_us_.push_back(us);
    if (!ok) ++failed_;
    // Wake the client only when half its window is free (or all of it, at the end): one wake
    // per ack would cost the journaler thread, which runs this, more than the ack itself.
    if (--in_flight_ == options_.window / 2 || in_flight_ == 0) room_.notify_one();
  }

  service::Engine& engine_;
  int id_;
  const DurableOptions& options_;
  std::mutex mutex_;
  std::condition_variable room_;
  int in_flight_ = 0;
  uint64_t failed_ = 0;
  std::vector<int64_t> latencies_us_;
};

// Runs the commands in one engine task and waits until they are durable.
Status SubmitAndWait(service::Engine& engine, std::vector<Command> commands) {
  std::mutex mutex;
  std::condition_variable done;
  std::optional<Status> outcome;
  bool taken = engine.Submit([&](service::EngineContext& context) -> service::Continuation {
    Status status;
    for (const Command& command : commands) {
      Result<CommandResult> result =
          context.state.Execute(At(context.stamp.time, ""), command, context.events);
      if (!result.ok()) status = result.error();
    }
    return [&, status](bool durable) {
      std::lock_guard lock(mutex);
      outcome = durable ? status : Status(MakeError(ErrorCode::kStorageError, "not durable"));
      done.notify_one();
    };
  });
  if (!taken) return MakeError(ErrorCode::kOverloaded, "the engine refused the setup");
  std::unique_lock lock(mutex);
  done.wait(lock, [&] { return outcome.has_value(); });
  return *outcome;
}

// The benchmark's engine starts from an empty state, so the store's journal must be empty too.
Status RequireEmptyJournal(store::Store& store) {
  CL_ASSIGN_OR_RETURN(std::unique_ptr<store::JournalReader> reader, store.OpenReader());
  CL_ASSIGN_OR_RETURN(store::JournalTip tip, reader->Tip());
  if (tip.seq == 0) return Status::Ok();
  return MakeError(ErrorCode::kInvalidArgument,
                   store.Describe() +
                       " already has a journal; the benchmark needs an empty one "
                       "(a new database, or a new schema in the URL's search_path)");
}

void RunDurableBenchmark(const DurableOptions& options) {
  ScratchDir dir(options.data_dir, "durable");
  auto calendar = service::BusinessCalendar::ForZone("UTC");
  auto opened = OpenStore(dir.path, options.store_url, true);
  if (!opened.ok()) return SetExitCode(Fail(opened.error()));
  if (Status empty = RequireEmptyJournal(**opened); !empty.ok()) {
    return SetExitCode(Fail(empty.error()));
  }
  auto writer = (*opened)->OpenWriter();
  if (!writer.ok()) return SetExitCode(Fail(writer.error()));
  service::Durability durability;
  durability.writer = std::move(*writer);
  durability.snapshots.every_events = options.snapshot_every_events;
  service::Engine engine(*calendar, State(), std::move(durability));
  engine.Start();
  Status setup = SubmitAndWait(engine, AccountCommands(options.accounts));
  if (!setup.ok()) return SetExitCode(Fail(setup.error()));
  std::fprintf(stderr, "created %zu accounts\n", options.accounts);

  std::vector<std::unique_ptr<DurableClient>> clients;
  for (int i = 0; i < options.clients; ++i) {
    clients.push_back(std::make_unique<DurableClient>(engine, i, options));
  }
  service::JournalerStats before = engine.journaler()->stats();
  Clock::time_point begin = Clock::now();
  std::vector<std::thread> threads;
  uint64_t each = options.operations / options.clients;
  for (auto& client : clients) threads.emplace_back([&client, each] { client->Run(each); });
  for (std::thread& thread : threads) thread.join();
  double seconds = SecondsSince(begin);
  service::JournalerStats after = engine.journaler()->stats();
  service::EngineStats engine_stats = engine.stats();
  engine.Stop();
  engine_stats.closing_snapshot_us = engine.stats().closing_snapshot_us;

  std::vector<int64_t> latencies;
  uint64_t failed = 0;
  for (auto& client : clients) {
    latencies.insert(latencies.end(), client->latencies_us().begin(), client->latencies_us().end());
    failed += client->failed();
  }
  uint64_t operations = each * options.clients;
  uint64_t commits = after.commits - before.commits;
  std::printf(
      "%llu durable check-and-reserves from %d clients (window %d) in %.3f s: %llu "
      "commits, %.0f records per commit on average, largest %llu\n",
      static_cast<unsigned long long>(operations), options.clients, options.window, seconds,
      static_cast<unsigned long long>(commits),
      commits > 0 ? static_cast<double>(after.records - before.records) / commits : 0.0,
      static_cast<unsigned long long>(after.largest_commit));
  std::printf(
      "snapshots: %llu taken while serving (last %.1f MB), longest engine pause %.2f ms (the "
      "fork); the closing snapshot took %.0f ms\n",
      static_cast<unsigned long long>(engine_stats.snapshots_taken),
      engine_stats.last_snapshot_bytes / 1e6, engine_stats.max_snapshot_pause_us / 1000.0,
      engine_stats.closing_snapshot_us / 1000.0);
  double p50 = PercentileMs(latencies, 0.50), p99 = PercentileMs(latencies, 0.99);
  std::printf(
      "{\"suite\":\"durable\",\"store\":\"%s\",\"accounts\":%zu,\"operations\":%llu,"
      "\"clients\":%d,\"window\":%d,\"seconds\":%.3f,\"ops_per_sec\":%.0f,\"ack_p50_ms\":%.3f,"
      "\"ack_p99_ms\":%.3f,\"commits\":%llu,\"snapshot_pause_ms\":%.2f,\"failed\":%llu}\n",
      options.store_url.empty() ? "sqlite" : "postgresql", options.accounts,
      static_cast<unsigned long long>(operations), options.clients, options.window, seconds,
      operations / seconds, p50, p99, static_cast<unsigned long long>(commits),
      engine_stats.max_snapshot_pause_us / 1000.0, static_cast<unsigned long long>(failed));
  if (failed > 0) SetExitCode(1);
}

// --- recovery -----------------------------------------------------------------------------------

struct RecoveryOptions {
  uint64_t events = 5'000'000;
  size_t accounts = 100'000;
  uint64_t snapshot_at = 0;  // Write a snapshot once the journal reaches this record; 0: none.
  std::string data_dir;
};

// Writes `state` as the snapshot after journal record `tip`, as the journaler does.
Status WriteSnapshot(store::JournalWriter& writer, const State& state, store::JournalTip tip) {
  std::string bytes = EncodeSnapshot(state);
  HashSink sink;
  sink.Bytes(bytes.data(), bytes.size());
  store::SnapshotInfo info{tip.seq, 0, state.StateHash(), tip.hash, bytes.size(), sink.Digest()};
  CL_RETURN_IF_ERROR(writer.BeginSnapshot(info));
  uint32_t chunk = 0;
  for (size_t at = 0; at < bytes.size(); at += service::kSnapshotChunkBytes) {
    std::string_view part = std::string_view(bytes).substr(at, service::kSnapshotChunkBytes);
    CL_RETURN_IF_ERROR(writer.AppendSnapshotChunk(tip.seq, chunk++, part));
  }
  return writer.CompleteSnapshot(tip.seq, 1);
}

// Generates `count` events (more when opening the accounts alone takes more) by running the
// accounts' opening commands and then a mix of commands through a State: half new orders, a
// quarter invoicing the oldest open order in full (or, one time in ten, cancelling it), a quarter
// payments, every one with an idempotency key; `sink` receives each batch of events.
class JournalBuilder {
 public:
  explicit JournalBuilder(size_t accounts) : accounts_(accounts), random_(7) {}

  Status Build(uint64_t count, const std::function<Status(std::vector<Event>&)>& sink) {
    std::vector<Event> events;
    for (const Command& command : AccountCommands(accounts_)) {
      CL_RETURN_IF_ERROR(Execute(command, &events));
      if (events.size() >= kBuildCommitRecords) {
        CL_RETURN_IF_ERROR(sink(events));
        events.clear();
      }
    }
    uint64_t operation = 0;
    while (state_.last_seq() < count) {
      CL_RETURN_IF_ERROR(Execute(NextCommand(operation++), &events));
      if (events.size() >= kBuildCommitRecords) {
        CL_RETURN_IF_ERROR(sink(events));
        events.clear();
      }
    }
    // The rest, including the accounts' own events when they alone reach `count`.
    if (!events.empty()) CL_RETURN_IF_ERROR(sink(events));
    return Status::Ok();
  }
  const State& state() const { return state_; }

 private:
  Status Execute(const Command& command, std::vector<Event>* events) {
    time_ += 1;  // 1,000 commands a simulated second.
    Result<CommandResult> result =
        state_.Execute(At(time_, "k" + std::to_string(state_.last_seq())), command, events);
    if (!result.ok()) return result.error();
    return Status::Ok();
  }

  Command NextCommand(uint64_t operation) {
    std::string customer = "C" + std::to_string(random_() % accounts_);
    switch (operation % 4) {
      case 0:
      case 1: {  // A new order; it stays open for a while.
        ReserveOrder reserve;
        reserve.order_id = "O" + std::to_string(operation);
        reserve.account.customer_id = customer;
        reserve.amount =
            Money{static_cast<int64_t>(random_() % 1'000'000) + 1, Currency::Of("CNY")};
        open_.push_back(reserve);
        return reserve;
      }
      case 2: {  // The oldest open order is invoiced in full, or every tenth one cancelled.
        ReserveOrder order = std::move(open_.front());
        open_.pop_front();
        if (operation % 40 == 2) return CancelOrder{order.order_id, ""};
        CreateInvoice invoice;
        invoice.invoice_id = "I" + order.order_id;
        invoice.account = order.account;
        invoice.order_id = order.order_id;
        invoice.amount = order.amount;
        invoice.issued_on = DateOf(time_, 0);
        invoice.close_order = true;
        return invoice;
      }
      default: {  // A payment against the customer's oldest invoices.
        RecordPayment payment;
        payment.payment_id = "P" + std::to_string(operation);
        payment.account.customer_id = customer;
        payment.amount = Money{static_cast<int64_t>(random_() % 500'000) + 1, Currency::Of("CNY")};
        payment.received_on = DateOf(time_, 0);
        return payment;
      }
    }
  }

  size_t accounts_;
  std::mt19937_64 random_;
  State state_;
  TimeMs time_ = kBenchmarkStartTime;
  std::deque<ReserveOrder> open_;
};

void RunRecoveryBenchmark(const RecoveryOptions& options) {
  ScratchDir dir(options.data_dir, "recovery");
  auto opened = store::OpenSqliteStore(dir.path + "/journal.db", true);
  if (!opened.ok()) return SetExitCode(Fail(opened.error()));
  uint64_t expected_hash = 0;
  {
    auto writer = (*opened)->OpenWriter();
    if (!writer.ok()) return SetExitCode(Fail(writer.error()));
    store::ChainSealer sealer({0, 0});
    std::vector<store::JournalRecord> records;
    JournalBuilder builder(options.accounts);
    Clock::time_point begin = Clock::now();
    uint64_t reported = 0, snapshot_seq = 0;
    Status built = builder.Build(options.events, [&](std::vector<Event>& events) -> Status {
      records.clear();
      for (const Event& event : events) records.push_back(sealer.Seal(event));
      CL_RETURN_IF_ERROR((*writer)->Append(records));
      if (options.snapshot_at > 0 && snapshot_seq == 0 && sealer.tip().seq >= options.snapshot_at) {
        snapshot_seq = sealer.tip().seq;
        CL_RETURN_IF_ERROR(WriteSnapshot(**writer, builder.state(), sealer.tip()));
      }
      if (sealer.tip().seq - reported >= 1'000'000) {
        reported = sealer.tip().seq;
        std::fprintf(stderr, "journal: %llu events written\n",
                     static_cast<unsigned long long>(reported));
      }
      return Status::Ok();
    });
    if (!built.ok()) return SetExitCode(Fail(built.error()));
    expected_hash = builder.state().StateHash();
    std::fprintf(stderr, "built a journal of %llu events in %.1f s\n",
                 static_cast<unsigned long long>(sealer.tip().seq), SecondsSince(begin));
  }
  auto reader = (*opened)->OpenReader();
  if (!reader.ok()) return SetExitCode(Fail(reader.error()));
  State state;
  Result<service::RecoveryReport> report =
      service::Recover(**reader, &state, [](uint64_t done, uint64_t total) {
        std::fprintf(stderr, "recovery: %llu of %llu events replayed\n",
                     static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
      });
  if (!report.ok()) return SetExitCode(Fail(report.error()));
  bool same = state.StateHash() == expected_hash;
  double seconds = report->snapshot_seconds + report->replay_seconds;
  std::printf(
      "recovered %llu events in %.3f s (snapshot at %llu loaded in %.3f s, then %llu replayed in "
      "%.3f s); state hash %s the writer's\n",
      static_cast<unsigned long long>(report->tip.seq), seconds,
      static_cast<unsigned long long>(report->snapshot_seq), report->snapshot_seconds,
      static_cast<unsigned long long>(report->replayed), report->replay_seconds,
      same ? "equals" : "DIFFERS FROM");
  std::printf(
      "{\"suite\":\"recovery\",\"store\":\"sqlite\",\"events\":%llu,\"accounts\":%zu,"
      "\"snapshot_seq\":%llu,\"snapshot_seconds\":%.3f,\"replayed\":%llu,"
      "\"replay_seconds\":%.3f,\"seconds\":%.3f,\"events_per_sec\":%.0f,"
      "\"state_hash_matches\":%s}\n",
      static_cast<unsigned long long>(report->tip.seq), options.accounts,
      static_cast<unsigned long long>(report->snapshot_seq), report->snapshot_seconds,
      static_cast<unsigned long long>(report->replayed), report->replay_seconds, seconds,
      report->tip.seq / seconds, same ? "true" : "false");
  if (!same) SetExitCode(1);
}

}  // namespace

void AddStoreBenchmarkCommands(CLI::App& benchmark) {
  static DurableOptions durable_options;
  CLI::App* durable =
      benchmark.add_subcommand("durable",
                               "Check-and-reserves through the engine with the journal (group "
                               "commit): SQLite, or PostgreSQL with --store");
  durable->add_option("--accounts", durable_options.accounts, "Credit accounts")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  durable->add_option("--operations", durable_options.operations, "Check-and-reserves")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  durable->add_option("--clients", durable_options.clients, "Client threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  durable->add_option("--window", durable_options.window, "Commands in flight per client")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  durable
      ->add_option("--snapshot-every-events", durable_options.snapshot_every_events,
                   "Snapshot after this many events (0: never)")
      ->capture_default_str();
  durable->add_option("--data", durable_options.data_dir,
                      "Keep the journal in this directory (default: a temporary one)");
  AddStoreOption(*durable, durable_options.store_url);
  durable->callback([] { RunDurableBenchmark(durable_options); });

  static RecoveryOptions recovery_options;
  CLI::App* recovery = benchmark.add_subcommand(
      "recovery", "Build a journal of N events, then time recovering the state from it");
  recovery->add_option("--events", recovery_options.events, "Journal events")
      ->check(CLI::Range(uint64_t{1'000}, uint64_t{1'000'000'000}))
      ->capture_default_str();
  recovery->add_option("--accounts", recovery_options.accounts, "Credit accounts")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  recovery
      ->add_option("--snapshot-at", recovery_options.snapshot_at,
                   "Also write a snapshot once the journal reaches this record (0: none), so "
                   "the restart loads it and replays only the rest")
      ->capture_default_str();
  recovery->add_option("--data", recovery_options.data_dir,
                       "Keep the journal in this directory (default: a temporary one)");
  recovery->callback([] { RunRecoveryBenchmark(recovery_options); });
}

}  // namespace creditline::cli
