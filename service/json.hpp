// JSON in and out of the service (RapidJSON): a small writer for response bodies and a parser
// that accepts one object of bounded size and depth, or says in one line why not.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace lutfhe::service {

class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}
  JsonOut& begin_object() { return done(writer_.StartObject()); }
  JsonOut& end_object() { return done(writer_.EndObject()); }
  JsonOut& begin_array() { return done(writer_.StartArray()); }
  JsonOut& end_array() { return done(writer_.EndArray()); }
  JsonOut& key(std::string_view k) {
    return done(writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())));
  }
  JsonOut& value(std::string_view v) {
    return done(writer_.String(v.data(), static_cast<rapidjson::SizeType>(v.size())));
  }
  JsonOut& value(const char* v) { return value(std::string_view(v)); }
  JsonOut& value(std::uint64_t v) { return done(writer_.Uint64(v)); }
  JsonOut& value(std::int64_t v) { return done(writer_.Int64(v)); }
  JsonOut& value(int v) { return done(writer_.Int(v)); }
  JsonOut& value(double v);  // non-finite numbers become null
  JsonOut& value(bool v) { return done(writer_.Bool(v)); }
  JsonOut& null() { return done(writer_.Null()); }
  template <typename T>
  JsonOut& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  std::string str() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  JsonOut& done(bool) { return *this; }
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// {"error": "<message>"}: the body of every 4xx/5xx answer.
std::string json_error(std::string_view message);

// Parses `body` as one JSON object (at most 64 KiB). On failure returns false with a one-line
// reason ("body is not JSON: Missing a comma or '}' after an object member at byte 17").
bool parse_json_object(std::string_view body, rapidjson::Document& doc, std::string& error);

// Optional string member: empty when absent; false with `error` set when of another type.
bool string_member(const rapidjson::Value& obj, const char* name, std::string& out,
                   std::string& error);

}  // namespace lutfhe::service
