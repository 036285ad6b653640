// Progress lines: nothing for quick work, periodic plain lines otherwise, a bar on a terminal.
#include "adapter/cli/progress.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

namespace prescale::cli {
namespace {

using std::chrono::milliseconds;

TEST(ProgressTest, QuickWorkPrintsNothingInPlainMode) {
  std::ostringstream out;
  Progress p("prescale tune", "candidates evaluated", false, milliseconds(60000), out);
  for (size_t i = 1; i <= 10; ++i) p.Update(i, 10);
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressTest, PlainLinesOncePerIntervalAndAtTheEnd) {
  std::ostringstream out;
  Progress p("prescale tune", "candidates evaluated", false, milliseconds(20), out);
  p.Update(1, 3);  // before the first interval
  std::this_thread::sleep_for(milliseconds(30));
  p.Update(2, 3);
  p.Update(2, 3);  // within the interval again
  p.Update(3, 3);  // the end, after a line was printed
  const std::string text = out.str();
  EXPECT_EQ(text.find("1/3"), std::string::npos) << text;
  EXPECT_NE(text.find("prescale tune: 2/3 candidates evaluated ("), std::string::npos) << text;
  EXPECT_NE(text.find("prescale tune: 3/3 candidates evaluated ("), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

TEST(ProgressTest, ATerminalGetsABarRedrawnInPlace) {
  std::ostringstream out;
  Progress p("prescale tune", "candidates evaluated", true, milliseconds(60000), out);
  p.Update(5, 10);
  p.Update(10, 10);
  const std::string text = out.str();
  EXPECT_NE(text.find("\rprescale tune [###############               ] 5/10"), std::string::npos)
      << text;
  EXPECT_NE(text.find("10/10 candidates evaluated"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace prescale::cli
