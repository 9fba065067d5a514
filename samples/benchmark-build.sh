#!/usr/bin/env bash
# What YoloCompress.Build costs a project, measured on the sample:
#  1. the no-op rebuild (nothing changed) with the model, against the same project without
#     YoloModel items (-p:SampleWithoutModel=true): the time the package adds to every build;
#  2. what the app restores: YoloCompress.Build, and everything (packages and their dependencies),
#     as downloaded (.nupkg) and as extracted in the global packages folder.
# Run samples/run-sample.sh (or pack) first. Timings are medians of RUNS builds (default 7).
#   samples/benchmark-build.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
project="$root/samples/YoloCompress.Sample/YoloCompress.Sample.csproj"
runs=${1:-7}
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Times `dotnet build` RUNS times after one warm-up build; prints the median in seconds.
time_noop() {
  dotnet build "$project" --no-restore -v:q -nologo "$@" >/dev/null
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    dotnet build "$project" --no-restore -v:q -nologo "$@" >/dev/null
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { print e - s }'
  done | median
}

dotnet restore "$project" >/dev/null
without=$(time_noop -p:SampleWithoutModel=true)
with=$(time_noop)
printf 'no-op rebuild, median of %d: with the model %.3f s, without YoloModel items %.3f s, added %.3f s\n' \
  "$runs" "$with" "$without" "$(awk -v a="$with" -v b="$without" 'BEGIN { print a - b }')"

# Every package in the restore graph ("path": "id/version" in project.assets.json's libraries).
assets="$root/samples/YoloCompress.Sample/obj/project.assets.json"
total_nupkg=0; total_disk=0
printf '\n%-55s %12s %12s\n' package nupkg-bytes extracted-bytes
for path in $(grep -o '"path": "[^"]*"' "$assets" | sed 's/"path": "\(.*\)"/\1/' | sort -u); do
  dir="$packages/$path"
  [ -d "$dir" ] || continue
  nupkg=$(find "$dir" -maxdepth 1 -name '*.nupkg' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
  disk=$(du -sb "$dir" | cut -f1)
  total_nupkg=$((total_nupkg + nupkg)); total_disk=$((total_disk + disk))
  printf '%-55s %12d %12d\n' "$path" "$nupkg" "$disk"
done
printf '%-55s %12d %12d\n' TOTAL "$total_nupkg" "$total_disk"

dotnet build-server shutdown >/dev/null 2>&1 || true
