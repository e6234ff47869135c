#include "service/json.hpp"

#include <rapidjson/error/en.h>

#include <cmath>

namespace lutfhe::service {

JsonOut& JsonOut::value(double v) {
  if (!std::isfinite(v)) return null();
  return done(writer_.Double(v));
}

std::string json_error(std::string_view message) {
  JsonOut out;
  out.begin_object().field("error", message).end_object();
  return out.str();
}

bool parse_json_object(std::string_view body, rapidjson::Document& doc, std::string& error) {
  if (body.size() > 64 * 1024) {
    error = "JSON body larger than 64 KiB";
    return false;
  }
  // The stack limit of the iterative parser bounds nesting depth without recursion.
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError()) {
    error = std::string("body is not JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
            " at byte " + std::to_string(doc.GetErrorOffset());
    return false;
  }
  if (!doc.IsObject()) {
    error = "body must be a JSON object";
    return false;
  }
  return true;
}

bool string_member(const rapidjson::Value& obj, const char* name, std::string& out,
                   std::string& error) {
  const auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) {
    out.clear();
    return true;
  }
  if (!it->value.IsString()) {
    error = std::string("field '") + name + "' must be a string";
    return false;
  }
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

}  // namespace lutfhe::service
