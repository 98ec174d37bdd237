// `creditline demo`: a short scripted portfolio run through the engine in memory. It prints each
// decision with its reasons and the account views, so a newcomer sees what Creditline decides
// and why without setting anything up.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/state.hpp"

namespace creditline::cli {
namespace {

class DemoRun {
 public:
  DemoRun() {
    std::printf("Creditline demo: a small portfolio, decided in memory by the credit engine.\n");
    SetDay("2026-03-02");
  }

  void SetDay(const char* date) {
    env_.today = *ParseDate(date);
    env_.time = int64_t{env_.today.days} * kMsPerDay + 9 * 3'600'000;  // 09:00 UTC.
    std::printf("\n== %s ==\n", date);
  }

  // Runs a command that must succeed (the script is fixed); prints the decision when it has one.
  void Run(const std::string& label, const Command& command) {
    NextKey();
    Result<CommandResult> result = state_.Execute(env_, command, &events_);
    if (!result.ok()) {
      std::printf("  %-46s ERROR %s: %s\n", label.c_str(),
                  std::string(NameOf(result.error().code)).c_str(), result.error().message.c_str());
      failed_ = true;
      return;
    }
    if (result->decision) PrintDecision(label, *result->decision);
  }

  // Runs a command that the script expects to be refused, to show the error.
  void Refused(const std::string& label, const Command& command) {
    NextKey();
    Result<CommandResult> result = state_.Execute(env_, command, &events_);
    if (result.ok()) {
      std::printf("  %-46s unexpectedly accepted\n", label.c_str());
      failed_ = true;
      return;
    }
    std::printf("  %-46s refused: %s (%s)\n", label.c_str(),
                std::string(NameOf(result.error().code)).c_str(), result.error().message.c_str());
  }

  void PrintDecision(const std::string& label, const Decision& d) {
    std::printf("  %-46s %-22s available after %s\n", label.c_str(),
                std::string(NameOf(d.outcome)).c_str(),
                FormatMoney(Money{d.available_after_minor, d.currency}).c_str());
    for (const Reason& reason : d.reasons) {
      std::printf("      - %s [%s]: %s\n", std::string(NameOf(reason.code)).c_str(),
                  std::string(NameOf(reason.action)).c_str(), ExplainReason(d, reason).c_str());
    }
  }

  void PrintAccounts(const std::vector<std::string>& customer_ids) {
    std::printf("\n  %-8s %-24s %-16s %16s %16s %16s %16s %7s %5s\n", "customer", "name", "status",
                "limit", "orders", "receivables", "available", "util%", "dpd");
    for (const std::string& id : customer_ids) {
      Result<AccountView> view = state_.ViewAccount(AccountRef{id, ""}, env_.today);
      if (!view.ok()) continue;
      auto money = [&](int64_t minor) { return FormatMoney(Money{minor, view->currency}); };
      std::printf("  %-8s %-24s %-16s %16s %16s %16s %16s %6d%% %5d\n", id.c_str(),
                  view->customer_name.c_str(), std::string(NameOf(view->status)).c_str(),
                  money(view->effective_limit_minor).c_str(),
                  money(view->orders_open_minor).c_str(),
                  money(view->receivables_open_minor).c_str(), money(view->available_minor).c_str(),
                  view->utilization_bp / 100, view->oldest_days_past_due);
    }
  }

  // Replays every event into a fresh state: the same state hash proves the journal suffices.
  bool VerifyReplay() const {
    State replayed;
    for (const Event& event : events_) replayed.Apply(event);
    bool same = replayed.StateHash() == state_.StateHash();
    std::printf("\n%zu events; replayed state hash %016llx %s live state hash %016llx\n",
                events_.size(), static_cast<unsigned long long>(replayed.StateHash()),
                same ? "==" : "!=", static_cast<unsigned long long>(state_.StateHash()));
    return same;
  }

  const State& state() const { return state_; }
  bool failed() const { return failed_; }

 private:
  void NextKey() {
    env_.idempotency_key = "demo-" + std::to_string(++counter_);
    env_.actor = "demo";
  }

