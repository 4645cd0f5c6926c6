#!/usr/bin/env python3
"""Embeds the scenario library into a C++ source as raw strings, so that `nsleak run article`
and the `Try:` hints work from any directory (the library is small: ~170 KB of JSON).

    embed.py --list DIR          prints DIR's *.json files (for meson, at configure time)
    embed.py OUT ROOT FILE...    writes OUT: each FILE under its path relative to ROOT
"""
import os
import sys

if sys.argv[1] == "--list":
    for d, _, names in sorted(os.walk(sys.argv[2])):
        for n in sorted(names):
            if n.endswith(".json"):
                print(os.path.join(d, n))
    sys.exit(0)

out, root, files = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out, "w", encoding="utf-8") as f:
    f.write("// Generated from the scenario library by embed.py. Do not edit.\n")
    f.write('#include "harness/cli/scenario_loader.hpp"\n')
    f.write("namespace nsleak::cli {\n")
    f.write("const std::vector<EmbeddedScenario>& embedded_library() {\n")
    f.write("  static const std::vector<EmbeddedScenario> library{\n")
    for src in sorted(files, key=lambda p: os.path.relpath(p, root)):
        text = open(src, encoding="utf-8").read()
        assert ')nsleak"' not in text
        rel = os.path.relpath(src, root)
        f.write('    {"%s", R"nsleak(%s)nsleak"},\n' % (rel, text))
    f.write("  };\n  return library;\n}\n")
    f.write("}  // namespace nsleak::cli\n")
