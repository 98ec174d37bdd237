#include <limits>

#include "core/ids.hpp"
#include "http/handlers.hpp"
#include "http/json_output.hpp"

namespace creditline::http {

void AddCommandRoute(Api& api, const std::string& method, const std::string& pattern,
                     service::Role role, Preparer prepare) {
  CommandPreparers()[method + " " + pattern] = prepare;
  api.Add(method, pattern, role, [prepare](Api& api, Call&& call, Reply reply) {
    Result<JsonInput> body = JsonInput::Parse(call.request.body);
    if (!body.ok()) return reply(ErrorResponse(body.error()));
    Result<Prepared> prepared = prepare(*body, call.params);
    if (!prepared.ok()) return reply(ErrorResponse(prepared.error()));
    Status finished = body->Finish();
    if (!finished.ok()) return reply(ErrorResponse(finished.error()));
    api.Execute(call, std::move(prepared->command), prepared->success_status,
                std::move(prepared->render), std::move(reply));
  });
}

std::map<std::string, Preparer>& CommandPreparers() {
  static std::map<std::string, Preparer> preparers;
  return preparers;
}

std::map<std::string, BatchOperation>& BatchOperations() {
  static std::map<std::string, BatchOperation> operations;
  return operations;
}

Result<std::optional<int32_t>> OptionalInt32(JsonInput& body, const char* name) {
  CL_ASSIGN_OR_RETURN(std::optional<int64_t> value, body.OptionalInteger(name));
  if (!value) return std::optional<int32_t>();
  if (*value < std::numeric_limits<int32_t>::min() ||
      *value > std::numeric_limits<int32_t>::max()) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(name) + " is out of range", name);
  }
  return std::optional<int32_t>(static_cast<int32_t>(*value));
}

Result<AccountRef> AccountFromQuery(const Call& call, std::string customer_id) {
  auto found = call.query.find("segment");
  std::string segment = found == call.query.end() ? "" : found->second;
  if (!segment.empty()) CL_RETURN_IF_ERROR(ValidateId(segment, "segment"));
  return AccountRef{std::move(customer_id), std::move(segment)};
}

boost::json::object AccountRefJson(const AccountRef& ref) {
  return boost::json::object{{"customer_id", ref.customer_id}, {"segment", ref.segment}};
}

}  // namespace creditline::http