  State state_;
  Envelope env_;
  std::vector<Event> events_;
  int counter_ = 0;
  bool failed_ = false;
};

Money Cny(const char* amount) { return *ParseMoney(amount, Currency::Of("CNY")); }
Money Usd(const char* amount) { return *ParseMoney(amount, Currency::Of("USD")); }

void AddCustomer(DemoRun& demo, const char* id, const char* name, const char* industry,
                 const char* limit, const char* policy = "standard", const char* group = "") {
  demo.Run("create customer", CreateCustomer{id, name, industry, "East China", {}});
  OpenAccount open;
  open.account = AccountRef{id, ""};
  open.currency = Currency::Of("CNY");
  open.limit_minor = Cny(limit).minor;
  open.policy = policy;
  open.group_id = group;
  open.review_on = *ParseDate("2026-12-31");
  demo.Run("open account", open);
}

void SetUp(DemoRun& demo) {
  Policy strict;
  strict.name = "strict";
  strict.tolerance_bp = 0;
  strict.warning_bp = 7'000;
  strict.max_days_past_due = 15;
  strict.max_order_value = Cny("200000.00");
  demo.Run("policy strict", SetPolicy{strict});
  Policy standard;
  standard.tolerance_bp = 500;  // 5%.
  standard.max_days_past_due = 30;
  demo.Run("policy standard", SetPolicy{standard});
  demo.Run("FX USD->CNY 7.1", SetFxRate{Currency::Of("USD"), Currency::Of("CNY"),
                                        *ParseFxRate("7.1"), *ParseDate("2026-01-01")});
  demo.Run("group Huaxin", CreateGroup{"G-HUAXIN", "Huaxin Holdings", Cny("800000.00")});
  AddCustomer(demo, "C100", "Jinhai Steel Trading", "metals", "500000.00");
  AddCustomer(demo, "C200", "Lotus Electronics", "electronics", "300000.00", "strict");
  AddCustomer(demo, "C300", "Huaxin Logistics", "logistics", "600000.00", "standard", "G-HUAXIN");
  AddCustomer(demo, "C301", "Huaxin Cold Chain", "logistics", "400000.00", "standard", "G-HUAXIN");
  AddCustomer(demo, "C400", "Mingde Textiles", "textiles", "100000.00");
}

void Script(DemoRun& demo) {
  demo.Run("C100 order SO-1001 CNY 320,000",
           ReserveOrder{"SO-1001", {"C100", ""}, Cny("320000.00")});
  demo.Run("C100 order SO-1002 CNY 150,000",
           ReserveOrder{"SO-1002", {"C100", ""}, Cny("150000.00")});
  demo.Run("C100 order SO-1003 CNY 60,000", ReserveOrder{"SO-1003", {"C100", ""}, Cny("60000.00")});
  demo.Run("C200 order SO-2001 USD 20,000", ReserveOrder{"SO-2001", {"C200", ""}, Usd("20000.00")});
  demo.Run("C200 order SO-2002 CNY 250,000",
           ReserveOrder{"SO-2002", {"C200", ""}, Cny("250000.00")});
  demo.Run("C300 order SO-3001 CNY 500,000",
           ReserveOrder{"SO-3001", {"C300", ""}, Cny("500000.00")});
  demo.Run("C301 order SO-3101 CNY 350,000",
           ReserveOrder{"SO-3101", {"C301", ""}, Cny("350000.00")});
  demo.Run("C400 invoice INV-4001 (net 30)",
           CreateInvoice{"INV-4001", {"C400", ""}, "", Cny("40000.00"), *ParseDate("2026-03-02")});
  demo.Refused("C999 order (no such customer)", ReserveOrder{"SO-9", {"C999", ""}, Cny("1.00")});
  demo.Refused("C100 order of CNY 0.00 (bad amount)",
               ReserveOrder{"SO-10", {"C100", ""}, Money{0, Currency::Of("CNY")}});
  demo.PrintAccounts({"C100", "C200", "C300", "C301", "C400"});

  demo.SetDay("2026-03-10");
  demo.Run("C100 invoice INV-1001 for SO-1001",
           CreateInvoice{
               "INV-1001", {"C100", ""}, "SO-1001", Cny("320000.00"), *ParseDate("2026-03-10")});
  demo.Run("C100 payment PAY-1 CNY 200,000",
           RecordPayment{"PAY-1", {"C100", ""}, "", Cny("200000.00"), *ParseDate("2026-03-10")});
  demo.Run("C100 release SO-1003 (credit manager)",
           ReleaseHold{"SO-1003", "long-standing customer, payment promised"});
  demo.Run("C301 reject SO-3101", RejectHold{"SO-3101", "group exposure too high"});
  demo.Run("C300 cancel SO-3001", CancelOrder{"SO-3001", "customer withdrew"});
  demo.Run("C301 order SO-3102 CNY 350,000",
           ReserveOrder{"SO-3102", {"C301", ""}, Cny("350000.00")});

  demo.SetDay("2026-05-20");
  demo.Run("C400 order SO-4001 CNY 10,000 (invoice overdue)",
           ReserveOrder{"SO-4001", {"C400", ""}, Cny("10000.00")});
  demo.Run(
      "C400 payment PAY-2 CNY 40,000",
      RecordPayment{"PAY-2", {"C400", ""}, "INV-4001", Cny("40000.00"), *ParseDate("2026-05-20")});
  demo.Run("C400 order SO-4002 CNY 10,000 (after payment)",
           ReserveOrder{"SO-4002", {"C400", ""}, Cny("10000.00")});
  demo.PrintAccounts({"C100", "C200", "C300", "C301", "C400"});
}

void RunDemo() {
  DemoRun demo;
  SetUp(demo);
  Script(demo);
  std::printf("\nHold queue:\n");
  for (const OrderView& hold : demo.state().Holds(100)) {
    std::printf("  %s  %s  %s\n", hold.order_id.c_str(), hold.account.customer_id.c_str(),
                FormatMoney(Money{hold.amount_minor, hold.currency}).c_str());
  }
  bool replay_ok = demo.VerifyReplay();
  if (demo.failed() || !replay_ok) {
    std::printf("demo failed\n");
    SetExitCode(1);
    return;
  }
  std::printf("demo finished\n");
}

}  // namespace

void AddDemoCommand(CLI::App& app) {
  CLI::App* demo = app.add_subcommand(
      "demo", "Run a short scripted portfolio through the credit engine and print its decisions");
  demo->callback(RunDemo);
}

}  // namespace creditline::cli
