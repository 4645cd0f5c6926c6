#!/usr/bin/env python3
"""Embeds a scenario file into a C++ source as a raw string (the article for `nsleak`)."""
import sys

src, out = sys.argv[1], sys.argv[2]
text = open(src, encoding="utf-8").read()
assert ')nsleak"' not in text
with open(out, "w", encoding="utf-8") as f:
    f.write("// Generated from %s by embed.py. Do not edit.\n" % src.split("/")[-1])
    f.write('#include "harness/cli/scenario_loader.hpp"\n')
    f.write("namespace nsleak::cli {\n")
    f.write('const char* embedded_article_text() { return R"nsleak(%s)nsleak"; }\n' % text)
    f.write("}  // namespace nsleak::cli\n")
