// CSV import: encodings (UTF-8 with and without BOM, GBK written as bytes), all-or-nothing
// validation naming every bad row by line, and idempotent re-runs; financials by (customer,
// period), and their export imported back.
#include "service/import.hpp"

#include <gtest/gtest.h>

#include <map>

#include "report/export.hpp"

namespace creditline::service {
namespace {

constexpr TimeMs kNow = 1'800'000'000'000;

Envelope At(TimeMs time) { return Envelope{"", "cli:import", time, DateOf(time, 0)}; }

ImportOutcome Import(State& state, const std::string& entity, const std::string& bytes,
                     std::vector<Event>* events = nullptr, Encoding encoding = Encoding::kAuto) {
  Result<std::string> text = DecodeToUtf8(bytes, encoding);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message);
  Result<ParsedImport> parsed = ParseImport(entity, text.ok() ? *text : "");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  std::vector<Event> ignored;
  return ApplyImport(state, parsed.ok() ? std::move(*parsed) : ParsedImport{}, At(kNow),
                     events != nullptr ? events : &ignored);
}

const char* kCustomers =
    "customer_id,name,industry,region,currency,limit,payment_terms_days,grade\r\n"
    "C1,Acme,steel,east,CNY,1000.00,30,A\r\n"
    "C2,\"Bolt, Nut & Co\",steel,north,CNY,250,45,BBB\r\n";

TEST(ImportTest, ImportsCustomersAndARerunChangesNothing) {
  State state;
  std::vector<Event> events;
  ImportOutcome first = Import(state, "customers", kCustomers, &events);
  ASSERT_EQ(first.problem_count, 0u);
  EXPECT_EQ(first.imported, 2u);
  EXPECT_EQ(events.size(), 2u);
  EXPECT_EQ(state.FindCustomer("C2")->name, "Bolt, Nut & Co");
  Result<AccountView> c1 = state.ViewAccount(AccountRef{"C1", ""}, DateOf(kNow, 0));
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->limit_minor, 100'000);
  EXPECT_EQ(c1->grade, "A");
  uint64_t hash = state.StateHash();
  events.clear();
  ImportOutcome again = Import(state, "customers", kCustomers, &events);
  EXPECT_EQ(again.problem_count, 0u);
  EXPECT_EQ(again.imported, 0u);
  EXPECT_EQ(again.unchanged, 2u);
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(state.StateHash(), hash);
}

TEST(ImportTest, BadRowsImportNothingAndEveryOneIsNamed) {
  State state;
  ASSERT_EQ(Import(state, "customers", kCustomers).problem_count, 0u);
  uint64_t hash = state.StateHash();
  std::string invoices =
      "invoice_id,customer_id,currency,amount,issued_on,due_on\n"
      "I1,C1,CNY,100.00,2026-11-01,2026-12-01\n"  // line 2: good
      "I2,C1,CNY,-5,2026-11-01,\n"                // line 3: negative amount
      "I3,NOPE,CNY,10,2026-11-01,\n"              // line 4: unknown customer
      "I4,C1,CNY,10.001,2026-11-01,\n"            // line 5: too many decimals
      "I5,C1,CNY,10,2026-02-30,\n"                // line 6: impossible date
      "I1,C1,CNY,100.00,2026-11-01,2026-12-01\n"  // line 7: repeated id
      "I6,C1,XXX,10,2026-11-01,\n"                // line 8: unknown currency
      "I7,C1,CNY,10,2026-11-01,2026-10-01\n"      // line 9: due before issued
      "I8,C1,CNY,10\n"                            // line 10: too few fields
      "I9,C1,CNY,7.50,2026-11-02,\n";             // line 11: good
  std::vector<Event> events;
  ImportOutcome outcome = Import(state, "invoices", invoices, &events);
  EXPECT_EQ(outcome.imported, 0u);
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(state.StateHash(), hash);
  std::vector<uint64_t> lines;
  for (const RowProblem& p : outcome.problems) lines.push_back(p.line);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<uint64_t>{3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(outcome.problem_count, 8u);
  for (const RowProblem& p : outcome.problems) EXPECT_FALSE(p.message.empty()) << p.line;
}

TEST(ImportTest, HeaderProblemsAreRefused) {
  EXPECT_FALSE(ParseImport("invoices", "invoice_id,customer_id\nI1,C1\n").ok());  // Missing.
  EXPECT_FALSE(
      ParseImport("invoices", "invoice_id,customer_id,currency,amount,issued_on,colour\n").ok());
  EXPECT_FALSE(ParseImport("orders", "order_id\n").ok());
  EXPECT_FALSE(ParseImport("customers", "").ok());
  EXPECT_FALSE(ParseImport("customers", "customer_id,name\n\"C1,open quote\n").ok());
}

TEST(ImportTest, DecodesUtf8WithBomAndGbk) {
  // "华东钢铁" (East China Steel) and the region "华东" in GBK bytes, as Excel in China saves CSV.
  const std::string name_gbk = "\xBB\xAA\xB6\xAB\xB8\xD6\xCC\xFA";
  const std::string region_gbk = "\xBB\xAA\xB6\xAB";
  std::string gbk = "customer_id,name,region,currency,limit\r\nC9," + name_gbk + "," + region_gbk +
                    ",CNY,500\r\n";
  Result<std::string> decoded = DecodeToUtf8(gbk, Encoding::kAuto);
  ASSERT_TRUE(decoded.ok());
  EXPECT_NE(decoded->find("华东钢铁"), std::string::npos);
  State state;
  ImportOutcome outcome = Import(state, "customers", gbk);
  ASSERT_EQ(outcome.problem_count, 0u) << outcome.problems.front().message;
  EXPECT_EQ(state.FindCustomer("C9")->name, "华东钢铁");
  EXPECT_EQ(state.FindCustomer("C9")->region, "华东");

  std::string bom =
      "\xEF\xBB\xBF"
      "customer_id,name,currency,limit\nC8,上海贸易,CNY,1\n";
  ASSERT_EQ(Import(state, "customers", bom).problem_count, 0u);
  EXPECT_EQ(state.FindCustomer("C8")->name, "上海贸易");
  // Named encodings: GBK bytes are not UTF-8.
  EXPECT_FALSE(DecodeToUtf8(gbk, Encoding::kUtf8).ok());
  EXPECT_TRUE(DecodeToUtf8(gbk, Encoding::kGb18030).ok());
  EXPECT_FALSE(ParseEncoding("latin1").ok());
}

TEST(ImportTest, LimitsInvoicesAndPaymentsApplyInOrder) {
  State state;
  ASSERT_EQ(Import(state, "customers", kCustomers).problem_count, 0u);
  ImportOutcome limits = Import(state, "limits", "customer_id,currency,limit\nC1,CNY,2000\n");
  ASSERT_EQ(limits.problem_count, 0u);
  EXPECT_EQ(limits.imported, 1u);
  EXPECT_EQ(Import(state, "limits", "customer_id,currency,limit\nC1,CNY,2000\n").unchanged, 1u);
  ASSERT_EQ(Import(state, "invoices",
                   "invoice_id,customer_id,currency,amount,issued_on\nI1,C1,CNY,300,2026-11-01\n"
                   "I2,C1,CNY,200,2026-11-02\n")
                .problem_count,
            0u);
  ImportOutcome payments =
      Import(state, "payments",
             "payment_id,customer_id,currency,amount,received_on\nP1,C1,CNY,350,2026-11-20\n");
  ASSERT_EQ(payments.problem_count, 0u);
  Result<AccountView> view = state.ViewAccount(AccountRef{"C1", ""}, DateOf(kNow, 0));
  EXPECT_EQ(view->limit_minor, 200'000);
  EXPECT_EQ(view->receivables_open_minor, 15'000);
  // The same payments file again: remembered by its id, nothing changes.
  uint64_t hash = state.StateHash();
  EXPECT_EQ(Import(state, "payments",
                   "payment_id,customer_id,currency,amount,received_on\nP1,C1,CNY,350,2026-11-20\n")
                .unchanged,
            1u);
  EXPECT_EQ(state.StateHash(), hash);
}

const char* kFinancialsHeader =
    "customer_id,period,currency,revenue,net_profit,equity,total_assets,current_assets,"
    "current_liabilities,external_rating,external_score\r\n";

TEST(ImportTest, FinancialsByCustomerAndPeriodAndARerunChangesNothing) {
  State state;
  ASSERT_EQ(Import(state, "customers", kCustomers).problem_count, 0u);
  std::string file = std::string(kFinancialsHeader) +
                     "C1,2024,CNY,1200000.00,-35000.50,400000,900000,500000,250000,BBB+,62\r\n"
                     "C1,2025,CNY,1500000,80000,480000,950000,520000,240000,,\r\n"
                     "C2,2025-H1,USD,300000,12000.25,90000,200000,110000,60000,A,\r\n";
  std::vector<Event> events;
  ImportOutcome first = Import(state, "financials", file, &events);
  ASSERT_EQ(first.problem_count, 0u) << first.problems.front().message;
  EXPECT_EQ(first.imported, 3u);
  EXPECT_EQ(events.size(), 3u);
  const std::vector<Financials>& c1 = state.FindCustomer("C1")->financials;
  ASSERT_EQ(c1.size(), 2u);
  EXPECT_EQ(c1[0].period, "2024");
  EXPECT_EQ(c1[0].net_profit_minor, -3'500'050);
  EXPECT_EQ(c1[0].external_rating, "BBB+");
  EXPECT_EQ(c1[0].external_score, 62);
  EXPECT_EQ(c1[1].revenue_minor, 150'000'000);
  EXPECT_FALSE(c1[1].external_score.has_value());
  EXPECT_EQ(state.FindCustomer("C2")->financials.at(0).currency, Currency::Of("USD"));

  // The same file again: every (customer, period) is there as the file has it.
  uint64_t hash = state.StateHash();
  events.clear();
  ImportOutcome again = Import(state, "financials", file, &events);
  EXPECT_EQ(again.problem_count, 0u);
  EXPECT_EQ(again.imported, 0u);
  EXPECT_EQ(again.unchanged, 3u);
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(state.StateHash(), hash);

  // A corrected period replaces the one there; the others stay unchanged.
  std::string corrected = std::string(kFinancialsHeader) +
                          "C1,2025,CNY,1600000,80000,480000,950000,520000,240000,,\r\n"
                          "C2,2025-H1,USD,300000,12000.25,90000,200000,110000,60000,A,\r\n";
  ImportOutcome fixed = Import(state, "financials", corrected);
  EXPECT_EQ(fixed.imported, 1u);
  EXPECT_EQ(fixed.unchanged, 1u);
  EXPECT_EQ(state.FindCustomer("C1")->financials.at(1).revenue_minor, 160'000'000);

  // The export is in the import columns and imports back without a change.
  Result<report::Table> exported = report::ExportEntity(state, "financials");
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(exported->rows.size(), 3u);
  hash = state.StateHash();
  ImportOutcome round_trip = Import(state, "financials", report::ToCsv(*exported));
  EXPECT_EQ(round_trip.problem_count, 0u)
      << (round_trip.problems.empty() ? "" : round_trip.problems.front().message);
  EXPECT_EQ(round_trip.unchanged, 3u);
  EXPECT_EQ(state.StateHash(), hash);
}

TEST(ImportTest, BadFinancialsRowsImportNothingAndEveryOneIsNamed) {
  State state;
  ASSERT_EQ(Import(state, "customers", kCustomers).problem_count, 0u);
  uint64_t hash = state.StateHash();
  std::string file = std::string(kFinancialsHeader) +
                     "C1,2025,CNY,100,10,50,200,100,50,,\r\n"      // line 2: good
                     "C1,2025,CNY,100,10,50,200,100,50,,\r\n"      // line 3: repeated period
                     "NOPE,2025,CNY,100,10,50,200,100,50,,\r\n"    // line 4: unknown customer
                     "C2,2025,CNY,-100,10,50,200,100,50,,\r\n"     // line 5: negative revenue
                     "C2,2024,CNY,100,10,50,-1,100,50,,\r\n"       // line 6: negative assets
                     "C2,2023,CNY,100,10,50,200,100,50,,101\r\n"   // line 7: score past 100
                     "C2,2022,XXX,100,10,50,200,100,50,,\r\n"      // line 8: unknown currency
                     "C2,,CNY,100,10,50,200,100,50,,\r\n"          // line 9: no period
                     "C2,2021,CNY,1.001,10,50,200,100,50,,\r\n"    // line 10: too many decimals
                     "C2,2020,CNY,100,abc,50,200,100,50,,\r\n"     // line 11: not a number
                     "C2,2019,CNY,100,10,50,200,100,50,,x\r\n"     // line 12: score not a number
                     "C2,2018,CNY,100,10,50\r\n"                   // line 13: too few fields
                     "C2,2017,CNY,20000000000000,1,1,1,1,1,,\r\n"  // line 14: past 10^15 minor
                     "C2,2026,CNY,100,10,50,200,100,50,,\r\n";     // line 15: good
  std::vector<Event> events;
  ImportOutcome outcome = Import(state, "financials", file, &events);
  EXPECT_EQ(outcome.imported, 0u);
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(state.StateHash(), hash);
  std::map<uint64_t, std::string> fields;
  for (const RowProblem& p : outcome.problems) {
    EXPECT_FALSE(p.message.empty()) << p.line;
    fields[p.line] = p.field;
  }
  EXPECT_EQ(outcome.problem_count, 12u);
  std::map<uint64_t, std::string> expected = {{3, ""},
                                              {4, "customer_id"},
                                              {5, "revenue"},
                                              {6, "total_assets"},
                                              {7, "external_score"},
                                              {8, "currency"},
                                              {9, "period"},
                                              {10, "revenue"},
                                              {11, "net_profit"},
                                              {12, "external_score"},
                                              {13, ""},
                                              {14, "revenue"}};
  for (const auto& [line, field] : expected) {
    ASSERT_TRUE(fields.contains(line)) << "line " << line << " not reported";
    EXPECT_EQ(fields[line], field) << "line " << line;
  }
  // A header missing a required column is refused as a whole.
  EXPECT_FALSE(ParseImport("financials", "customer_id,period,currency,revenue\n").ok());
}

}  // namespace
}  // namespace creditline::service

namespace creditline::service {
namespace {

std::string ExportCsv(const State& state, const std::string& entity) {
  Result<report::Table> table = report::ExportEntity(state, entity);
  EXPECT_TRUE(table.ok()) << entity;
  return table.ok() ? report::ToCsv(*table) : "";
}

// Every entity's export imports back: into the same state it changes nothing, and into a new
// state it rebuilds what the export shows (invoices whole: their payments are not exported).
TEST(ImportTest, EveryExportImportsBackUnchanged) {
  State state;
  ASSERT_EQ(Import(state, "customers", kCustomers).problem_count, 0u);
  ASSERT_EQ(Import(state, "limits", "customer_id,currency,limit,reason\nC2,CNY,400.50,review\n")
                .problem_count,
            0u);
  ASSERT_EQ(Import(state, "invoices",
                   "invoice_id,customer_id,currency,amount,issued_on,due_on\n"
                   "I1,C1,CNY,300,2026-11-01,2026-12-01\nI2,C2,CNY,120.25,2026-11-02,\n")
                .problem_count,
            0u);
  ASSERT_EQ(Import(state, "financials",
                   std::string(kFinancialsHeader) +
                       "C1,2025,CNY,1500000,75000,450000,900000,500000,250000,BBB,61\r\n")
                .problem_count,
            0u);
  // A partial payment: the export's open amount differs from the amount.
  ASSERT_EQ(Import(state, "payments",
                   "payment_id,customer_id,currency,amount,received_on,invoice_id\n"
                   "P1,C1,CNY,100,2026-11-20,I1\n")
                .problem_count,
            0u);
  const std::vector<std::string> entities = {"customers", "limits", "invoices", "financials"};
  std::map<std::string, std::string> exported;
  for (const std::string& entity : entities) exported[entity] = ExportCsv(state, entity);
  EXPECT_NE(exported["invoices"].find("open_amount"), std::string::npos);
  EXPECT_NE(exported["invoices"].find("200.00"), std::string::npos) << exported["invoices"];

  uint64_t hash = state.StateHash();
  for (const std::string& entity : entities) {
    std::vector<Event> events;
    ImportOutcome again = Import(state, entity, exported[entity], &events);
    EXPECT_EQ(again.problem_count, 0u)
        << entity << ": " << (again.problems.empty() ? "" : again.problems.front().message);
    EXPECT_EQ(again.imported, 0u) << entity;
    EXPECT_TRUE(events.empty()) << entity;
  }
  EXPECT_EQ(state.StateHash(), hash);

  State fresh;
  for (const std::string& entity : entities) {
    ImportOutcome imported = Import(fresh, entity, exported[entity]);
    EXPECT_EQ(imported.problem_count, 0u)
        << entity << ": " << (imported.problems.empty() ? "" : imported.problems.front().message);
  }
  for (const char* entity : {"customers", "limits", "financials"}) {
    EXPECT_EQ(ExportCsv(fresh, entity), exported[entity]) << entity;
  }
  // The invoices come back whole: the open amount was checked, not applied.
  Result<AccountView> c1 = fresh.ViewAccount(AccountRef{"C1", ""}, DateOf(kNow, 0));
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->receivables_open_minor, 30'000);
}

TEST(ImportTest, AnOpenAmountMustFitItsInvoice) {
  State state;
  ASSERT_EQ(Import(state, "customers", kCustomers).problem_count, 0u);
  uint64_t hash = state.StateHash();
  ImportOutcome bad = Import(state, "invoices",
                             "invoice_id,customer_id,currency,amount,issued_on,open_amount\n"
                             "I1,C1,CNY,300,2026-11-01,300.01\nI2,C1,CNY,300,2026-11-01,-1\n"
                             "I3,C1,CNY,300,2026-11-01,1.234\nI4,C1,CNY,300,2026-11-01,250\n");
  ASSERT_EQ(bad.problem_count, 3u);
  for (const RowProblem& problem : bad.problems) EXPECT_EQ(problem.field, "open_amount");
  EXPECT_EQ(bad.problems[0].line, 2u);
  EXPECT_EQ(bad.problems[2].line, 4u);
  EXPECT_EQ(state.StateHash(), hash);
}

TEST(ImportTest, QuotedCellsKeepTheirText) {
  State state;
  ImportOutcome imported = Import(state, "customers",
                                  "customer_id,name,currency,limit\n"
                                  "C1,\"Say \"\"hi\"\" Ltd\",CNY,10\n\n"
                                  "\"C2\",\"Two, Ltd\",CNY,\"20\"\r\n"
                                  "C3, Padded ,CNY,30\n"
                                  "C4,\"Ab\"cd,CNY,40");
  ASSERT_EQ(imported.problem_count, 0u)
      << (imported.problems.empty() ? "" : imported.problems.front().message);
  EXPECT_EQ(imported.imported, 4u);
  EXPECT_EQ(state.FindCustomer("C1")->name, "Say \"hi\" Ltd");
  EXPECT_EQ(state.FindCustomer("C2")->name, "Two, Ltd");
  EXPECT_EQ(state.FindCustomer("C3")->name, "Padded");
  EXPECT_EQ(state.FindCustomer("C4")->name, "Abcd");
  // A quoted line break counts as a line: the next row's number follows it.
  ImportOutcome lines = Import(state, "customers",
                               "customer_id,name,currency,limit\n\"C5\",\"A\nB\",CNY,10\n"
                               "C6,,CNY,10\n");
  ASSERT_EQ(lines.problem_count, 2u);
  EXPECT_EQ(lines.problems[0].line, 2u);
  EXPECT_EQ(lines.problems[1].line, 4u);
  EXPECT_EQ(lines.problems[1].field, "name");
  EXPECT_FALSE(ParseImport("customers", "customer_id,name,currency,limit\nC7,\"x,CNY,1\n").ok());
}

}  // namespace
}  // namespace creditline::service
