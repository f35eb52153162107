# shellcheck shell=bash
# Shared by .ci/build-prometheus and .ci/build-loki (sourced, not run): builds
# programs of a Go module straight from the Go module proxy, the way
# `go install module/cmd@version` would if the module had no replace
# directives. `go install` refuses such modules, so the build goes through a
# throwaway main module that requires the target module and copies its
# replace directives; minimal version selection then picks exactly the
# versions the module's own go.mod lists.
#
# The caller sets `script` (its name, for messages) before sourcing this.
#
# Go's module and build caches are private to the script, under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/greet-api/go-<script>/{mod,build}
# and removed once the binary is in place (drop_go_caches): the binary is
# what is reused, and a rebuild happens only when the pinned version or Go
# changes, when little of either cache would still match. Keeping them cost
# 2.2 GB for Prometheus and 4.4 GB for Loki; a failed build keeps them, so a
# retry resumes where it stopped.

: "${script:?must name the calling script before sourcing _go_module_build.bash}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/greet-api"

log() { printf '%s: %s\n' "$script" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Go itself: the one on PATH, else the usual tarball location.
if ! command -v go >/dev/null; then
  [[ -x /usr/local/go/bin/go ]] || die "go is not on PATH (and not in /usr/local/go/bin): install Go 1.26"
  PATH="/usr/local/go/bin:$PATH"
fi
go_caches="$cache_root/go-$script"
export GOMODCACHE="$go_caches/mod"
export GOCACHE="$go_caches/build"
export GOFLAGS="-modcacherw -buildvcs=false"
# The Go on PATH builds everything, even where a go.mod asks for a newer one:
# a silent toolchain download would make the cache key (the Go version) lie.
export GOTOOLCHAIN=local
export CGO_ENABLED=0
# shellcheck disable=SC2034 # used by the scripts that source this
go_version=$(go env GOVERSION) || die "go env GOVERSION failed: is $(command -v go) a working Go?"

# Background ticker of the step running now; killed by stop_ticker.
ticker_pid=
stop_ticker() {
  if [[ -n $ticker_pid ]]; then
    kill "$ticker_pid" 2>/dev/null || true
    wait "$ticker_pid" 2>/dev/null || true
    ticker_pid=
  fi
}

# run_step LABEL UNIT COMMAND...: runs COMMAND with its output in a log, and
# prints "LABEL: 90s, 412 UNIT" to stderr every 30 s so a long step is never
# silent (UNIT names what a line of the command's output stands for: go build
# -v prints one package per line, go list one "go: downloading" per module).
# On failure prints the log's last lines and dies naming LABEL.
run_step() {
  local label=$1 unit=$2
  shift 2
  local output start=$SECONDS status=0
  output=$(mktemp "${TMPDIR:-/tmp}/$script-XXXXXX.log")
  log "$label"
  (
    # The ticker's sleep is killed with it, so nothing holds stderr open
    # (or stdout: the ticker never writes there) after the step ends.
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    while :; do
      sleep 30 &
      sleeper=$!
      wait "$sleeper"
      log "$label: $((SECONDS - start))s, $(wc -l <"$output") $unit"
    done
  ) >&2 &
  ticker_pid=$!
  "$@" >"$output" 2>&1 || status=$?
  stop_ticker
  if ((status != 0)); then
    tail -n 40 "$output" >&2
    rm -f "$output"
    die "$label failed (exit $status); the last lines of its output are above"
  fi
  log "$label: done in $((SECONDS - start))s, $(wc -l <"$output") $unit"
  rm -f "$output"
}

# throwaway_module DIR MODULE VERSION: makes DIR a main module that requires
# MODULE@VERSION, with MODULE's replace and exclude directives copied.
# A replace pointing at a directory (`=> ./pkg/push`) cannot be copied: that
# directory is a module of its own, so MODULE's zip does not contain it. It is
# left out, with a message, and the version MODULE requires is used instead;
# the calling script says why that is the same code.
throwaway_module() {
  local dir=$1 module=$2 version=$3 info module_go_mod
  # The module's own zip first, with progress: Loki's is large and the proxy
  # is sometimes slow. The -json call below then reads it from the cache.
  run_step "download $module@$version" "lines of output" go mod download "$module@$version"
  (
    cd "$dir" || exit
    go mod init "local/build-${module##*/}" >/dev/null 2>&1 || die "go mod init failed in $dir"
    go mod edit -require="$module@$version"
    info=$(go mod download -json "$module@$version" 2>&1) || true
    module_go_mod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p' <<<"$info")
    [[ -f $module_go_mod ]] || die "could not download $module@$version from $(go env GOPROXY):" \
      "$(sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p' <<<"$info" | head -n1)"
    # Each directive, single-line or in a block, as `replace|exclude words...`.
    awk '
      { sub(/\/\/.*/, "") }
      /^(replace|exclude)[[:space:]]*\(/ { block = $1; next }
      block != "" && /^\)/ { block = ""; next }
      /^(replace|exclude) / { print; next }
      block != "" && NF { print block, $0 }
    ' "$module_go_mod" | while read -r -a words; do
      case ${words[0]} in
        exclude)
          go mod edit -exclude="${words[1]}@${words[2]}" ||
            die "cannot copy the directive '${words[*]}' of $module"
          ;;
        replace)
          # replace old [old-version] => new [new-version]
          old=${words[1]} arrow=2
          [[ ${words[2]} == "=>" ]] || { old="$old@${words[2]}" arrow=3; }
          new=${words[arrow + 1]} new_version=${words[arrow + 2]:-}
          if [[ $new == ./* || $new == ../* || $new == /* ]]; then
            log "not copying '${words[*]}' (a directory the module zip lacks): using the version $module requires"
            continue
          fi
          go mod edit -replace="$old=$new${new_version:+@$new_version}" ||
            die "cannot copy the directive '${words[*]}' of $module"
          ;;
      esac
    done
  )
}

# download_deps TAGS PACKAGE...: downloads the modules that provide the
# packages a build of PACKAGE with TAGS imports, and nothing else. `go get`
# would fetch every module any build tag could need (for the Prometheus
# build: 1.8 GB instead of 0.96 GB, 64 modules more).
download_deps() {
  local tags=$1
  shift
  run_step "download the modules a build of ${*##*/}${tags:+ with -tags $tags} needs" "modules downloaded" \
    go list -mod=mod -tags "$tags" -deps -f '{{with .Error}}{{.}}{{end}}' "$@"
}

# reports_version BINARY VERSION: whether BINARY exists and its --version
# says VERSION (Prometheus-style "name, version X (branch: ...)").
reports_version() {
  [[ -x $1 ]] && "$1" --version 2>/dev/null | grep -q "version $2 "
}

# drop_go_caches: removes this script's Go caches (see the top of this file).
drop_go_caches() {
  # Tens of thousands of files: this can take a minute on a busy disk.
  run_step "remove this build's Go caches, $go_caches" "lines of output" rm -rf "$go_caches"
}

# module_revision MODULE VERSION: the commit the proxy says VERSION is, or
# "unknown" (only used in --version output).
module_revision() {
  go mod download -json "$1@$2" 2>/dev/null |
    sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",*$/\1/p' | head -n1 | grep . || echo unknown
}
