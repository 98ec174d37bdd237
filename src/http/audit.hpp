// The audit trail over HTTP (GET /v1/audit) and the recording of admin changes (tokens, users,
// webhooks) made through the API, for the handlers that make them. Internal to src/http.
//
// An Api records admin changes in its AdminAuditLog (Api::set_admin_audit_log; serve sets one
// in the data directory); without one they are made unrecorded (embedded and test servers).
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>

#include "http/api.hpp"
#include "service/audit.hpp"

namespace creditline::http {

class JsonInput;

void AddAuditRoutes(Api& api);

// A change outside the credit state: the reply to send and its audit record (actor, time and
// seq are filled in by RunAdminChange).
struct AdminOutcome {
  HttpResponse response;
  service::AdminAuditEntry entry;
};
using AdminChange = std::function<Result<AdminOutcome>()>;
// Makes the change and then records it; replies with the change's response. When the record
// cannot be written the change stays made and the reply is the storage error, saying so.
void RunAdminChange(Api& api, const Call& call, const AdminChange& change, const Reply& reply);

// An admin audit record of `command` on `subject` with the changed fields.
service::AdminAuditEntry AdminEntry(std::string command, std::string subject,
                                    boost::json::object before, boost::json::object after,
                                    std::string reason);
// The optional "reason" of an admin change, from its body or (for DELETE) its query.
Result<std::string> OptionalReason(JsonInput& body);
Result<std::string> QueryReason(const Call& call);

}  // namespace creditline::http
