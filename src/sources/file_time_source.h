// Internal hooks of kairos::FileTimeSource (include/kairos/file_time.h).
//
// Thread safety: as FileTimeSource.
#pragma once

#include <memory>

#include "kairos/file_time.h"
#include "sources/file_probe.h"

namespace kairos::sources {

// A FileTimeSource that probes through `file` instead of settings.path (fault injection
// in tests; settings.path still names the source in messages).
std::unique_ptr<FileTimeSource> make_file_time_source(FileTimeSettings settings,
                                                      std::unique_ptr<ProbeFile> file);

}  // namespace kairos::sources
