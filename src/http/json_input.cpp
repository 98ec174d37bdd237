#include "http/json_input.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include "core/ids.hpp"

namespace creditline::http {
namespace json = boost::json;

namespace {

Error TypeError(const char* name, const char* expected) {
  return MakeError(ErrorCode::kInvalidArgument, std::string(name) + " must be " + expected, name);
}

Error Missing(const char* name) {
  return MakeError(ErrorCode::kMissingField, std::string(name) + " is required", name);
}

// A parse that builds nothing and counts the members of every object as written. The parsed
// document keeps only the last of repeated keys, so comparing the two counts finds them.
struct MemberCounter {
  using string_view = json::string_view;
  using error_code = boost::system::error_code;
  static constexpr size_t max_object_size = static_cast<size_t>(-1);
  static constexpr size_t max_array_size = static_cast<size_t>(-1);
  static constexpr size_t max_key_size = static_cast<size_t>(-1);
  static constexpr size_t max_string_size = static_cast<size_t>(-1);

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(size_t members_written, error_code&) {
    members += members_written;
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(size_t, error_code&) { return true; }
  bool on_key_part(string_view, size_t, error_code&) { return true; }
  bool on_key(string_view, size_t, error_code&) { return true; }
  bool on_string_part(string_view, size_t, error_code&) { return true; }
  bool on_string(string_view, size_t, error_code&) { return true; }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(int64_t, string_view, error_code&) { return true; }
  bool on_uint64(uint64_t, string_view, error_code&) { return true; }
  bool on_double(double, string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

  size_t members = 0;
};

// The members of every object in a parsed document (its depth is bounded by kJsonDepthMax).
size_t CountMembers(const json::value& value) {
  size_t members = 0;
  if (value.is_object()) {
    members += value.get_object().size();
    for (const auto& member : value.get_object()) members += CountMembers(member.value());
  } else if (value.is_array()) {
    for (const json::value& item : value.get_array()) members += CountMembers(item);
  }
  return members;
}

bool HasRepeatedKeys(std::string_view body, const json::parse_options& options,
                     const json::value& document) {
  json::basic_parser<MemberCounter> counter(options);
  boost::system::error_code error;
  counter.write_some(false, body.data(), body.size(), error);
  return !error && counter.handler().members != CountMembers(document);
}

}  // namespace

Result<JsonInput> JsonInput::Parse(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) body = "{}";
  json::parse_options options;
  options.max_depth = kJsonDepthMax;
  boost::system::error_code error;
  // One arena for the whole document: parsing allocates by bumping a pointer, and the
  // document is freed in one step when the last JsonInput viewing it goes.
  json::storage_ptr arena = json::make_shared_resource<json::monotonic_resource>();
  auto document = std::make_shared<const json::value>(json::parse(body, error, arena, options));
  if (error) {
    return MakeError(ErrorCode::kInvalidJson, "the body is not valid JSON: " + error.message());
  }
  if (!document->is_object()) {
    return MakeError(ErrorCode::kInvalidJson, "the body must be a JSON object");
  }
  // A repeated key is ambiguous (which one counts?), so it is refused rather than guessed at.
  if (HasRepeatedKeys(body, options, *document)) {
    return MakeError(ErrorCode::kInvalidJson, "the body repeats a key within one object");
  }
  const json::object* object = &document->get_object();
  return JsonInput(std::move(document), object);
}

Result<JsonInput> JsonInput::Nested(const json::value& value, const std::string& where) const {
  if (!value.is_object()) {
    return MakeError(ErrorCode::kInvalidJson, where + " must be a JSON object");
  }
  return JsonInput(document_, &value.get_object());
}

const json::value* JsonInput::Find(const char* name) {
  const json::value* value = object_->if_contains(name);
  if (value != nullptr) used_.insert(name);
  return value;
}

const json::value* JsonInput::Raw(const char* name) { return Find(name); }
bool JsonInput::Has(const char* name) const { return object_->contains(name); }

Result<std::optional<std::string>> JsonInput::OptionalString(const char* name) {
  const json::value* value = Find(name);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) return TypeError(name, "a string");
  return std::optional<std::string>(std::string(value->get_string()));
}

Result<std::string> JsonInput::String(const char* name) {
  CL_ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(name));
  if (!value) return Missing(name);
  return *value;
}

Result<std::string> JsonInput::StringOr(const char* name, std::string fallback) {
  CL_ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(name));
  return value ? *value : fallback;
}

