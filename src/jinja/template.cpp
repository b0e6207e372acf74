#include "jinja/template.h"

#include "core/str.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"
#include "jinja/render.h"

namespace internvl::jinja {

struct Template::Impl {
  std::string source;      // as given
  std::string normalized;  // what the lexer saw; node offsets point into it
  Body body;
};

Result<Template> Template::parse(std::string_view source) {
  auto impl = std::make_shared<Impl>();
  impl->source = std::string(source);
  impl->normalized = normalize_source(source);
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(impl->normalized));
  INTERNVL_ASSIGN_OR_RETURN(impl->body, parse_template(impl->normalized, std::move(tokens)));
  return Template(std::move(impl));
}

Result<std::string> Template::render(const Json& variables) const {
  return render(variables, RenderLimits{});
}

Result<std::string> Template::render(const Json& variables, const RenderLimits& limits) const {
  if (!variables.is_object() && !variables.is_null()) {
    return invalid_argument("template variables must be a JSON object, got ",
                            variables.type_name());
  }
  auto root = std::make_shared<Scope>(nullptr);
  if (variables.is_object()) {
    for (auto it = variables.begin(); it != variables.end(); ++it) {
      auto v = from_json(it.value());
      if (!v.ok()) return v.status().with_context(str_cat("template variable '", it.key(), "'"));
      root->set(it.key(), std::move(v).value());
    }
  }
  Renderer renderer(impl_->normalized, limits);
  Result<std::string> out = renderer.run(impl_->body, std::move(root));
  if (out.ok() || renderer.raised()) return out;
  const Status& st = out.status();
  std::string where = "template error";
  if (renderer.error_offset() != std::string_view::npos) {
    where += " at " + describe_position(impl_->normalized, renderer.error_offset());
  }
  return Status(st.code(), where + ": " + st.message());
}

const std::string& Template::source() const { return impl_->source; }

}  // namespace internvl::jinja
