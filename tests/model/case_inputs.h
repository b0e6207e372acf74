// The reference generation cases (fixture README, "Generation cases") rebuilt from the fixture
// files through our whole front end: chat template, media decoding, preprocessing, expansion.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "processor/processor.h"

namespace internvl::test {

struct CaseConversation {
  std::vector<Json> messages;                  // one conversation per batch row
  std::vector<processor::MediaInput> media;    // decoded, across rows in prompt order
};

/// Conversations and decoded media of a case (text_only, one_image, ..., batch_text_and_image).
Result<CaseConversation> case_conversation(const std::string& case_name, const processor::Processor& p);

/// Renders every row with the chat template and runs the processor (left padding).
Result<processor::ProcessedBatch> process_case(const std::string& case_name, const processor::Processor& p,
                                               std::vector<std::string>* texts = nullptr);

}  // namespace internvl::test
