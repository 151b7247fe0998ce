#!/usr/bin/env bash
# bench/run.sh [CORPUS]: time the dfix binary over a tree made by copying the corpus
# COPIES times (default 5: about 15,000 files), side by side with the baselines run the
# same way: `cat` of every file, bench/parsefloor (reading and BuildKit-parsing them,
# the floor of any BuildKit-based tool) and, when it is on PATH, hadolint. All of them
# are run in turn, REPEAT rounds (default 3); the table shows the best cpu (user+sys) and wall
# time, each also as a ratio to the floor's, and the highest peak RSS, measured with
# /usr/bin/time. -w runs on a fresh, writable copy of the tree each time. Then: the
# memory of the big inputs (one 10 MB Dockerfile, a tree of BIG_TREE one-file folders,
# default 100,000), and where the time of a check run goes, from a CPU profile.
#
#   bash bench/run.sh                      # ../shared/corpus, 5 copies
#   COPIES=1 REPEAT=1 bash bench/run.sh    # quick look (a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-${DFIX_CORPUS:-../shared/corpus}}
copies=${COPIES:-5}
repeat=${REPEAT:-3}
bigtree=${BIG_TREE:-100000}
if [ ! -x /usr/bin/time ]; then
  echo "bench: installing GNU time" >&2
  (apt-get update -qq && apt-get install -y -qq time) >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/dfix" .
go build -o "$tmp/parsefloor" ./bench/parsefloor
go build -o "$tmp/gen" ./bench/gen
hadolint=$(command -v hadolint || true)

# The tree: the corpus COPIES times, less what dfix's walk skips (vendor folders, the
# corpus's *.md, backup names such as Dockerfile.old), so every run sees the same files.
# The copy is made writable: a read-only corpus would make -w write nothing.
for i in $(seq 1 "$copies"); do
  mkdir -p "$tmp/tree/c$i"
  cp -R "$corpus"/. "$tmp/tree/c$i/"
