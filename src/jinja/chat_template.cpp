#include "jinja/chat_template.h"

#include "core/file.h"
#include "core/str.h"
#include "jinja/pystr.h"

namespace internvl::jinja {
namespace {

// What Transformers appends to the final message to find where it ends after rendering.
// ref: transformers/utils/chat_template_utils.py, render_jinja_template (5.x)
constexpr std::string_view kContinueTag = "CONTINUE_FINAL_MESSAGE_TAG ";

// Transformers' special_tokens_map: the named special tokens plus the additional ones.
constexpr std::string_view kSpecialTokenNames[] = {
    "bos_token", "eos_token", "unk_token",  "sep_token",
    "pad_token", "cls_token", "mask_token", "additional_special_tokens"};

Result<Json> token_text(const Json& t, std::string_view name) {
  if (t.is_string()) return t;
  if (t.is_object() && t.contains("content") && t["content"].is_string()) return t["content"];
  return invalid_argument("special token '", name, "' must be a string or {\"content\": ...}, got ",
                          dump_json(t));
}

Result<Json> normalize_special_tokens(const Json& tokens) {
  Json out = Json::object();
  if (tokens.is_null()) return out;
  if (!tokens.is_object()) return invalid_argument("special tokens must be a JSON object");
  for (auto it = tokens.begin(); it != tokens.end(); ++it) {
    if (it.value().is_null()) continue;  // Transformers leaves unset tokens out
    if (it.value().is_array()) {
      Json list = Json::array();
      for (const auto& t : it.value()) {
        INTERNVL_ASSIGN_OR_RETURN(Json s, token_text(t, it.key()));
        list.push_back(std::move(s));
      }
      out[it.key()] = std::move(list);
      continue;
    }
    INTERNVL_ASSIGN_OR_RETURN(out[it.key()], token_text(it.value(), it.key()));
  }
  return out;
}

// tokenizer_config.json's "chat_template": a string, or [{"name", "template"}] with a default.
Result<std::string> template_from_config(const Json& field, const std::string& path) {
  if (field.is_string()) return field.get<std::string>();
  if (field.is_array()) {
    std::vector<std::string> names;
    for (const auto& entry : field) {
      if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
          !entry.contains("template") || !entry["template"].is_string()) {
        return corrupt(path, ": 'chat_template' list entries must be {\"name\", \"template\"}");
      }
      if (entry["name"] == "default") return entry["template"].get<std::string>();
      names.push_back(entry["name"].get<std::string>());
    }
    return not_found(path, ": the model has several chat templates (", join(names, ", "),
                     ") and none is named 'default'");
  }
  return corrupt(path, ": 'chat_template' must be a string or a list of named templates");
}

Status not_in_template(std::string_view final_text, const std::string& rendered) {
  return invalid_argument(
      "continue_final_message is set but the final message does not appear in the chat after "
      "applying the chat template! This can happen if the chat template deletes portions of the "
      "final message. Please verify the chat template and final message in your chat to ensure "
      "they are compatible.Final message to continue: ",
      py::strip(final_text, std::nullopt, true, true), "\nRendered chat:\n", rendered);
}

// Appends the tag to the text being continued (Transformers mutates a deep copy the same way).
Result<std::string> mark_final_message(Json& chat, const std::string& source) {
  if (chat.empty())
    return invalid_argument("continue_final_message is set but there are no messages");
  Json& last = chat.back();
  if (!last.is_object()) {
    return invalid_argument("continue_final_message: the final message must be an object");
  }
  if (!last.contains("content") || last["content"].is_null()) {
    return invalid_argument(
        "continue_final_message is set but the final message has no \"content\" to continue!");
  }
  if (source.find("content") == std::string::npos) {
    return invalid_argument(
        "continue_final_message is set to \"content\" but this is not an accepted field in the "
        "chat_template");
  }
  Json& content = last["content"];
  if (content.is_array()) {
    for (auto it = content.rbegin(); it != content.rend(); ++it) {
      const bool has_text =
          it->is_object()
              ? it->contains("text")
              : (it->is_string() && it->get<std::string>().find("text") != std::string::npos);
      if (!has_text) continue;
      if (!it->is_object() || !(*it)["text"].is_string()) {
        return invalid_argument("continue_final_message: the final text block must be a string");
      }
      std::string text = (*it)["text"].get<std::string>();
      (*it)["text"] = text + std::string(kContinueTag);
      return text;
    }
    return invalid_argument(
        "continue_final_message is set but we could not find any text to continue in the final "
        "message!");
  }
  if (!content.is_string()) {
    return invalid_argument("can only concatenate str (not \"", content.type_name(), "\") to str");
  }
  std::string text = content.get<std::string>();
  content = text + std::string(kContinueTag);
  return text;
}

}  // namespace

Result<ChatTemplate> ChatTemplate::from_source(std::string source, Json special_tokens) {
  INTERNVL_ASSIGN_OR_RETURN(Json tokens, normalize_special_tokens(special_tokens));
  INTERNVL_ASSIGN_OR_RETURN(Template t, Template::parse(source));
  return ChatTemplate(std::move(t), std::move(tokens));
}

