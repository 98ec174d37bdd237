// Shared pieces of the route handlers (internal to src/http).
//
// A mutation is described by a Preparer: it reads the JSON body (and path parameters) into a
// core Command plus a renderer for the success response. The same preparers serve the single
// routes and POST /v1/batch, so a batch item behaves exactly like its own request.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/api.hpp"
#include "http/json_input.hpp"

namespace creditline::http {

using Params = std::vector<std::string>;

struct Prepared {
  // `render` returns the success body as JSON text or as a JSON object.
  template <class F>
  Prepared(Command command_in, unsigned status, F render_in)
      : command(std::move(command_in)),
        success_status(status),
        render(ToTextRender(std::move(render_in))) {}

  Command command;
  unsigned success_status = 200;
  Api::Render render;
};

using Preparer = std::function<Result<Prepared>(JsonInput& body, const Params& params)>;

// Registers a mutation route: parse the body, prepare, refuse unknown fields, execute.
void AddCommandRoute(Api& api, const std::string& method, const std::string& pattern,
                     service::Role role, Preparer prepare);

// Every command route's preparer by "METHOD pattern", filled by AddCommandRoute, so that the
// JSON decoding of every command can be exercised without HTTP (fuzz/fuzz_json_command.cpp).
std::map<std::string, Preparer>& CommandPreparers();

// A batch operation: the preparer, and the body fields that stand for its path parameters.
struct BatchOperation {
  Preparer prepare;
  std::vector<std::string> path_fields;
  service::Role role = service::Role::kSales;
};
// Filled by the Add*Routes functions as they register routes that batches may use.
std::map<std::string, BatchOperation>& BatchOperations();

// Reads a credit check's body; the returned query answers it on the engine thread.
Result<std::function<HttpResponse(service::EngineContext&)>> PrepareCreditCheck(JsonInput& body);

Result<std::optional<int32_t>> OptionalInt32(JsonInput& body, const char* name);
Result<AccountRef> AccountFromQuery(const Call& call, std::string customer_id);
boost::json::object AccountRefJson(const AccountRef& ref);

}  // namespace creditline::http