done
chmod -R u+w "$tmp/tree"
find "$tmp/tree" -type d \( -name vendor -o -name node_modules -o -name .git \) -prune -exec rm -rf {} +
find "$tmp/tree" -type f \( -name '*.md' -o -iname '*.old' -o -iname '*.bak' \) -delete
files=$(find "$tmp/tree" -type f | wc -l)
bytes=$(find "$tmp/tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
cpus=$(nproc)
echo "tree: $files files, $((bytes / 1024 / 1024)) MiB ($copies copies of $corpus); $cpus CPUs; best of $repeat"
echo

# once KEY FRESH CMD...: runs CMD once under /usr/bin/time (FRESH=1 copies the tree
# anew first, for -w) and keeps, for KEY, the best wall, the best cpu (user+sys) and the
# highest peak RSS so far.
declare -A wall cpu rss
once() {
  local key=$1 fresh=$2; shift 2
  if [ "$fresh" = 1 ]; then
    rm -rf "$tmp/w" && cp -R "$tmp/tree" "$tmp/w"
  fi
  sync
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" || true
  if grep -qE 'panic|could not be processed' "$tmp/stderr"; then
    echo "bench: $* reported errors:" >&2
    tail -3 "$tmp/stderr" >&2
  fi
  local w user sys kb c
  read -r w user sys kb < <(tail -1 "$tmp/time")
  c=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
  if [ -z "${wall[$key]:-}" ] || awk -v a="$w" -v b="${wall[$key]}" 'BEGIN {exit !(a < b)}'; then wall[$key]=$w; fi
  if [ -z "${cpu[$key]:-}" ] || awk -v a="$c" -v b="${cpu[$key]}" 'BEGIN {exit !(a < b)}'; then cpu[$key]=$c; fi
  if [ -z "${rss[$key]:-}" ] || [ "$kb" -gt "${rss[$key]}" ]; then rss[$key]=$kb; fi
}

# Every row is run once per round, REPEAT rounds: the floor and dfix are measured side
# by side, so a slow spell of the shared machine falls on all rows alike, not on one.
rows() {
  once spin1 0 "$tmp/parsefloor" -spin -j 1
  once spinN 0 "$tmp/parsefloor" -spin -j "$cpus"
  once cat 0 sh -c "find '$tmp/tree' -type f -print0 | xargs -0 cat"
  once floor1 0 "$tmp/parsefloor" -j 1 "$tmp/tree"
  once floorN 0 "$tmp/parsefloor" -j "$cpus" "$tmp/tree"
  # dfix tunes its collector (gc.go); the floor with a lazier collector shows whether that
  # tuning would help it too, which would make the ratios flatter than fair.
  once floorGC 0 env GOGC=400 "$tmp/parsefloor" -j 1 "$tmp/tree"
  once check1 0 "$tmp/dfix" -q --jobs 1 "$tmp/tree"
  once checkN 0 "$tmp/dfix" -q --jobs "$cpus" "$tmp/tree"
  once list1 0 "$tmp/dfix" -l --jobs 1 "$tmp/tree"
  once listN 0 "$tmp/dfix" -l --jobs "$cpus" "$tmp/tree"
  once write1 1 "$tmp/dfix" -w -q --jobs 1 "$tmp/w"
  once writeN 1 "$tmp/dfix" -w -q --jobs "$cpus" "$tmp/w"
  if [ -n "$hadolint" ]; then
    # hadolint takes files, one process for all of them; it has no --jobs.
    once hadolint 0 sh -c "find '$tmp/tree' -type f -print0 | xargs -0 '$hadolint' --no-fail >/dev/null"
  fi
}
for _ in $(seq 1 "$repeat"); do
  rows
done

fmt() { # fmt LABEL KEY FLOOR_KEY JOBS_1_KEY (the last two may be "")
  local floorw="" floorc="" one=""
  [ -n "$3" ] && floorw=${wall[$3]} && floorc=${cpu[$3]}
  [ -n "$4" ] && one=${wall[$4]}
  awk -v label="$1" -v w="${wall[$2]}" -v c="${cpu[$2]}" -v r="${rss[$2]}" -v n="$files" \
      -v fw="$floorw" -v fc="$floorc" -v one="$one" 'BEGIN {
    fps = (w > 0) ? n / w : 0
    xc = (fc != "" && fc > 0) ? sprintf("%.2fx", c / fc) : "-"
    xw = (fw != "" && fw > 0) ? sprintf("%.2fx", w / fw) : "-"
    sp = (one != "" && w > 0) ? sprintf("%.2fx", one / w) : "-"
    printf "| %-26s | %6.2f | %6.2f | %7.0f | %6.1f | %9s | %9s | %7s |\n", label, c, w, fps, r / 1024, xc, xw, sp
  }'
}
spin=$(awk -v a="${wall[spin1]}" -v b="${wall[spinN]}" -v n="$cpus" 'BEGIN {printf "%.2f", (b > 0) ? n * a / b : 0}')
echo "machine: one goroutine of fixed CPU work takes ${wall[spin1]} s, $cpus of them ${wall[spinN]} s:"
echo "here --jobs $cpus can be at best ${spin}x faster than --jobs 1"
echo
echo "| run                        | cpu s  | wall s | files/s | RSS MB | cpu/floor | wall/floor | speedup |"
echo "|----------------------------|--------|--------|---------|--------|-----------|------------|---------|"
fmt "cat every file"               cat    ""     ""
fmt "parsefloor --jobs 1"          floor1 floor1 ""
fmt "parsefloor --jobs $cpus"      floorN floorN floor1
fmt "parsefloor --jobs 1, GOGC=400" floorGC floor1 ""
fmt "dfix (check) --jobs 1"        check1 floor1 ""
fmt "dfix (check) --jobs $cpus"    checkN floorN check1
fmt "dfix -l --jobs 1"             list1  floor1 ""
fmt "dfix -l --jobs $cpus"         listN  floorN list1
fmt "dfix -w --jobs 1"             write1 floor1 ""
fmt "dfix -w --jobs $cpus"         writeN floorN write1
if [ -n "$hadolint" ]; then
  fmt "hadolint (one process)"     hadolint floor1 ""
else
  echo "| hadolint                   | not on PATH |"
fi
echo
echo "cpu/floor, wall/floor: over parsefloor's with the same --jobs. speedup: --jobs 1's wall over --jobs $cpus's."
echo "Targets (issue 12): check cpu/floor <= 1.50x and -l <= 2.00x at --jobs 1; check speedup >= 1.70x."
echo

