// Language-model parity with the reference generate() dumps: first-step logits, teacher-forced
// top-5 log-probabilities at every step, free-running greedy tokens, hidden states and losses.
#include <gtest/gtest.h>

#include <cmath>

#include <map>

#include "case_inputs.h"
#include "model_test_util.h"
#include "runtime/forward.h"
#include "runtime/generator.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::test {
namespace {

struct Case {
  std::string model, name;
  Json golden, extra;
  // The reference ran every case on one model instance, in file order: generate() (prefill of the
  // longest row, then one call per new token) and then a plain forward of the prompt. Dynamic RoPE
  // keeps state across those calls (rope_state.h), so each case replays the lengths seen before.
  std::vector<std::int64_t> generate_replay, forward_replay;
};

// gtest prints parameters in failure messages: name the case instead of dumping bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.model << "/" << c.name; }

// Inputs of a golden case, rebuilt from the fixture files through the whole front end (the
// input ids must equal the reference's; see ProcessorInputIds).
struct Inputs {
  std::vector<runtime::PromptInput> rows;
  processor::ProcessedBatch batch;
};

const processor::Processor& fixture_processor(const std::string& model) {
  static std::map<std::string, processor::Processor> cache;
  auto it = cache.find(model);
  if (it == cache.end()) {
    auto p = processor::Processor::from_model_dir(model_dir(model));
    if (!p.ok()) {
      ADD_FAILURE() << p.status().to_string();
      std::abort();
    }
    it = cache.emplace(model, std::move(p).value()).first;
  }
  return it->second;
}

Inputs case_inputs(const Case& c, const model::InternVLModel&) {
  Inputs in;
  auto batch = process_case(c.name, fixture_processor(c.model));
  if (!batch.ok()) {
    ADD_FAILURE() << c.model << "/" << c.name << ": " << batch.status().to_string();
    return in;
  }
  in.batch = std::move(batch).value();
  for (const auto& row : in.batch.rows) {
    runtime::PromptInput r;
    r.ids = row.ids;
    r.pixel_values = row.pixel_values;
    in.rows.push_back(std::move(r));
  }
  return in;
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const char* model : kFixtureModels) {
    std::string dir = std::string("goldens/models/") + model;
    Json gen = load_golden_json(dir + "/generate.json");
    bool hub = std::string(model) == "tiny-internvl3-hub-layout";
    Json extra = hub ? Json() : load_golden_json(dir + "/generate_extra.json");
    std::vector<std::int64_t> history;
    for (const auto& [name, g] : gen["cases"].items()) {
      Case c{model, name, g, hub ? g : extra["cases"][name], {}, {}};
      std::int64_t longest = 0;
      for (std::size_t r = 0; r < g["attention_mask"].size(); ++r) {
        std::int64_t n = 0;
        for (const auto& bit : g["attention_mask"][r]) n += bit.get<int>();
        longest = std::max(longest, n);
      }
      c.generate_replay = history;
      const std::int64_t n_new = static_cast<std::int64_t>(c.extra["generated"][0].size());
      for (std::int64_t k = 0; k < n_new; ++k) history.push_back(longest + k);
      c.forward_replay = history;
      history.push_back(longest);
      out.push_back(std::move(c));
    }
  }
  return out;
}

// The hub-layout fixture declares 512 positions (1,024 with its dynamic factor) but the reference,
// which enforces no limit, ran prompts of up to 3,357 positions on it: raise our limit to match.
constexpr std::int64_t kReferenceContext = 4096;

class GenerateGolden : public ::testing::TestWithParam<Case> {};

TEST_P(GenerateGolden, FirstStepLogitsAndTeacherForcedTop5) {
  const Case& c = GetParam();
  const auto& m = fixture_model(c.model);
  Inputs in = case_inputs(c, m);
  ASSERT_FALSE(in.rows.empty());
  const Json& gen = c.extra["generated"];
  runtime::GenerateParams p;
  p.max_new_tokens = static_cast<int>(gen[0].size());
  p.top_logprobs = 5;
  for (const auto& row : gen) p.forced_tokens.push_back(row.get<std::vector<std::int32_t>>());
  p.rope_replay = c.generate_replay;
  p.context_limit = kReferenceContext;
  // Full first-step logits come from a separate hook: capture via top_logprobs over all ids is
  // too costly, so the first step is checked through the forced run's reported values below and
  // the golden's top/subset ids through forward().
  auto res = runtime::generate(m, in.rows, p);
  ASSERT_TRUE(res.ok()) << res.status().to_string();
  double worst = 0;
  for (std::size_t step = 0; step < c.extra["top5_per_step"].size(); ++step) {
    const Json& s = c.extra["top5_per_step"][step];
    for (std::size_t r = 0; r < in.rows.size(); ++r) {
      const auto& ev = (*res)[r].steps[step];
      ASSERT_EQ(ev.top.size(), 5u);
      // Compare by id: our top-5 may order near-equal values differently.
      for (std::size_t j = 0; j < 5; ++j) {
        std::int32_t id = s["ids"][r][j].get<std::int32_t>();
        double ref = s["logprobs"][r][j].get<double>();
        bool found = false;
        for (const auto& [our_id, lp] : ev.top) {
          if (our_id == id) {
            found = true;
            worst = std::max(worst, std::fabs(lp - ref));
            EXPECT_NEAR(lp, ref, 1e-3) << c.model << "/" << c.name << " step " << step << " row " << r << " id " << id;
          }
        }
        // An id missing from our top-5 must be a near-tie with the 5th.
        if (!found) {
          EXPECT_NEAR(ev.top.back().second, ref, 1e-3) << "id " << id << " not in our top-5 at step " << step;
        }
      }
    }
  }
  std::printf("[ %s/%s ] teacher-forced top-5 worst |dlogprob| = %.3g\n", c.model.c_str(), c.name.c_str(), worst);
}

