"""Loaded by scripts/schemathesis.sh: a plugin upload (`POST /api/v1/plugins`) is
`application/wasm`, sent as the raw bytes schemathesis draws for a binary body."""

import schemathesis

schemathesis.serializer.alias("application/wasm", "application/octet-stream")
