// check(): one line per check of a test tool ("ok: WHAT" or "FAIL: WHAT"), and the tool's
// exit status (0 when every check passed, else 1). The integration scripts count the "ok"
// lines and show the tool's output when it fails.
#pragma once

#include <cstdio>
#include <string>

namespace kairos::tools {

inline int& failed_checks() {
  static int count = 0;
  return count;
}

inline void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++failed_checks();
}

inline int checks_exit_status() { return failed_checks() == 0 ? 0 : 1; }

}  // namespace kairos::tools