TEST_P(GenerateGolden, FirstStepLogitsAllListedIds) {
  const Case& c = GetParam();
  const auto& m = fixture_model(c.model);
  Inputs in = case_inputs(c, m);
  ASSERT_FALSE(in.rows.empty());
  // The whole padded batch in one forward, as the reference ran it.
  runtime::ForwardInput f;
  f.input_ids = in.batch.input_ids;
  f.attention_mask = in.batch.attention_mask;
  f.pixel_values = in.batch.pixel_values;
  f.logits_to_keep = 1;
  f.rope_replay = c.forward_replay;
  f.context_limit = kReferenceContext;
  auto out = runtime::forward(m, f);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  double worst = 0;
  for (std::size_t r = 0; r < in.rows.size(); ++r) {
    const float* lg = out->logits[r].data<float>();
    const std::int64_t v = out->logits[r].dim(1);
    double lse = 0;
    {
      double mx = -INFINITY;
      for (std::int64_t i = 0; i < v; ++i) mx = std::max<double>(mx, lg[i]);
      double s = 0;
      for (std::int64_t i = 0; i < v; ++i) s += std::exp(lg[i] - mx);
      lse = mx + std::log(s);
    }
    const Json& fs = c.golden["first_step_logits"][r];
    double ref_lse = fs["logsumexp"].get<double>();
    for (const char* key : {"top", "subset"}) {
      const Json& ids = fs[std::string(key) + "_ids"];
      const Json& vals = fs[std::string(key) + "_vals"];
      for (std::size_t i = 0; i < ids.size(); ++i) {
        double ours = lg[ids[i].get<std::int64_t>()] - lse;
        double ref = vals[i].get<double>() - ref_lse;
        worst = std::max(worst, std::fabs(ours - ref));
        ASSERT_NEAR(ours, ref, 1e-3) << c.model << "/" << c.name << " row " << r << " " << key << " id " << ids[i];
      }
    }
    EXPECT_EQ(std::max_element(lg, lg + v) - lg, fs["argmax"].get<std::int64_t>());
  }
  std::printf("[ %s/%s ] first-step worst |dlogprob| = %.3g\n", c.model.c_str(), c.name.c_str(), worst);
}

TEST_P(GenerateGolden, GreedyTokensUpToFirstNearTie) {
  const Case& c = GetParam();
  const auto& m = fixture_model(c.model);
  Inputs in = case_inputs(c, m);
  ASSERT_FALSE(in.rows.empty());
  const Json& gen = c.extra["generated"];
  runtime::GenerateParams p;
  p.max_new_tokens = static_cast<int>(gen[0].size());
  p.min_new_tokens = p.max_new_tokens;  // as the reference run: EOS never stops it
  p.eos_ids = {151645};
  p.top_logprobs = 2;
  p.rope_replay = c.generate_replay;
  p.context_limit = kReferenceContext;
  auto res = runtime::generate(m, in.rows, p);
  ASSERT_TRUE(res.ok()) << res.status().to_string();
  for (std::size_t r = 0; r < in.rows.size(); ++r) {
    for (std::size_t step = 0; step < gen[r].size(); ++step) {
      // Reference margin at this step: from step_margins, or top-1 minus top-2 log-probability.
      double margin;
      if (c.golden.contains("step_margins")) {
        margin = c.golden["step_margins"][step]["margin"][r].get<double>();
      } else {
        const Json& lp = c.extra["top5_per_step"][step]["logprobs"][r];
        margin = lp[0].get<double>() - lp[1].get<double>();
      }
      if (margin < 1e-2) {
        std::printf("[ %s/%s ] row %zu: near-tie at step %zu (margin %.3g); tokens compared before it\n",
                    c.model.c_str(), c.name.c_str(), r, step, margin);
        break;
      }
      ASSERT_EQ((*res)[r].tokens[step], gen[r][step].get<std::int32_t>())
          << c.model << "/" << c.name << " row " << r << " step " << step;
    }
  }
}