Result<std::string> JsonInput::Id(const char* name) {
  CL_ASSIGN_OR_RETURN(std::string value, String(name));
  CL_RETURN_IF_ERROR(ValidateId(value, name));
  return value;
}

Result<std::optional<int64_t>> JsonInput::OptionalInteger(const char* name) {
  const json::value* value = Find(name);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  if (value->is_int64()) return std::optional<int64_t>(value->get_int64());
  if (value->is_uint64()) {
    return MakeError(ErrorCode::kInvalidAmount, std::string(name) + " is too large", name);
  }
  Error error = TypeError(name, "an integer");
  // Fields in minor units are amounts: 1.5, 1e3 or "100" there is an invalid amount.
  if (std::string_view(name).ends_with("_minor")) error.code = ErrorCode::kInvalidAmount;
  return error;
}

Result<int64_t> JsonInput::Integer(const char* name) {
  CL_ASSIGN_OR_RETURN(std::optional<int64_t> value, OptionalInteger(name));
  if (!value) return Missing(name);
  return *value;
}

Result<std::optional<bool>> JsonInput::OptionalBool(const char* name) {
  const json::value* value = Find(name);
  if (value == nullptr || value->is_null()) return std::optional<bool>();
  if (!value->is_bool()) return TypeError(name, "true or false");
  return std::optional<bool>(value->get_bool());
}

Result<Currency> JsonInput::CurrencyField(const char* name) {
  CL_ASSIGN_OR_RETURN(std::string code, String(name));
  Result<Currency> currency = Currency::Parse(code);
  if (!currency.ok()) {
    return MakeError(ErrorCode::kUnknownCurrency, currency.error().message, name);
  }
  return *currency;
}

Result<Money> JsonInput::Amount(const char* amount_field, const char* currency_field) {
  Result<int64_t> minor = Integer(amount_field);
  if (!minor.ok()) {
    Error error = minor.error();
    if (error.code == ErrorCode::kInvalidArgument) error.code = ErrorCode::kInvalidAmount;
    return error;
  }
  CL_ASSIGN_OR_RETURN(Currency currency, CurrencyField(currency_field));
  return Money{*minor, currency};
}

Result<std::optional<Date>> JsonInput::OptionalDate(const char* name) {
  CL_ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(name));
  if (!text) return std::optional<Date>();
  Result<Date> date = ParseDate(*text);
  if (!date.ok()) return MakeError(ErrorCode::kInvalidDate, date.error().message, name);
  return std::optional<Date>(*date);
}

Result<Date> JsonInput::DateField(const char* name) {
  CL_ASSIGN_OR_RETURN(std::optional<Date> date, OptionalDate(name));
  if (!date) return Missing(name);
  return *date;
}

Result<std::optional<Date>> JsonInput::NullableDate(const char* name) {
  const json::value* value = object_->if_contains(name);
  if (value != nullptr && value->is_null()) {
    used_.insert(name);
    return std::optional<Date>(kNoDate);
  }
  return OptionalDate(name);
}

Result<std::optional<TimeMs>> JsonInput::OptionalTimestamp(const char* name) {
  CL_ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(name));
  if (!text) return std::optional<TimeMs>();
  Result<TimeMs> time = ParseTimestamp(*text);
  if (!time.ok()) return MakeError(ErrorCode::kInvalidDate, time.error().message, name);
  return std::optional<TimeMs>(*time);
}

Result<std::optional<std::vector<std::string>>> JsonInput::OptionalStringList(const char* name) {
  const json::value* value = Find(name);
  if (value == nullptr || value->is_null()) return std::optional<std::vector<std::string>>();
  if (!value->is_array()) return TypeError(name, "an array of strings");
  std::vector<std::string> items;
  for (const json::value& item : value->get_array()) {
    if (!item.is_string()) return TypeError(name, "an array of strings");
    items.emplace_back(item.get_string());
  }
  return std::optional<std::vector<std::string>>(std::move(items));
}

Status JsonInput::Finish() const {
  for (const auto& [key, value] : *object_) {
    if (!used_.contains(std::string_view(key))) {
      std::string name(key.substr(0, 64));
      return MakeError(ErrorCode::kUnknownField, "unknown field '" + name + "'", name);
    }
  }
  return Status::Ok();
}

Result<AccountRef> ReadAccountRef(JsonInput& input, std::string customer_id) {
  CL_ASSIGN_OR_RETURN(std::string segment, input.StringOr("segment", ""));
  if (!segment.empty()) CL_RETURN_IF_ERROR(ValidateId(segment, "segment"));
  return AccountRef{std::move(customer_id), std::move(segment)};
}

}  // namespace creditline::http
