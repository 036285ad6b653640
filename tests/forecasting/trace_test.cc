#include "forecasting/trace.h"

#include <gtest/gtest.h>

namespace prescale::forecasting {
namespace {

Trace ParseOk(std::string_view text) {
  auto r = ParseTraceCsv(text);
  if (auto* e = std::get_if<TraceError>(&r)) ADD_FAILURE() << e->ToString();
  return std::holds_alternative<Trace>(r) ? std::get<Trace>(r) : Trace{};
}

TraceError ParseError(std::string_view text) {
  auto r = ParseTraceCsv(text);
  EXPECT_TRUE(std::holds_alternative<TraceError>(r)) << "parsed unexpectedly: " << text;
  return std::holds_alternative<TraceError>(r) ? std::get<TraceError>(r) : TraceError{};
}

TEST(TraceTest, ParsesIntegerAndDecimalTimestamps) {
  const Trace t = ParseOk("timestamp,value\n100,1\n160.0,2.5\n220,0\n");
  EXPECT_EQ(t.start_unix, 100);
  EXPECT_EQ(t.step_seconds, 60);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2.5, 0}));
  EXPECT_EQ(t.BucketStart(2), 220);
}

TEST(TraceTest, StepIsTheMedianGapAndMissingBucketsAreZero) {
  // Gaps 15, 15, 45, 15: median 15; the 45 s gap leaves two empty buckets.
  const Trace t = ParseOk("timestamp,value\r\n0,1\r\n15,2\r\n30,3\r\n75,4\r\n90,5\r\n");
  EXPECT_EQ(t.step_seconds, 15);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2, 3, 0, 0, 4, 5}));
}

TEST(TraceTest, ToleratesSpacesAndBlankLines) {
  const Trace t = ParseOk(" timestamp , value \n\n 0 , 1 \n 10 , +2 \n\n");
  EXPECT_EQ(t.values, (std::vector<double>{1, 2}));
}

TEST(TraceTest, ErrorsNameTheLine) {
  EXPECT_EQ(ParseError("time,value\n0,1\n1,2\n").line, 1);
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n1,abc\n").line, 3);
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n1,-2\n").line, 3);
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n1,nan\n").line, 3);
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n1,inf\n").line, 3);
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n1\n").line, 3);
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n1,2,3\n").line, 3);
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n\n5,1\n3,2\n").line, 5);  // unsorted
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n5,1\n5,2\n").line, 4);    // duplicate
  const TraceError e = ParseError("timestamp,value\n0,1\n1,x\n");
  EXPECT_EQ(e.ToString().rfind("line 3: ", 0), 0u) << e.ToString();
}

TEST(TraceTest, RowsInTheSameBucketAreAnError) {
  // Step 60; 61 rounds into the same bucket as 60.
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n60,1\n61,1\n120,1\n180,1\n").line, 4);
}

TEST(TraceTest, WholeFileErrorsHaveLineZero) {
  EXPECT_EQ(ParseError("").line, 0);
  EXPECT_EQ(ParseError("timestamp,value\n").line, 0);
  EXPECT_EQ(ParseError("timestamp,value\n5,1\n").line, 0);  // step cannot be inferred
  // A tiny step over a huge span would need more buckets than allowed.
  EXPECT_EQ(ParseError("timestamp,value\n0,1\n0.001,1\n0.002,1\n1e9,1\n").line, 0);
}

TEST(TraceTest, CommentsBeforeTheHeaderCarryTheSeriesLabels) {
  const std::string text =
      "# label venue=xnas\n# exported by prescale\n# label job=a=b\ntimestamp,value\n0,1\n60,2\n";
  const Trace t = ParseOk(text);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2}));
  const auto labels = ParseTraceLabels(text);
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels.at("venue"), "xnas");
  EXPECT_EQ(labels.at("job"), "a=b");
  EXPECT_TRUE(ParseTraceLabels("timestamp,value\n# label x=y\n").empty());
  // After the header a comment is a malformed row.
  EXPECT_FALSE(std::holds_alternative<Trace>(ParseTraceCsv("timestamp,value\n0,1\n# x\n60,2\n")));
}

TEST(TraceTest, AFewRowsMayNotStandForAHugeGrid) {
  // Found by trace_fuzzer (a timeout): 5 rows, one stamped 13 instead of 1380547800, asked
  // for 23 M buckets of 60 s. The error names the last row and the step.
  const TraceError e = ParseError(
      "timestamp,value\r\n13,812\r\n1380547860, 1203 \r\n\r\n1380547980,99.5\r\n"
      "1380548040,0\r\n");
  EXPECT_EQ(e.line, 6);
  EXPECT_NE(e.message.find("per row"), std::string::npos) << e.message;
  // Up to a million buckets, any gaps; beyond, up to 1000 per row.
  EXPECT_EQ(ParseOk("timestamp,value\n0,1\n60,1\n120,1\n59999940,1\n").values.size(), 1'000'000u);
  ParseError("timestamp,value\n0,1\n60,1\n120,1\n60000000,1\n");
  // A year of 1-minute buckets with the nights and weekends missing is fine.
  std::string year = "timestamp,value\n";
  for (int day = 0; day < 365; ++day)
    for (int minute = 0; minute < 390; minute += 5)
      if (day % 7 < 5) year += std::to_string(day * 86400 + 48600 + minute * 60) + ",1\n";
  EXPECT_EQ(ParseOk(year).step_seconds, 300);
}

}  // namespace
}  // namespace prescale::forecasting
