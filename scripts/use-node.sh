# Sourced by .ci/run (and by anyone whose machine has an older Node): puts the Node release named
# in .node-version on PATH when the machine's own Node is of an older line. Node itself comes from
# the npm registry (the node-<os>-<arch> package carries the official binary), so an offline
# machine with only a registry mirror gets it too. Cached under .revive/toolchain/.
required="$(tr -d '[:space:]' < "$(dirname "${BASH_SOURCE[0]}")/../.node-version")"
major="${required%%.*}"
if ! node -e "process.exit(Number(process.versions.node.split('.')[0]) >= ${major} ? 0 : 1)" 2>/dev/null; then
  toolchain="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.revive/toolchain/node-${required}"
  if [ ! -x "${toolchain}/bin/node" ]; then
    case "$(uname -m)" in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
    os="$(uname -s | tr '[:upper:]' '[:lower:]')"
    download="$(mktemp -d)"
    echo "Node ${required} (the release Revive runs on) from the npm registry: node-${os}-${arch}" >&2
    (cd "${download}" && npm pack --silent "node-${os}-${arch}@${required}" >/dev/null)
    mkdir -p "${toolchain}"
    tar -xzf "${download}"/*.tgz -C "${toolchain}" --strip-components=1 package/bin package/LICENSE
    rm -rf "${download}"
  fi
  export PATH="${toolchain}/bin:${PATH}"
fi
unset required major toolchain arch os download
