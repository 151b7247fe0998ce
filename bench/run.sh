#!/usr/bin/env bash
# bench/run.sh [CORPUS]: time the dfix binary over a tree made by copying the corpus
# COPIES times (default 5: about 15,000 files), against two baselines run the same way:
# `cat` of every file (reading them) and bench/parsefloor (reading and BuildKit-parsing
# them, the floor of any BuildKit-based tool). Each run is repeated REPEAT times
# (default 3); the table shows the best wall time and the highest peak RSS, measured
# with /usr/bin/time. -w runs on a fresh copy of the tree each time.
#
#   bash bench/run.sh                      # ../shared/corpus, 5 copies
#   COPIES=1 REPEAT=1 bash bench/run.sh    # quick look
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-${DFIX_CORPUS:-../shared/corpus}}
copies=${COPIES:-5}
repeat=${REPEAT:-3}
if [ ! -x /usr/bin/time ]; then
  echo "bench: installing GNU time" >&2
  (apt-get update -qq && apt-get install -y -qq time) >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/dfix" .
go build -o "$tmp/parsefloor" ./bench/parsefloor

# The tree: the corpus COPIES times, less what dfix's walk skips (vendor folders, the
# corpus's *.md, backup names such as Dockerfile.old), so every run sees the same files.
for i in $(seq 1 "$copies"); do
  mkdir -p "$tmp/tree/c$i"
  cp -R "$corpus"/. "$tmp/tree/c$i/"
done
find "$tmp/tree" -type d \( -name vendor -o -name node_modules -o -name .git \) -prune -exec rm -rf {} +
find "$tmp/tree" -type f \( -name '*.md' -o -iname '*.old' -o -iname '*.bak' \) -delete
files=$(find "$tmp/tree" -type f | wc -l)
bytes=$(find "$tmp/tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
cpus=$(nproc)
echo "tree: $files files, $((bytes / 1024 / 1024)) MiB ($copies copies of $corpus); $cpus CPUs; best of $repeat"
echo

# measure NAME FRESH CMD...: runs CMD REPEAT times under /usr/bin/time; FRESH=1 copies
# the tree anew before each run (for -w). Prints "wall_s rss_kb".
measure() {
  local fresh=$1; shift
  local best="" rss=0
  for _ in $(seq 1 "$repeat"); do
    if [ "$fresh" = 1 ]; then
      rm -rf "$tmp/w" && cp -R "$tmp/tree" "$tmp/w"
    fi
    sync
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" || true
    if grep -qE 'panic|could not be processed' "$tmp/stderr"; then
      echo "bench: $* reported errors:" >&2
      tail -3 "$tmp/stderr" >&2
    fi
    read -r wall kb < <(tail -1 "$tmp/time")
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$wall; fi
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  echo "$best $rss"
}

declare -A wall rss
row() { # row KEY FRESH CMD...
  local key=$1; shift
  read -r wall[$key] rss[$key] < <(measure "$@")
}

row spin1 0 "$tmp/parsefloor" -spin -j 1
row spinN 0 "$tmp/parsefloor" -spin -j "$cpus"
row cat 0 sh -c "find '$tmp/tree' -type f -print0 | xargs -0 cat"
row floor1 0 "$tmp/parsefloor" -j 1 "$tmp/tree"
row floorN 0 "$tmp/parsefloor" -j "$cpus" "$tmp/tree"
row check1 0 "$tmp/dfix" -q --jobs 1 "$tmp/tree"
row checkN 0 "$tmp/dfix" -q "$tmp/tree"
row list1 0 "$tmp/dfix" -l --jobs 1 "$tmp/tree"
row listN 0 "$tmp/dfix" -l "$tmp/tree"
row write1 1 "$tmp/dfix" -w -q --jobs 1 "$tmp/w"
row writeN 1 "$tmp/dfix" -w -q "$tmp/w"

fmt() { # fmt LABEL KEY FLOOR_KEY JOBS_1_KEY (the last two may be "")
  local w=${wall[$2]} r=${rss[$2]} floor="" one=""
  [ -n "$3" ] && floor=${wall[$3]}
  [ -n "$4" ] && one=${wall[$4]}
  awk -v label="$1" -v w="$w" -v r="$r" -v n="$files" -v cat="${wall[cat]}" \
      -v floor="$floor" -v one="$one" 'BEGIN {
    fps = (w > 0) ? n / w : 0
    xf = (floor != "" && floor > 0) ? sprintf("%.2fx", w / floor) : "-"
    sp = (one != "" && w > 0) ? sprintf("%.2fx", one / w) : "-"
    printf "| %-32s | %7.2f | %8.0f | %7.1f | %8.1fx | %9s | %8s |\n", label, w, fps, r / 1024, (cat > 0 ? w / cat : 0), xf, sp
  }'
}
spin=$(awk -v a="${wall[spin1]}" -v b="${wall[spinN]}" -v n="$cpus" 'BEGIN {printf "%.2f", (b > 0) ? n * a / b : 0}')
echo "machine: one goroutine of fixed CPU work takes ${wall[spin1]} s, $cpus of them ${wall[spinN]} s:"
echo "here --jobs $cpus can be at best ${spin}x faster than --jobs 1"
echo
echo "| run                              | wall s  | files/s  | RSS MB  | x cat     | x floor   | speedup  |"
echo "|----------------------------------|---------|----------|---------|-----------|-----------|----------|"
fmt "cat every file"                     cat    ""     ""
fmt "parsefloor --jobs 1"                floor1 floor1 ""
fmt "parsefloor --jobs $cpus"            floorN floorN floor1
fmt "dfix (check) --jobs 1"              check1 floor1 ""
fmt "dfix (check) --jobs $cpus"          checkN floorN check1
fmt "dfix -l --jobs 1"                   list1  floor1 ""
fmt "dfix -l --jobs $cpus"               listN  floorN list1
fmt "dfix -w --jobs 1"                   write1 floor1 ""
fmt "dfix -w --jobs $cpus"               writeN floorN write1
echo
echo "x floor: wall time over parsefloor's with the same --jobs. speedup: --jobs 1 over --jobs $cpus."
