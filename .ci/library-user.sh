#!/usr/bin/env bash
# The library crates as a registry user gets them: `cargo package` (without its verification,
# which rebuilds every package's dependency tree once per package), the packages unpacked, and
# examples/library-user — a program outside the workspace, depending on them by version —
# built and run against them through `[patch.crates-io]`. Building it is the check that the
# packages build from what they contain; running it, that they work.
#
# Usage: .ci/library-user.sh CORPUS_DIR   (the program reads recorded Chat exchanges there)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="$(cd "${1:?usage: .ci/library-user.sh CORPUS_DIR}" && pwd)"

# Only this run's packages: an older version's .crate would patch the same name twice.
rm -f target/package/*.crate
# --allow-dirty: what is checked is that the packages build, not the state of the work tree.
cargo package --workspace --no-verify --allow-dirty \
  --exclude xtask --exclude aigw-workspace-tests --exclude aigw-conformance --exclude aigw-mock
ls -l target/package/*.crate

unpacked="$PWD/target/library-user/packages"
rm -rf "$unpacked"
mkdir -p "$unpacked"
patches=()
for crate in target/package/*.crate; do
  name_version="$(basename "$crate" .crate)"
  tar -xzf "$crate" -C "$unpacked"
  patches+=(--config "patch.crates-io.${name_version%-*}.path=\"$unpacked/$name_version\"")
done

# The workspace's lock file as the starting point: the same dependency versions, so the shared
# target directory's compiled dependencies are reused (cargo drops what the program does not use).
cp Cargo.lock examples/library-user/Cargo.lock
CARGO_TARGET_DIR="$PWD/target" cargo run --quiet \
  --manifest-path examples/library-user/Cargo.toml "${patches[@]}" -- "$corpus"
