#!/usr/bin/env bash
# The project's test command (README "Run the tests"; CI runs it through .ci/run on a fresh clone).
# Sets up everything from the project's own files, then runs:
#   1. vitest: engine + CLI tests in Node, route tests inside workerd with the real shipped model, and the
#      demo page in headless Chromium (Debian's `chromium`, installed below when missing);
#   2. API conformance: the Worker on local workerd, tested by Schemathesis (an independent OpenAPI tester,
#      pinned in scripts/requirements-conformance.txt, in .venv-conformance) against its own /openapi.json,
#      as `npm run dev` serves it and with API keys required; fails on any finding (scripts/conformance.mjs);
#   3. pytest: the Python pipeline (normalisation vectors, windowing, a small real training run, export).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's Chromium for test/browser (playwright-core drives /usr/bin/chromium; `npx playwright install`
# cannot download browsers here). CI runs this script as root on a fresh machine.
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
fi

npm ci --no-audit --no-fund
npm test

if [ ! -x .venv-conformance/bin/python ]; then
  python3 -m venv .venv-conformance
fi
.venv-conformance/bin/pip install -q -r scripts/requirements-conformance.txt
node scripts/with-node22.mjs scripts/conformance.mjs

if [ ! -x .venv-train/bin/python ]; then
  python3 -m venv .venv-train
fi
# torch first and alone: `torch==2.13.0` resolves to the CPU wheel on this machine's disk (see scripts/README.md)
.venv-train/bin/pip install -q torch==2.13.0
.venv-train/bin/pip install -q -r scripts/requirements.txt
cd scripts && HF_HUB_OFFLINE=1 ../.venv-train/bin/python -m pytest -q tests
