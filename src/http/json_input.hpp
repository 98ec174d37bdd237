// Strict reading of JSON request bodies into typed values.
//
// A JsonInput wraps one JSON object. Each getter checks the type exactly (an amount must be a
// JSON integer, not 1.5 or "100"), names the field in its error, and marks the field as used;
// Finish() refuses any field no getter asked for, so a misspelt field is an error rather than
// silently ignored. Not thread-safe; one per request.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/commands.hpp"
#include "core/error.hpp"
#include "core/money.hpp"
#include "core/time.hpp"

namespace creditline::http {

inline constexpr int kJsonDepthMax = 32;

class JsonInput {
 public:
  // Parses a request body that must be one JSON object. An empty body is an empty object.
  static Result<JsonInput> Parse(std::string_view body);
  // Views an object inside this input's document (batch items), without copying it.
  Result<JsonInput> Nested(const boost::json::value& value, const std::string& where) const;

  Result<std::string> String(const char* name);
  Result<std::optional<std::string>> OptionalString(const char* name);
  Result<std::string> StringOr(const char* name, std::string fallback);
  Result<std::string> Id(const char* name);  // Required and a valid id.
  Result<int64_t> Integer(const char* name);
  Result<std::optional<int64_t>> OptionalInteger(const char* name);
  Result<std::optional<bool>> OptionalBool(const char* name);
  Result<Currency> CurrencyField(const char* name);
  // `amount_field` (integer minor units) with the currency in `currency_field`.
  Result<Money> Amount(const char* amount_field = "amount_minor",
                       const char* currency_field = "currency");
  Result<Date> DateField(const char* name);
  Result<std::optional<Date>> OptionalDate(const char* name);
  // Present and null is "clear" (kNoDate); absent is nothing.
  Result<std::optional<Date>> NullableDate(const char* name);
  Result<std::optional<TimeMs>> OptionalTimestamp(const char* name);
  Result<std::optional<std::vector<std::string>>> OptionalStringList(const char* name);
  const boost::json::value* Raw(const char* name);  // Marks used; null when absent.
  bool Has(const char* name) const;

  // Refuses fields that no getter used.
  Status Finish() const;

 private:
  JsonInput(std::shared_ptr<const boost::json::value> document, const boost::json::object* object)
      : document_(std::move(document)), object_(object) {}
  const boost::json::value* Find(const char* name);

  // The parsed body (in one arena, freed at once); object_ points into it.
  std::shared_ptr<const boost::json::value> document_;
  const boost::json::object* object_;
  std::set<std::string, std::less<>> used_;
};

// Reads "segment" (optional id) and builds the account reference for `customer_id`.
Result<AccountRef> ReadAccountRef(JsonInput& input, std::string customer_id);

}  // namespace creditline::http
