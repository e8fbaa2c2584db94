// Unit tests of the frontend core: the located JSON reader, the DSL parser, the
// printers and the expander.
#include "Graph.h"
#include "Json.h"
#include "Spec.h"

#include <gtest/gtest.h>

#include <functional>

using namespace strata::frontend;

namespace {
SpecError errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const SpecError &e) {
    return e;
  }
  ADD_FAILURE() << "expected a SpecError";
  return SpecError({}, "");
}

const char *kModel = R"(model m {
  input x: f32[B, 784] from image
  z = linear(x, 32)  @represent
  loss mse(linear(z, 784), x)
}
)";
} // namespace

TEST(Json, KeepsLocationsAndOrder) {
  JsonValue v = parseJson("{\n  \"b\": [1, 2.5],\n  \"a\": \"x\"\n}", "t.json");
  ASSERT_EQ(v.members.size(), 2u);
  EXPECT_EQ(v.members[0].first, "b");
  EXPECT_EQ(v.members[0].second.loc.line, 2);
  EXPECT_EQ(v.members[0].second.loc.col, 8);
  EXPECT_TRUE(v.members[0].second.items[0].isInteger);
  EXPECT_FALSE(v.members[0].second.items[1].isInteger);
}

TEST(Json, RejectsDuplicateKeysAndTrailingCommas) {
  EXPECT_EQ(errorOf([] { parseJson("{\"a\": 1, \"a\": 2}", "t.json"); }).loc.col, 10);
  SpecError e = errorOf([] { parseJson("[1, 2,]", "t.json"); });
  EXPECT_EQ(e.loc.col, 7);
}

TEST(Json, RejectsDeepNestingWithoutCrashing) {
  std::string deep(100000, '[');
  EXPECT_NE(std::string(errorOf([&] { parseJson(deep, "t.json"); }).what()).find("deeper"),
            std::string::npos);
}

TEST(Dsl, ParsesAndPrintsBack) {
  Spec spec = parseDsl(kModel, "m.strata");
  ASSERT_TRUE(spec.model);
  EXPECT_EQ(spec.model->body.size(), 2u);
  EXPECT_TRUE(spec.model->body[0].represent);
  Spec again = parseDsl(printDsl(spec), "again.strata");
  EXPECT_EQ(printDsl(again), printDsl(spec));
  Spec fromJson = parseJsonSpec(printJson(spec), "m.json");
  EXPECT_EQ(printDsl(fromJson), printDsl(spec));
}

TEST(Dsl, PrintsParenthesesTheTreeNeeds) {
  Spec spec = parseDsl("model m {\n  input x: f32[B, 4]\n  y = x - (x - x) * 2\n  loss mse(y, x)\n}\n",
                       "m.strata");
  EXPECT_NE(printDsl(spec).find("y = x - (x - x) * 2"), std::string::npos);
}

TEST(Expander, InfersShapesAndCountsParameters) {
  Graph g = buildGraph(parseDsl(kModel, "m.strata"), prelude());
  EXPECT_EQ(g.parameterCount(), 784 * 32 + 32 + 32 * 784 + 784);
  EXPECT_EQ(g.values[g.represent].shape, (Shape{strata::shapes::kBatch, 32}));
  EXPECT_DOUBLE_EQ(g.nodeFlops(g.nodes[2], 10), 2.0 * 10 * 32 * 784);
}

TEST(Expander, ReportsShapeErrorsAtTheCall) {
  SpecError e = errorOf([] {
    buildGraph(parseDsl("model m {\n  input x: f32[B, 784]\n  loss mse(linear(x, 10), x)\n}\n",
                        "m.strata"),
               prelude());
  });
  EXPECT_EQ(e.loc.line, 3);
  EXPECT_EQ(e.loc.col, 8);
  EXPECT_NE(std::string(e.what()).find("[B, 10]"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find("[B, 784]"), std::string::npos);
}
