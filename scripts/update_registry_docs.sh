#!/usr/bin/env bash
# Rewrites the registry tables of docs/selectors.md (the text between each
# `<!-- registry:NAME -->` marker and the next `<!-- /registry -->`) from
# `coldstart strategies --markdown`, so the docs list exactly what the library registers.
# tests/registry checks them. Usage: scripts/update_registry_docs.sh [path/to/coldstart]
set -euo pipefail
cd "$(dirname "$0")/.."
TOOL=${1:-build/coldstart}
"$TOOL" strategies --markdown | python3 -c '
import re, sys
blocks = dict(re.findall(r"<!-- registry:(\S+) -->\n(.*?)<!-- /registry -->", sys.stdin.read(), re.S))
path = "docs/selectors.md"
text = open(path).read()
for name, table in blocks.items():
    marker = "<!-- registry:%s -->\n" % name
    if marker not in text:
        sys.exit("%s: no %r marker" % (path, marker.strip()))
    text = re.sub(re.escape(marker) + r".*?<!-- /registry -->",
                  lambda m: marker + table + "<!-- /registry -->", text, flags=re.S)
open(path, "w").write(text)
print("updated", path, "tables:", ", ".join(blocks))
'