# Big inputs: peak RSS must not grow with the size of a file beyond what it needs, nor
# with the number of files.
"$tmp/gen" -big 10485760 "$tmp/big.Dockerfile"
"$tmp/gen" -tree "$bigtree" "$tmp/bigtree"
for _ in $(seq 1 "$repeat"); do
  once bigfloor 0 "$tmp/parsefloor" -j 1 "$tmp/big.Dockerfile"
  once bigcheck 0 "$tmp/dfix" -q --jobs 1 "$tmp/big.Dockerfile"
  once biglist 0 "$tmp/dfix" -l --jobs 1 "$tmp/big.Dockerfile"
  once treefloor 0 "$tmp/parsefloor" -j 1 "$tmp/bigtree"
  once treecheck 0 "$tmp/dfix" -q --jobs 1 "$tmp/bigtree"
  once treelist 0 "$tmp/dfix" -l --jobs "$cpus" "$tmp/bigtree"
done
echo "big inputs (peak RSS):"
echo
echo "| run                        | cpu s  | wall s | files/s | RSS MB | cpu/floor | wall/floor | speedup |"
echo "|----------------------------|--------|--------|---------|--------|-----------|------------|---------|"
files=1
fmt "parsefloor, 10 MB file"       bigfloor  bigfloor  ""
fmt "dfix (check), 10 MB file"     bigcheck  bigfloor  ""
fmt "dfix -l, 10 MB file"          biglist   bigfloor  ""
files=$bigtree
fmt "parsefloor, $bigtree files"   treefloor treefloor ""
fmt "dfix (check), $bigtree files" treecheck treefloor ""
fmt "dfix -l --jobs $cpus, $bigtree files" treelist treefloor ""
echo

# Where the time goes: a CPU profile of one check run and one -l run at --jobs 1 over
# the tree, the functions that hold the most time (cumulative), grouped.
"$tmp/dfix" -q --jobs 1 --cpuprofile "$tmp/check.prof" "$tmp/tree" >/dev/null 2>&1 || true
"$tmp/dfix" -l --jobs 1 --cpuprofile "$tmp/list.prof" "$tmp/tree" >/dev/null 2>&1 || true
where() { # where PROFILE: share of the run in each part
  go tool pprof -top -cum "$tmp/dfix" "$1" 2>/dev/null | awk '
    /Total samples/ { for (i = 1; i <= NF; i++) if ($i == "=") { total = $(i + 1) + 0; if ($(i + 1) ~ /ms/) total /= 1000 } }
    $NF ~ /^(github.com\/moby\/buildkit\/frontend\/dockerfile\/parser.Parse|github.com\/dfix-dev\/dfix\/rewrite.Parse|github.com\/dfix-dev\/dfix\/fix.checkRound|github.com\/dfix-dev\/dfix\/fix.fixLoop|github.com\/dfix-dev\/dfix\/fix.applyRound|github.com\/dfix-dev\/dfix\/fix.\(\*Facts\).Script|os.ReadDir|main.\(\*config\).fileOptions|github.com\/dfix-dev\/dfix\/rewrite.ReadBytes|github.com\/dfix-dev\/dfix\/rewrite.ReadFile|runtime.gcBgMarkWorker|main.\(\*reporter\).file)$/ {
      name = $NF; sub(/.*\//, "", name); secs = $4
      if (secs ~ /ms$/) { sub(/ms$/, "", secs); secs /= 1000 } else { sub(/s$/, "", secs) }
      printf "  %-32s %6.2f s  %5.1f%%\n", name, secs, (total > 0 ? 100 * secs / total : 0)
    }
    END { printf "  %-32s %6.2f s\n", "(all samples)", total }'
}
echo "where the time goes, dfix check --jobs 1 (cumulative: nested parts are inside their callers):"
where "$tmp/check.prof"
echo
echo "where the time goes, dfix -l --jobs 1:"
where "$tmp/list.prof"
echo
echo "BuildKit's parser.Parse is the floor; rewrite.Parse holds it and dfix's own line and"
echo "instruction index; fix.checkRound runs the rules (Facts.Script: the shell parse of RUNs);"
echo "fix.fixLoop re-parses (applyRound) and re-checks each fixed file; os.ReadDir is the walk,"
echo "(*config).fileOptions the configuration lookups; gcBgMarkWorker is the GC."
