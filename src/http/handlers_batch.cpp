// POST /v1/batch: many commands in one request and one pass through the engine.
#include <boost/json/serialize.hpp>

#include "core/ids.hpp"
#include "http/handlers.hpp"
#include "http/json_output.hpp"

namespace creditline::http {
namespace json = boost::json;
using service::Role;

namespace {

inline constexpr size_t kBatchCommandsMax = 1'000;

// One batch item, ready for the engine: a command, a credit check, or an error to report.
struct BatchItem {
  std::optional<Prepared> command;
  std::function<HttpResponse(service::EngineContext&)> check;
  std::string idempotency_key;
  std::optional<Error> error;
};

Result<BatchItem> PrepareItem(const JsonInput& document, const json::value& value, size_t index,
                              const Call& call) {
  std::string where = "commands[" + std::to_string(index) + "]";
  CL_ASSIGN_OR_RETURN(JsonInput item, document.Nested(value, where));
  CL_ASSIGN_OR_RETURN(std::string op, item.String("op"));
  CL_ASSIGN_OR_RETURN(std::optional<std::string> key, item.OptionalString("idempotency_key"));
  const json::value* raw_body = item.Raw("body");
  CL_RETURN_IF_ERROR(item.Finish());
  if (raw_body == nullptr) return MakeError(ErrorCode::kMissingField, "body is required", "body");
  CL_ASSIGN_OR_RETURN(JsonInput body, document.Nested(*raw_body, where + ".body"));
  BatchItem prepared;
  if (key) {
    CL_RETURN_IF_ERROR(ValidateId(*key, "idempotency_key", kIdempotencyKeyBytesMaxHttp));
    prepared.idempotency_key = *key;
  } else {
    prepared.idempotency_key = call.idempotency_key + ":" + std::to_string(index);
  }
  if (op == "credit_check") {
    CL_ASSIGN_OR_RETURN(prepared.check, PrepareCreditCheck(body));
    return prepared;
  }
  auto found = BatchOperations().find(op);
  if (found == BatchOperations().end()) {
    return MakeError(ErrorCode::kInvalidArgument, "unknown op '" + op.substr(0, 40) + "'", "op");
  }
  if (call.principal.role < found->second.role) {
    return MakeError(ErrorCode::kForbidden,
                     "the role " + std::string(NameOf(call.principal.role)) + " may not run " + op);
  }
  Params params;
  for (const std::string& field : found->second.path_fields) {
    CL_ASSIGN_OR_RETURN(std::string id, body.String(field.c_str()));
    params.push_back(id);
  }
  CL_ASSIGN_OR_RETURN(Prepared command, found->second.prepare(body, params));
  CL_RETURN_IF_ERROR(body.Finish());
  prepared.command = std::move(command);
  return prepared;
}

void Batch(Api& api, Call&& call, Reply reply) {
  Result<JsonInput> body = JsonInput::Parse(call.request.body);
  if (!body.ok()) return reply(ErrorResponse(body.error()));
  const json::value* commands = body->Raw("commands");
  if (Status finished = body->Finish(); !finished.ok())
    return reply(ErrorResponse(finished.error()));
  if (commands == nullptr || !commands->is_array()) {
    return reply(ErrorResponse(
        MakeError(ErrorCode::kMissingField, "commands must be an array", "commands")));
  }
  const json::array& list = commands->get_array();
  if (list.size() > kBatchCommandsMax) {
    return reply(ErrorResponse(
        MakeError(ErrorCode::kInvalidArgument, "a batch holds at most 1000 commands", "commands")));
  }
  auto items = std::make_shared<std::vector<BatchItem>>();
  items->reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    Result<BatchItem> item = PrepareItem(*body, list[i], i, call);
    if (item.ok()) {
      items->push_back(std::move(*item));
    } else {
      items->push_back(BatchItem{std::nullopt, nullptr, "", item.error()});
    }
  }
  std::string actor = call.principal.actor();
  api.Query(std::move(reply), [&api, items, actor](service::EngineContext& context) {
    std::string results = "{\"results\":[";
    for (size_t i = 0; i < items->size(); ++i) {
      BatchItem& item = (*items)[i];
      HttpResponse response;
      if (item.error) {
        response = ErrorResponse(*item.error);
      } else if (item.check) {
        response = item.check(context);
      } else {
        Envelope envelope{item.idempotency_key, actor, context.stamp.time, context.stamp.today};
        response = api.ExecuteNow(context, envelope, item.command->command,
                                  item.command->success_status, item.command->render);
      }
      if (i > 0) results += ",";
      results +=
          "{\"status\":" + std::to_string(response.status) + ",\"body\":" + response.body + "}";
    }
    results += "]}";
    return HttpResponse{200, std::move(results), "application/json", {}};
  });
}

}  // namespace

void AddBatchRoutes(Api& api) { api.Add("POST", "/v1/batch", Role::kSales, Batch); }

}  // namespace creditline::http