TEST_P(GenerateGolden, HiddenStatesAndLosses) {
  const Case& c = GetParam();
  if (!c.extra.contains("loss_labels_eq_input_ids")) GTEST_SKIP() << "no hidden-state/loss golden for this case";
  const auto& m = fixture_model(c.model);
  Inputs in = case_inputs(c, m);
  ASSERT_FALSE(in.rows.empty());
  auto npz = load_golden_npz("goldens/models/" + c.model + "/extra.npz");
  runtime::ForwardInput f;
  f.input_ids = {in.rows[0].ids};
  f.pixel_values = in.rows[0].pixel_values;
  f.labels = f.input_ids;
  f.logits_to_keep = 1;
  f.output_hidden_states = true;
  f.rope_replay = c.forward_replay;
  f.context_limit = kReferenceContext;
  auto out = runtime::forward(m, f);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_NEAR(*out->loss, c.extra["loss_labels_eq_input_ids"].get<double>(), 1e-4);
  std::printf("[ %s/%s ] loss %.6f vs %.6f\n", c.model.c_str(), c.name.c_str(), *out->loss,
              c.extra["loss_labels_eq_input_ids"].get<double>());
  const auto& hs = out->hidden_states[0];
  const Tensor& last_ref = npz[c.name + "__hidden_last"];
  const Tensor& first_ref = npz[c.name + "__hidden_first8"];
  ASSERT_EQ(static_cast<std::int64_t>(hs.size()), last_ref.dim(0));
  const std::int64_t h = last_ref.dim(1), len = static_cast<std::int64_t>(in.rows[0].ids.size());
  double worst_hidden = 0;
  for (std::size_t l = 0; l < hs.size(); ++l) {
    Diff dl = compare(hs[l].data<float>() + (len - 1) * h, last_ref.data<float>() + l * h, h);
    worst_hidden = std::max(worst_hidden, dl.max_abs / dl.max_ref);
    EXPECT_LE(dl.max_abs, 1e-4 * dl.max_ref) << "hidden_last layer " << l;
    Diff df = compare(hs[l].data<float>(), first_ref.data<float>() + l * 8 * h, 8 * h);
    worst_hidden = std::max(worst_hidden, df.max_abs / df.max_ref);
    EXPECT_LE(df.max_abs, 1e-4 * df.max_ref) << "hidden_first8 layer " << l;
  }
  // Labels -100 except the last four tokens.
  f.output_hidden_states = false;
  for (std::size_t t = 0; t + 4 < f.labels[0].size(); ++t) f.labels[0][t] = -100;
  auto out4 = runtime::forward(m, f);
  ASSERT_TRUE(out4.ok());
  EXPECT_NEAR(*out4->loss, c.extra["loss_last4_labels"].get<double>(), 1e-4);
  std::printf("[ %s/%s ] last-4 loss %.6f vs %.6f; hidden states worst max_abs/max_ref %.2e\n", c.model.c_str(),
              c.name.c_str(), *out4->loss, c.extra["loss_last4_labels"].get<double>(), worst_hidden);
}

TEST_P(GenerateGolden, ProcessorInputIdsAndTexts) {
  const Case& c = GetParam();
  std::vector<std::string> texts;
  auto batch = process_case(c.name, fixture_processor(c.model), &texts);
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  ASSERT_EQ(texts.size(), c.golden["texts"].size());
  for (std::size_t r = 0; r < texts.size(); ++r) EXPECT_EQ(texts[r], c.golden["texts"][r].get<std::string>());
  ASSERT_EQ(batch->input_ids.size(), c.golden["input_ids"].size());
  for (std::size_t r = 0; r < batch->input_ids.size(); ++r) {
    EXPECT_EQ(batch->input_ids[r], c.golden["input_ids"][r].get<std::vector<std::int32_t>>()) << "row " << r;
    EXPECT_EQ(batch->attention_mask[r], c.golden["attention_mask"][r].get<std::vector<std::int32_t>>()) << "row " << r;
  }
  if (!c.golden["pixel_values_shape"].is_null()) {
    EXPECT_EQ(batch->pixel_values.shape(), c.golden["pixel_values_shape"].get<std::vector<std::int64_t>>());
  } else {
    EXPECT_EQ(batch->pixel_values.numel(), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GenerateGolden, ::testing::ValuesIn(all_cases()),
                         [](const auto& param_info) {
                           std::string s = param_info.param.model + "_" + param_info.param.name;
                           for (auto& ch : s) if (ch == '-') ch = '_';
                           return s;
                         });

}  // namespace
}  // namespace internvl::test
