// Helpers shared by the Jinja unit tests: render a template string and get its text or error.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/json.h"
#include "jinja/template.h"

namespace internvl::jinja::test_helpers {

/// Parses and renders; a failure is reported and returned as "<error: message>".
inline std::string render(std::string_view source, const Json& vars = Json::object()) {
  auto t = Template::parse(source);
  if (!t.ok()) {
    ADD_FAILURE() << "parse failed: " << t.status().to_string() << "\n  template: " << source;
    return "<error: " + t.status().message() + ">";
  }
  auto out = t->render(vars);
  if (!out.ok()) {
    ADD_FAILURE() << "render failed: " << out.status().to_string() << "\n  template: " << source;
    return "<error: " + out.status().message() + ">";
  }
  return *out;
}

/// Parses and renders, expecting a failure (parse or render); returns its Status.
inline Status render_error(std::string_view source, const Json& vars = Json::object()) {
  auto t = Template::parse(source);
  if (!t.ok()) return t.status();
  auto out = t->render(vars);
  if (out.ok()) {
    ADD_FAILURE() << "expected an error, rendered: " << *out << "\n  template: " << source;
    return Status();
  }
  return out.status();
}

/// The parse Status of a template.
inline Status parse_status(std::string_view source) { return Template::parse(source).status(); }

/// Whether text contains part (for error-message checks).
inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace internvl::jinja::test_helpers