Result<ChatTemplate> ChatTemplate::from_model_dir(const std::string& dir) {
  if (!is_directory(dir)) return not_found("model directory '", dir, "' does not exist");
  const std::string config_path = path_join(dir, "tokenizer_config.json");
  Json config = Json::object();
  if (file_exists(config_path)) {
    INTERNVL_ASSIGN_OR_RETURN(config, load_json_file(config_path));
  }
  if (!config.is_object()) return corrupt(config_path, ": expected a JSON object");

  std::string source;
  std::string origin;
  const std::string jinja_path = path_join(dir, "chat_template.jinja");
  const std::string json_path = path_join(dir, "chat_template.json");
  if (file_exists(jinja_path)) {
    INTERNVL_ASSIGN_OR_RETURN(source, read_file(jinja_path));
    origin = jinja_path;
  } else if (file_exists(json_path)) {
    INTERNVL_ASSIGN_OR_RETURN(Json j, load_json_file(json_path));
    if (!j.is_object() || !j.contains("chat_template")) {
      return corrupt(json_path, ": expected an object with a 'chat_template' field");
    }
    INTERNVL_ASSIGN_OR_RETURN(source, template_from_config(j["chat_template"], json_path));
    origin = json_path;
  } else if (config.contains("chat_template") && !config["chat_template"].is_null()) {
    INTERNVL_ASSIGN_OR_RETURN(source, template_from_config(config["chat_template"], config_path));
    origin = config_path;
  } else {
    return not_found("no chat template in model directory '", dir,
                     "' (looked for chat_template.jinja, chat_template.json and the "
                     "'chat_template' field of tokenizer_config.json)");
  }

  Json tokens = Json::object();
  for (std::string_view name : kSpecialTokenNames) {
    const std::string key(name);
    if (config.contains(key)) tokens[key] = config[key];
  }
  auto t = from_source(std::move(source), std::move(tokens));
  if (!t.ok()) {
    const Status& st = t.status();
    const StatusCode code =
        st.code() == StatusCode::kInvalidArgument ? StatusCode::kCorrupt : st.code();
    return Status(code, origin + ": " + st.message());
  }
  return t;
}

Result<std::string> ChatTemplate::render(const Json& messages, bool add_generation_prompt,
                                         const Json& extra_variables,
                                         bool continue_final_message) const {
  if (!messages.is_array()) return invalid_argument("chat messages must be a JSON array");
  if (!extra_variables.is_object() && !extra_variables.is_null()) {
    return invalid_argument("chat template variables must be a JSON object");
  }
  if (continue_final_message && add_generation_prompt) {
    return invalid_argument(
        "continue_final_message and add_generation_prompt are not compatible. Use "
        "continue_final_message when you want the model to continue the final message, and "
        "add_generation_prompt when you want to add a header that will prompt it to start a new "
        "assistant message instead.");
  }
  const Json extra = extra_variables.is_null() ? Json::object() : extra_variables;
  const Json tools = extra.contains("tools") ? extra["tools"] : Json(nullptr);
  const Json documents = extra.contains("documents") ? extra["documents"] : Json(nullptr);
  if (!tools.is_null()) {
    if (!tools.is_array()) return invalid_argument("tools must be a list of JSON schemas");
    for (const auto& tool : tools) {
      if (!tool.is_object()) {
        return invalid_argument(
            "Tools should either be a JSON schema, or a callable function with type hints and a "
            "docstring suitable for auto-conversion to a schema.");
      }
    }
  }
  if (!documents.is_null()) {
    bool ok = documents.is_array();
    for (const auto& d : documents) ok = ok && d.is_object();
    if (!ok)
      return invalid_argument("Documents should be a list of dicts with 'title' and 'text' keys!");
  }

  Json chat = messages;
  std::string final_text;
  if (continue_final_message) {
    INTERNVL_ASSIGN_OR_RETURN(final_text, mark_final_message(chat, source()));
  }

  Json vars = Json::object();
  vars["messages"] = std::move(chat);
  vars["tools"] = tools;
  vars["documents"] = documents;
  vars["add_generation_prompt"] = add_generation_prompt;
  for (auto it = special_tokens_.begin(); it != special_tokens_.end(); ++it)
    vars[it.key()] = it.value();
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    if (it.key() == "tools" || it.key() == "documents") continue;
    if (it.key() == "messages" || it.key() == "add_generation_prompt") {
      return invalid_argument("render() got multiple values for keyword argument '", it.key(), "'");
    }
    vars[it.key()] = it.value();
  }

  INTERNVL_ASSIGN_OR_RETURN(std::string rendered, template_.render(vars));
  if (!continue_final_message) return rendered;

  const std::string tag = py::strip(kContinueTag, std::nullopt, true, true);
  if (rendered.find(py::strip(final_text, std::nullopt, true, true)) == std::string::npos ||
      rendered.find(tag) == std::string::npos) {
    return not_in_template(final_text, rendered);
  }
  const std::size_t at = rendered.rfind(tag);
  if (rendered.compare(at, kContinueTag.size(), kContinueTag) == 0) return rendered.substr(0, at);
  // The template trimmed the message's trailing whitespace (and the tag's space with it).
  return py::strip(std::string_view(rendered).substr(0, at), std::nullopt, false, true);
}

}  // namespace internvl::jinja
