// The subcommands of `nsleak`. Each registers its options on the CLI11 app and returns the
// exit code when run.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace nsleak::cli {

using Command = std::function<int()>;

Command add_run(CLI::App& app);       // nsleak run FILE...
Command add_list(CLI::App& app);      // nsleak list
Command add_test(CLI::App& app);      // nsleak test DIR|FILE...
Command add_merge(CLI::App& app);     // nsleak merge A.json B.json...
Command add_explore(CLI::App& app);   // nsleak explore FILE...
Command add_replay(CLI::App& app);    // nsleak replay FILE TOKEN
Command add_observe(CLI::App& app);   // nsleak observe -- CMD ARGS...
Command add_export(CLI::App& app);    // nsleak export --go FILE [-o DIR]
Command add_conform(CLI::App& app);   // nsleak conform [DIR|FILE...] [--go PATH]
// nsleak (no arguments): the article, narrated; `html` non-empty: also its timeline page there.
// `trace_events` non-empty: also the run as Chrome Trace Event Format JSON there.
int run_default(const std::string& html, const std::string& trace_events);

}  // namespace nsleak::cli
